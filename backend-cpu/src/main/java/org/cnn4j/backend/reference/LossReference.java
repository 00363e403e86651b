package org.cnn4j.backend.reference;

import org.cnn4j.core.UnsupportedOpException;
import org.cnn4j.ops.*;

final class LossReference {
    private LossReference() {
    }

    static void forward(Loss.Forward o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }

    static void backward(Loss.Backward o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }
}
