package org.cnn4j.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Reductions}' sums on vectors: floats widened to double lane-wise (half a vector of floats fills a vector
 * of doubles), four vector accumulators to cover the adder's latency, the lanes then added in a fixed order, the
 * tail in scalar. Every sum stays in double. Loaded only when {@code jdk.incubator.vector} is present and the
 * vector path is on.
 */
final class VectorReductions {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED.withShape(
            VectorWidth.FLOATS.vectorShape());
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(VectorWidth.FLOATS.vectorBitSize() / 2));
    private static final int L = D.length();

    private VectorReductions() {
    }

    private static DoubleVector load(float[] a, int i) {
        return (DoubleVector) FloatVector.fromArray(F, a, i).convertShape(VectorOperators.F2D, D, 0);
    }

    private static double total(DoubleVector s0, DoubleVector s1, DoubleVector s2, DoubleVector s3) {
        DoubleVector v = s0.add(s1).add(s2.add(s3));
        double s = 0;
        for (int lane = 0; lane < L; lane++) {
            s += v.lane(lane);
        }
        return s;
    }

    static double sum(float[] a, int off, int len) {
        DoubleVector s0 = DoubleVector.zero(D);
        DoubleVector s1 = s0;
        DoubleVector s2 = s0;
        DoubleVector s3 = s0;
        int i = off;
        int end = off + len;
        for (; i + 4 * L <= end; i += 4 * L) {
            s0 = s0.add(load(a, i));
            s1 = s1.add(load(a, i + L));
            s2 = s2.add(load(a, i + 2 * L));
            s3 = s3.add(load(a, i + 3 * L));
        }
        double s = total(s0, s1, s2, s3);
        for (; i < end; i++) {
            s += a[i];
        }
        return s;
    }

    static double sumSquaredDeviation(float[] a, int off, int len, double mean) {
        DoubleVector mu = DoubleVector.broadcast(D, mean);
        DoubleVector s0 = DoubleVector.zero(D);
        DoubleVector s1 = s0;
        DoubleVector s2 = s0;
        DoubleVector s3 = s0;
        int i = off;
        int end = off + len;
        for (; i + 4 * L <= end; i += 4 * L) {
            DoubleVector d0 = load(a, i).sub(mu);
            DoubleVector d1 = load(a, i + L).sub(mu);
            DoubleVector d2 = load(a, i + 2 * L).sub(mu);
            DoubleVector d3 = load(a, i + 3 * L).sub(mu);
            s0 = d0.fma(d0, s0);
            s1 = d1.fma(d1, s1);
            s2 = d2.fma(d2, s2);
            s3 = d3.fma(d3, s3);
        }
        double s = total(s0, s1, s2, s3);
        for (; i < end; i++) {
            double d = a[i] - mean;
            s += d * d;
        }
        return s;
    }

    static double sumProductDeviation(float[] g, float[] x, int off, int len, double mean) {
        DoubleVector mu = DoubleVector.broadcast(D, mean);
        DoubleVector s0 = DoubleVector.zero(D);
        DoubleVector s1 = s0;
        DoubleVector s2 = s0;
        DoubleVector s3 = s0;
        int i = off;
        int end = off + len;
        for (; i + 4 * L <= end; i += 4 * L) {
            s0 = load(g, i).fma(load(x, i).sub(mu), s0);
            s1 = load(g, i + L).fma(load(x, i + L).sub(mu), s1);
            s2 = load(g, i + 2 * L).fma(load(x, i + 2 * L).sub(mu), s2);
            s3 = load(g, i + 3 * L).fma(load(x, i + 3 * L).sub(mu), s3);
        }
        double s = total(s0, s1, s2, s3);
        for (; i < end; i++) {
            s += g[i] * (x[i] - mean);
        }
        return s;
    }
}
