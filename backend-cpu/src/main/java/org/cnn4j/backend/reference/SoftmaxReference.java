package org.cnn4j.backend.reference;

import org.cnn4j.core.UnsupportedOpException;
import org.cnn4j.ops.*;

final class SoftmaxReference {
    private SoftmaxReference() {
    }

    static void forward(Softmax.Forward o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }

    static void backward(Softmax.Backward o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }
}
