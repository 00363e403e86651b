package org.cnn4j.backend.reference;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.cnn4j.core.DType;
import org.cnn4j.core.Tensor;

/**
 * Float32 on the reference backend is the float64 computation rounded once: given inputs that are exact floats,
 * every float32 output element must equal {@code (float)} of the float64 output element, bit for bit. This holds
 * only when the sums run in double and every output is rounded when the operator finishes, which is what it
 * checks.
 */
final class Float32Parity {
    private Float32Parity() {
    }

    /** Random values uniform in [-1, 1), each exactly representable as a float. */
    static double[] randomFloats(Random rnd, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return a;
    }

    /**
     * {@code run} builds its operands in the given dtype from fixed float-valued data, runs the operators under
     * test and returns their outputs; they are compared element by element.
     */
    static void check(String label, Function<DType, List<Tensor>> run) {
        List<Tensor> wide = run.apply(DType.FLOAT64);
        List<Tensor> narrow = run.apply(DType.FLOAT32);
        StringBuilder failures = new StringBuilder();
        for (int k = 0; k < wide.size(); k++) {
            double[] w = wide.get(k).toDoubleArray();
            double[] f = narrow.get(k).toDoubleArray();
            for (int i = 0; i < w.length; i++) {
                if (Double.compare((float) w[i], f[i]) != 0) {
                    failures.append(String.format(
                            "%n  output %d element %d: float32 %.10g, float64 %.17g rounds to %.10g", k, i, f[i],
                            w[i], (double) (float) w[i]));
                }
            }
        }
        if (!failures.isEmpty()) {
            fail(label + ": float32 outputs are not the float64 outputs rounded once:" + failures);
        }
    }
}
