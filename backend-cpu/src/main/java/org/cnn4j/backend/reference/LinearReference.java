package org.cnn4j.backend.reference;

import org.cnn4j.core.UnsupportedOpException;
import org.cnn4j.ops.*;

final class LinearReference {
    private LinearReference() {
    }

    static void forward(Linear.Forward o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }

    static void backwardData(Linear.BackwardData o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }

    static void backwardWeights(Linear.BackwardWeights o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }
}
