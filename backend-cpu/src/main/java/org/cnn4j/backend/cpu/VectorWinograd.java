package org.cnn4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The transforms of {@link Conv2dWinograd} on whole vectors: the same adds and subtractions in the same order as
 * its scalar loops (so the same bits), over lengths rounded up to whole vectors (the arrays have the slack; the
 * extra lanes compute values that are never read). Like {@link VectorKernel}, loaded only when
 * {@code jdk.incubator.vector} is present and the vector path is on.
 */
final class VectorWinograd {
    private static final VectorSpecies<Float> S = VectorWidth.FLOATS;
    private static final int L = S.length();

    private VectorWinograd() {
    }

    /**
     * Along the rows of the input blocks, {@code i < len} rounded up to whole vectors, with {@code e} the even and
     * {@code o} the odd columns: {@code half[out + j*plane + i]} = {@code E[i] - E[i+1]}, {@code O[i] + E[i+1]},
     * {@code E[i+1] - O[i]}, {@code O[i] - O[i+1]} for j = 0..3.
     */
    static void rows(float[] split, int e, int o, float[] half, int out, int plane, int len) {
        for (int i = 0; i < len; i += L) {
            FloatVector e0 = FloatVector.fromArray(S, split, e + i);
            FloatVector e1 = FloatVector.fromArray(S, split, e + i + 1);
            FloatVector o0 = FloatVector.fromArray(S, split, o + i);
            FloatVector o1 = FloatVector.fromArray(S, split, o + i + 1);
            e0.sub(e1).intoArray(half, out + i);
            o0.add(e1).intoArray(half, out + plane + i);
            e1.sub(o0).intoArray(half, out + 2 * plane + i);
            o0.sub(o1).intoArray(half, out + 3 * plane + i);
        }
    }

    /**
     * Along the columns, {@code q < tiles} (whole vectors), with {@code h0 = half[e + q]}, {@code h1 = half[o + q]},
     * {@code h2 = half[e + wq + q]}, {@code h3 = half[o + wq + q]}: {@code v[d + 4*i*vStep + q]} = {@code h0 - h2},
     * {@code h1 + h2}, {@code h2 - h1}, {@code h1 - h3} for i = 0..3.
     */
    static void columns(float[] half, int e, int o, int wq, float[] v, int d, int vStep, int tiles) {
        for (int q = 0; q < tiles; q += L) {
            FloatVector h0 = FloatVector.fromArray(S, half, e + q);
            FloatVector h1 = FloatVector.fromArray(S, half, o + q);
            FloatVector h2 = FloatVector.fromArray(S, half, e + wq + q);
            FloatVector h3 = FloatVector.fromArray(S, half, o + wq + q);
            h0.sub(h2).intoArray(v, d + q);
            h1.add(h2).intoArray(v, d + 4 * vStep + q);
            h2.sub(h1).intoArray(v, d + 8 * vStep + q);
            h1.sub(h3).intoArray(v, d + 12 * vStep + q);
        }
    }

    /**
     * {@code A^T M A} of the products {@code m[o + xi*mStep + q]}, {@code q < len} rounded up to whole vectors:
     * {@code out[(2i + j)*plane + q]} is output (i, j) of tile q.
     */
    static void output(float[] m, int o, int mStep, float[] out, int plane, int len) {
        for (int q = 0; q < len; q += L) {
            int i = o + q;
            FloatVector s00, s01, s02, s03, s10, s11, s12, s13;
            {
                FloatVector m0 = FloatVector.fromArray(S, m, i);
                FloatVector m1 = FloatVector.fromArray(S, m, i + 4 * mStep);
                FloatVector m2 = FloatVector.fromArray(S, m, i + 8 * mStep);
                FloatVector m3 = FloatVector.fromArray(S, m, i + 12 * mStep);
                s00 = m0.add(m1).add(m2);
                s10 = m1.sub(m2).sub(m3);
            }
            {
                FloatVector m0 = FloatVector.fromArray(S, m, i + mStep);
                FloatVector m1 = FloatVector.fromArray(S, m, i + 5 * mStep);
                FloatVector m2 = FloatVector.fromArray(S, m, i + 9 * mStep);
                FloatVector m3 = FloatVector.fromArray(S, m, i + 13 * mStep);
                s01 = m0.add(m1).add(m2);
                s11 = m1.sub(m2).sub(m3);
            }
            {
                FloatVector m0 = FloatVector.fromArray(S, m, i + 2 * mStep);
                FloatVector m1 = FloatVector.fromArray(S, m, i + 6 * mStep);
                FloatVector m2 = FloatVector.fromArray(S, m, i + 10 * mStep);
                FloatVector m3 = FloatVector.fromArray(S, m, i + 14 * mStep);
                s02 = m0.add(m1).add(m2);
                s12 = m1.sub(m2).sub(m3);
            }
            {
                FloatVector m0 = FloatVector.fromArray(S, m, i + 3 * mStep);
                FloatVector m1 = FloatVector.fromArray(S, m, i + 7 * mStep);
                FloatVector m2 = FloatVector.fromArray(S, m, i + 11 * mStep);
                FloatVector m3 = FloatVector.fromArray(S, m, i + 15 * mStep);
                s03 = m0.add(m1).add(m2);
                s13 = m1.sub(m2).sub(m3);
            }
            s00.add(s01).add(s02).intoArray(out, q);
            s01.sub(s02).sub(s03).intoArray(out, plane + q);
            s10.add(s11).add(s12).intoArray(out, 2 * plane + q);
            s11.sub(s12).sub(s13).intoArray(out, 3 * plane + q);
        }
    }
}
