package org.cnn4j.backend.reference;

import org.cnn4j.core.UnsupportedOpException;
import org.cnn4j.ops.*;

final class OptimizerReference {
    private OptimizerReference() {
    }

    static void sgd(Sgd.Step o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }

    static void adagrad(Adagrad.Step o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }

    static void rmsProp(RmsProp.Step o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }

    static void adam(Adam.Step o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }
}
