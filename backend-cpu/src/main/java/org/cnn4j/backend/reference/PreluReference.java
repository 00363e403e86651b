package org.cnn4j.backend.reference;

import org.cnn4j.core.UnsupportedOpException;
import org.cnn4j.ops.*;

final class PreluReference {
    private PreluReference() {
    }

    static void forward(Prelu.Forward o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }

    static void backward(Prelu.Backward o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }
}
