package org.cnn4j.backend.reference;

import java.util.ArrayList;
import java.util.List;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Op;

/**
 * A reference backend for one test that remembers the tensors it hands out and closes them, then itself, on
 * {@link #close()}, so tests stay short and leave nothing open.
 */
final class RefScratch implements AutoCloseable {
    final ReferenceBackend ref = new ReferenceBackend();
    private final List<Tensor> tensors = new ArrayList<>();

    /** A float64 tensor holding {@code values}. */
    Tensor f64(Shape shape, double... values) {
        return track(ref.fromArray(shape, DType.FLOAT64, values));
    }

    /** A float32 tensor holding {@code values}. */
    Tensor f32(Shape shape, float... values) {
        return track(ref.fromArray(shape, values));
    }

    /** A zero-filled tensor. */
    Tensor zeros(Shape shape, DType dtype) {
        return track(ref.allocate(shape, dtype));
    }

    /** A zero-filled float64 tensor. */
    Tensor zeros(Shape shape) {
        return zeros(shape, DType.FLOAT64);
    }

    void run(Op op) {
        ref.execute(op);
    }

    private Tensor track(Tensor t) {
        tensors.add(t);
        return t;
    }

    @Override
    public void close() {
        for (Tensor t : tensors) {
            t.close();
        }
        ref.close();
    }
}
