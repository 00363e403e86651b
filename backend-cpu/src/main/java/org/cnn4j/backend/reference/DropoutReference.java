package org.cnn4j.backend.reference;

import org.cnn4j.core.UnsupportedOpException;
import org.cnn4j.ops.*;

final class DropoutReference {
    private DropoutReference() {
    }

    static void forward(Dropout.Forward o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }

    static void backward(Dropout.Backward o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }
}
