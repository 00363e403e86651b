package org.cnn4j.backend.reference;

import org.cnn4j.core.UnsupportedOpException;
import org.cnn4j.ops.*;

final class Pool2dReference {
    private Pool2dReference() {
    }

    static void forward(Pool2d.Forward o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }

    static void backward(Pool2d.Backward o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }
}
