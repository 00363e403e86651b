package org.cnn4j.backend.reference;

import org.cnn4j.core.UnsupportedOpException;
import org.cnn4j.ops.*;

final class GemmReference {
    private GemmReference() {
    }

    static void run(Gemm.Run o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }
}
