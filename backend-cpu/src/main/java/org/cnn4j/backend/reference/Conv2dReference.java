package org.cnn4j.backend.reference;

import org.cnn4j.core.UnsupportedOpException;
import org.cnn4j.ops.*;

final class Conv2dReference {
    private Conv2dReference() {
    }

    static void forward(Conv2d.Forward o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }

    static void backwardData(Conv2d.BackwardData o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }

    static void backwardFilter(Conv2d.BackwardFilter o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }
}
