package org.cnn4j.backend.reference;

import org.cnn4j.core.UnsupportedOpException;
import org.cnn4j.ops.*;

final class ElementwiseReference {
    private ElementwiseReference() {
    }

    static void fill(Fill.Run o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }

    static void copy(Copy.Run o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }

    static void add(Add.Run o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }

    static void scale(Scale.Run o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }

    static void axpy(Axpy.Run o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }

    static void sumAxes(SumAxes.Run o) {
        throw new UnsupportedOpException("reference", o.name(), "not written yet");
    }
}
