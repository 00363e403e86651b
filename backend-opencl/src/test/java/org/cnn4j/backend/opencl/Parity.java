package org.cnn4j.backend.opencl;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Op;

/**
 * One operator call run on the reference and on OpenCL with the same inputs: inputs seeded and random, pure
 * outputs poisoned with NaN on the OpenCL side (so an unwritten element fails), then every compared tensor
 * checked with {@code |got - want| <= tol + tol * |want|}; the message names the worst element.
 */
final class Parity {
    private final Backend ref;
    private final Backend cl;
    private final long seed;
    private final SplittableRandom random;
    private final List<Shape> shapes = new ArrayList<>();
    private final List<float[]> data = new ArrayList<>();
    private final List<Boolean> poison = new ArrayList<>();

    Parity(Backend ref, Backend cl, long seed) {
        this.ref = ref;
        this.cl = cl;
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    /** An input (or in-place tensor) uniform in [lo, hi). */
    Parity in(Shape s, double lo, double hi) {
        float[] d = new float[s.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (lo + (hi - lo) * random.nextDouble());
        }
        return in(s, d);
    }

    Parity in(Shape s) {
        return in(s, -1, 1);
    }

    Parity in(Shape s, float[] values) {
        shapes.add(s);
        data.add(values);
        poison.add(false);
        return this;
    }

    /** Rows of one-hot class targets [n, c]. */
    Parity oneHot(int n, int c) {
        float[] d = new float[n * c];
        for (int i = 0; i < n; i++) {
            d[i * c + random.nextInt(c)] = 1;
        }
        return in(Shape.of(n, c), d);
    }

    /** Rows of class probabilities [n, c]. */
    Parity probabilities(int n, int c) {
        float[] d = new float[n * c];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int j = 0; j < c; j++) {
                d[i * c + j] = (float) random.nextDouble();
                sum += d[i * c + j];
            }
            for (int j = 0; j < c; j++) {
                d[i * c + j] /= (float) sum;
            }
        }
        return in(Shape.of(n, c), d);
    }

    /** A pure output: its old values must not matter (NaN on the OpenCL side). */
    Parity out(Shape s) {
        shapes.add(s);
        data.add(new float[s.size()]);
        poison.add(true);
        return this;
    }

    /** Runs {@code op} on both backends; compares the tensors at {@code compare} within {@code tol}. */
    void check(String what, Function<Tensor[], Op> op, double tol, int... compare) {
        Tensor[] r = new Tensor[shapes.size()];
        Tensor[] c = new Tensor[shapes.size()];
        try {
            for (int i = 0; i < r.length; i++) {
                r[i] = ref.fromArray(shapes.get(i), data.get(i));
                float[] d = data.get(i);
                if (poison.get(i)) {
                    d = new float[d.length];
                    java.util.Arrays.fill(d, Float.NaN);
                }
                c[i] = cl.fromArray(shapes.get(i), d);
            }
            ref.execute(op.apply(r));
            cl.execute(op.apply(c));
            for (int i : compare) {
                compare(what + " tensor #" + i + " " + shapes.get(i), r[i].toFloatArray(), c[i].toFloatArray(),
                        tol);
            }
        } finally {
            for (int i = 0; i < r.length; i++) {
                if (r[i] != null) {
                    r[i].close();
                }
                if (c[i] != null) {
                    c[i].close();
                }
            }
        }
    }

    private void compare(String what, float[] want, float[] got, double tol) {
        int worst = -1;
        double worstShare = 0;
        for (int i = 0; i < want.length; i++) {
            double w = want[i];
            double g = got[i];
            double share;
            if (Double.isNaN(w) || Double.isNaN(g)) {
                share = Double.isNaN(w) && Double.isNaN(g) ? 0 : Double.POSITIVE_INFINITY;
            } else if (w == g) {
                share = 0;
            } else {
                share = Math.abs(g - w) / (tol + tol * Math.abs(w));
            }
            if (share > worstShare || worst < 0) {
                worstShare = share;
                worst = i;
            }
        }
        if (worstShare > 1) {
            fail(what + " (seed " + seed + "): element " + worst + " is " + got[worst] + ", reference "
                    + want[worst] + " (" + String.format("%.3g", worstShare) + "x the tolerance " + tol + ")");
        }
    }
}
