package org.cnn4j.conformance;

import java.util.SplittableRandom;
import org.cnn4j.core.Shape;

/**
 * How the values of a case's tensor are drawn. A distribution fills a host array of a given shape from a random
 * stream; the stream comes from the case seed and the tensor's role ({@link CaseContext#draw}), so every backend
 * sees the same values. Pick one that suits the operator: positive for variances and optimizer state, away from
 * zero where a function has a kink, one-hot rows for class targets.
 */
@FunctionalInterface
public interface Dist {
    /** Fills {@code out} (the elements of a tensor of {@code shape}, row-major). */
    void fill(double[] out, Shape shape, SplittableRandom random);

    /** Uniform in [lo, hi). */
    static Dist uniform(double lo, double hi) {
        return (out, shape, r) -> {
            for (int i = 0; i < out.length; i++) {
                out[i] = lo + (hi - lo) * r.nextDouble();
            }
        };
    }

    /** Uniform in [-1, 1): the default for data, weights and gradients. */
    static Dist symmetric() {
        return uniform(-1, 1);
    }

    /** Magnitude uniform in [lo, hi), random sign: keeps values away from a kink at zero. */
    static Dist awayFromZero(double lo, double hi) {
        return (out, shape, r) -> {
            for (int i = 0; i < out.length; i++) {
                double m = lo + (hi - lo) * r.nextDouble();
                out[i] = r.nextBoolean() ? m : -m;
            }
        };
    }

    /** Whole numbers in [lo, hi]: many ties (max pooling's first-maximum rule). */
    static Dist integers(int lo, int hi) {
        return (out, shape, r) -> {
            for (int i = 0; i < out.length; i++) {
                out[i] = r.nextInt(lo, hi + 1);
            }
        };
    }

    /** Normal with the given mean and standard deviation. */
    static Dist normal(double mean, double std) {
        return (out, shape, r) -> {
            for (int i = 0; i < out.length; i++) {
                // Box-Muller; 1 - nextDouble() is in (0, 1].
                double u = 1 - r.nextDouble();
                double v = r.nextDouble();
                out[i] = mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
            }
        };
    }

    /** Every element {@code value}. */
    static Dist constant(double value) {
        return (out, shape, r) -> java.util.Arrays.fill(out, value);
    }

    /** One-hot rows over the last axis: one element of each row is 1, the rest 0 (hard class targets). */
    static Dist oneHot() {
        return (out, shape, r) -> {
            int c = shape.rank() == 0 ? 1 : shape.dim(-1);
            java.util.Arrays.fill(out, 0);
            for (int row = 0; row < out.length / c; row++) {
                out[row * c + r.nextInt(c)] = 1;
            }
        };
    }

    /** Rows over the last axis that are probability vectors (positive, summing to 1: soft class targets). */
    static Dist probabilities() {
        return (out, shape, r) -> {
            int c = shape.rank() == 0 ? 1 : shape.dim(-1);
            for (int row = 0; row < out.length / c; row++) {
                double sum = 0;
                for (int j = 0; j < c; j++) {
                    out[row * c + j] = 0.05 + r.nextDouble();
                    sum += out[row * c + j];
                }
                for (int j = 0; j < c; j++) {
                    out[row * c + j] /= sum;
                }
            }
        };
    }

    /** This distribution with a share {@code fraction} of the elements replaced by {@code value} (0, NaN). */
    default Dist sprinkled(double value, double fraction) {
        return (out, shape, r) -> {
            fill(out, shape, r);
            for (int i = 0; i < out.length; i++) {
                if (r.nextDouble() < fraction) {
                    out[i] = value;
                }
            }
        };
    }

    /** This distribution plus a different offset per index of axis 1 (per channel), uniform in [-spread, spread). */
    default Dist channelOffsets(double spread) {
        return (out, shape, r) -> {
            fill(out, shape, r);
            if (shape.rank() < 2) {
                return;
            }
            int c = shape.dim(1);
            int inner = shape.strideOf(1);
            double[] offset = new double[c];
            for (int k = 0; k < c; k++) {
                offset[k] = spread * (2 * r.nextDouble() - 1);
            }
            for (int i = 0; i < out.length; i++) {
                out[i] += offset[(i / inner) % c];
            }
        };
    }
}
