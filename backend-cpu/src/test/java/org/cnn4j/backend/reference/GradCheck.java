package org.cnn4j.backend.reference;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.cnn4j.core.Tensor;

/**
 * Central finite-difference gradient checks in double precision. The caller builds float64 tensors on the
 * reference backend, a {@code loss} that runs the forward and returns a scalar (usually {@code sum(r * y)} for a
 * fixed random {@code r}), and the analytic gradients (from the backward with {@code dy = r}). Each checked
 * element is perturbed by +-h, the loss re-evaluated, and the slope compared with the analytic value.
 */
final class GradCheck {
    static final double H = 1e-6;
    static final double RTOL = 1e-5;
    static final double ATOL = 1e-7;

    private GradCheck() {
    }

    /** {@code sum(r * t)}. */
    static double dot(Tensor t, double[] r) {
        double[] v = t.toDoubleArray();
        double s = 0;
        for (int i = 0; i < v.length; i++) {
            s += v[i] * r[i];
        }
        return s;
    }

    /** Random values uniform in [-1, 1). */
    static double[] random(Random rnd, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextDouble() * 2 - 1;
        }
        return a;
    }

    /**
     * Checks {@code analytic[k]} against the numerical gradient of {@code loss} with respect to {@code wrt[k]},
     * for every element (at most {@code maxElements} per tensor, chosen at random beyond that).
     */
    static void check(String label, List<Tensor> wrt, List<Tensor> analytic, DoubleSupplier loss, Random rnd,
            int maxElements) {
        if (wrt.size() != analytic.size()) {
            throw new IllegalArgumentException("wrt and analytic differ in length");
        }
        StringBuilder failures = new StringBuilder();
        for (int k = 0; k < wrt.size(); k++) {
            Tensor x = wrt.get(k);
            double[] values = x.toDoubleArray();
            double[] grad = analytic.get(k).toDoubleArray();
            int n = values.length;
            int count = Math.min(n, maxElements);
            for (int c = 0; c < count; c++) {
                int i = count == n ? c : rnd.nextInt(n);
                double old = values[i];
                values[i] = old + H;
                x.copyFrom(values);
                double plus = loss.getAsDouble();
                values[i] = old - H;
                x.copyFrom(values);
                double minus = loss.getAsDouble();
                values[i] = old;
                x.copyFrom(values);
                double numeric = (plus - minus) / (2 * H);
                double err = Math.abs(numeric - grad[i]);
                double tol = ATOL + RTOL * Math.max(Math.abs(numeric), Math.abs(grad[i]))
                        + 1e-6 * Math.max(1, Math.abs(plus));
                if (!(err <= tol)) {
                    failures.append(String.format("%n  operand %d element %d: analytic %.10g, numeric %.10g, error %.3g"
                            + " > tolerance %.3g", k, i, grad[i], numeric, err, tol));
                }
            }
        }
        if (!failures.isEmpty()) {
            fail(label + ": gradient differs from finite differences:" + failures);
        }
    }
}
