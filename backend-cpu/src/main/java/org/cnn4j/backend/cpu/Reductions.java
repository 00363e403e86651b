package org.cnn4j.backend.cpu;

/**
 * Sums in double over four independent accumulators, so the additions overlap instead of waiting on one dependency
 * chain (a loop with one double accumulator runs at the adder's latency, not its throughput). The order differs from
 * a plain left-to-right sum, and between the scalar and the vector path, but is fixed for each; every sum stays in
 * double, far inside float32's tolerance.
 */
final class Reductions {
    private Reductions() {
    }

    /** The sum of a[off .. off + len), on vectors ({@link VectorReductions}) when {@code vector}. */
    static double sum(boolean vector, float[] a, int off, int len) {
        return vector ? VectorReductions.sum(a, off, len) : sum(a, off, len);
    }

    /** The sum of (a[i] - mean)^2 over [off, off + len), on vectors when {@code vector}. */
    static double sumSquaredDeviation(boolean vector, float[] a, int off, int len, double mean) {
        return vector ? VectorReductions.sumSquaredDeviation(a, off, len, mean)
                : sumSquaredDeviation(a, off, len, mean);
    }

    /** The sum of g[i] * (x[i] - mean) over [off, off + len), on vectors when {@code vector}. */
    static double sumProductDeviation(boolean vector, float[] g, float[] x, int off, int len, double mean) {
        return vector ? VectorReductions.sumProductDeviation(g, x, off, len, mean)
                : sumProductDeviation(g, x, off, len, mean);
    }

    /** The sum of a[off .. off + len). */
    static double sum(float[] a, int off, int len) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = off;
        int end = off + len;
        for (; i + 3 < end; i += 4) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
        }
        for (; i < end; i++) {
            s0 += a[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** The sum of (a[i] - mean)^2 over [off, off + len). */
    static double sumSquaredDeviation(float[] a, int off, int len, double mean) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = off;
        int end = off + len;
        for (; i + 3 < end; i += 4) {
            double d0 = a[i] - mean;
            double d1 = a[i + 1] - mean;
            double d2 = a[i + 2] - mean;
            double d3 = a[i + 3] - mean;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        for (; i < end; i++) {
            double d = a[i] - mean;
            s0 += d * d;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** The sum of g[i] * (x[i] - mean) over [off, off + len). */
    static double sumProductDeviation(float[] g, float[] x, int off, int len, double mean) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = off;
        int end = off + len;
        for (; i + 3 < end; i += 4) {
            s0 += g[i] * (x[i] - mean);
            s1 += g[i + 1] * (x[i + 1] - mean);
            s2 += g[i + 2] * (x[i + 2] - mean);
            s3 += g[i + 3] * (x[i + 3] - mean);
        }
        for (; i < end; i++) {
            s0 += g[i] * (x[i] - mean);
        }
        return (s0 + s1) + (s2 + s3);
    }
}
