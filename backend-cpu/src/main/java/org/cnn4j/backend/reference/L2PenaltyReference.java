package org.cnn4j.backend.reference;

import org.cnn4j.core.UnsupportedOpException;
import org.cnn4j.ops.*;

final class L2PenaltyReference {
    private L2PenaltyReference() {
    }

    static void forward(L2Penalty.Forward o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }

    static void backward(L2Penalty.Backward o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }
}
