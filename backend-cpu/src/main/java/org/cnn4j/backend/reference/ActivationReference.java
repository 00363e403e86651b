package org.cnn4j.backend.reference;

import org.cnn4j.core.UnsupportedOpException;
import org.cnn4j.ops.*;

final class ActivationReference {
    private ActivationReference() {
    }

    static void forward(Activation.Forward o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }

    static void backward(Activation.Backward o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }
}
