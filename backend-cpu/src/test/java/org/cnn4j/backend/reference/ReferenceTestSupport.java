package org.cnn4j.backend.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.junit.jupiter.api.AfterEach;

/**
 * Base of the per-family reference tests: a fresh reference backend per test, tensors that are closed after it,
 * and a check that none was left open.
 */
abstract class ReferenceTestSupport {
    protected final ReferenceBackend backend = new ReferenceBackend();
    private final List<Tensor> owned = new ArrayList<>();

    @AfterEach
    void closeTensorsAndBackend() {
        owned.forEach(Tensor::close);
        assertEquals(0, backend.liveTensors(), "tensors left open");
        backend.close();
    }

    /** Closes {@code t} after the test. */
    protected Tensor own(Tensor t) {
        owned.add(t);
        return t;
    }

    protected Tensor tensor(Shape s, DType dtype, double... values) {
        return own(backend.fromArray(s, dtype, values));
    }

    /** A float64 tensor holding {@code values}. */
    protected Tensor tensor(Shape s, double... values) {
        return tensor(s, DType.FLOAT64, values);
    }

    protected Tensor zeros(Shape s, DType dtype) {
        return own(backend.allocate(s, dtype));
    }

    /** A float64 tensor full of NaN, so that an element the operator does not write fails the test. */
    protected Tensor poisoned(Shape s) {
        double[] nan = new double[s.size()];
        Arrays.fill(nan, Double.NaN);
        return tensor(s, nan);
    }
}
