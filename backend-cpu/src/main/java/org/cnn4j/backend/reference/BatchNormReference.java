package org.cnn4j.backend.reference;

import org.cnn4j.core.UnsupportedOpException;
import org.cnn4j.ops.*;

final class BatchNormReference {
    private BatchNormReference() {
    }

    static void forwardTraining(BatchNorm.ForwardTraining o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }

    static void forwardInference(BatchNorm.ForwardInference o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }

    static void backward(BatchNorm.Backward o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }
}
