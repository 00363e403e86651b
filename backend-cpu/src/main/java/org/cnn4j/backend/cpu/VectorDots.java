package org.cnn4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Many dot products of unit-stride rows, {@code C(m x n) = A(m x len) * B(n x len)^T}, kept as lane-wise partial
 * sums: {@code acc[((i*n + j) * L) + lane] += sum over t = lane (mod L) of A[i][t] * B[j][t]}. The partial sums
 * stay in vectors across many calls (one per image) and are reduced once at the end ({@link #reduce}), so no call
 * pays a horizontal sum. This is the convolution's backward filter for small weights: {@code dW = dy * col^T}
 * reads the rows of dy and of the column matrix in place, where a GEMM would pack the transposed columns into
 * panels once per image and waste most of its tile on a few output channels.
 * Like {@link VectorKernel}, loaded only when {@code jdk.incubator.vector} is present and the vector path is on.
 */
final class VectorDots {
    private static final VectorSpecies<Float> S = VectorWidth.FLOATS;
    /** Lanes of a partial sum. */
    static final int L = S.length();

    private VectorDots() {
    }

    /**
     * Adds the lane-wise products of rows {@code a[aOff + i*len ...]} ({@code i < m}) and {@code b[bOff + j*len
     * ...]} ({@code j < n}) to {@code acc[accOff + (i*n + j) * L ...]}.
     */
    static void accumulate(float[] a, int aOff, int m, float[] b, int bOff, int n, int len, float[] acc,
            int accOff) {
        // stretches of the rows whose B part stays in the L2 cache while every row of A passes over it: B is
        // then read from memory once, not once per pair of A rows (a convolution's column matrix is over 1 MB)
        int chunk = Math.max(L, (int) Math.min(len, CHUNK_BYTES / Float.BYTES / Math.max(1, n)) / L * L);
        for (int t0 = 0; t0 < len; t0 += chunk) {
            stretch(a, aOff + t0, m, b, bOff + t0, n, len, Math.min(chunk, len - t0), acc, accOff);
        }
    }

    /** Bytes of B per stretch of {@link #accumulate}: half a typical L2 cache. */
    static final long CHUNK_BYTES = 256 << 10;

    /**
     * {@link #accumulate} over {@code part} elements of every row (rows still {@code len} apart): whole vectors
     * in the kernels, then the {@code part % L} elements after them one by one, each into the lane it would have
     * had ({@code Math.fma}, as the vector lanes). No masks: a mask passed to a method the JIT does not inline is
     * an object per call.
     */
    private static void stretch(float[] a, int aOff, int m, float[] b, int bOff, int n, int len, int part,
            float[] acc, int accOff) {
        int full = part - part % L;
        int i = 0;
        for (; i + 1 < m; i += 2) {
            int a0 = aOff + i * len;
            int j = 0;
            for (; j + 3 < n; j += 4) {
                rows2x4(a, a0, b, bOff + j * len, len, full, acc, accOff + (i * n + j) * L, n * L);
            }
            for (; j < n; j++) {
                rows2x1(a, a0, b, bOff + j * len, len, full, acc, accOff + (i * n + j) * L, n * L);
            }
        }
        if (i < m) {
            int a0 = aOff + i * len;
            int j = 0;
            for (; j + 3 < n; j += 4) {
                rows1x4(a, a0, b, bOff + j * len, len, full, acc, accOff + (i * n + j) * L);
            }
            for (; j < n; j++) {
                rows1x1(a, a0, b, bOff + j * len, len, full, acc, accOff + (i * n + j) * L);
            }
        }
        for (int r = 0; r < m && full < part; r++) {
            for (int j = 0; j < n; j++) {
                int ar = aOff + r * len;
                int br = bOff + j * len;
                int c = accOff + (r * n + j) * L - full;
                for (int t = full; t < part; t++) {
                    acc[c + t] = Math.fma(a[ar + t], b[br + t], acc[c + t]);
                }
            }
        }
    }

    /**
     * {@code out[outOff + e] = sum of the L lanes of acc[accOff + e*L ...]} for {@code e < count}, lane 0 first.
     * A fixed order, not {@code reduceLanes(ADD)}, whose order the Vector API leaves open (its C2 intrinsic and
     * its Java fallback add the lanes in different orders, so the bits would depend on the JIT).
     */
    static void reduce(float[] acc, int accOff, int count, float[] out, int outOff) {
        for (int e = 0; e < count; e++) {
            int base = accOff + e * L;
            float s = acc[base];
            for (int lane = 1; lane < L; lane++) {
                s += acc[base + lane];
            }
            out[outOff + e] = s;
        }
    }

    // Rows i, i+1 of A against rows j..j+3 of B: eight partial sums in registers, six loads per eight FMAs.
    private static void rows2x4(float[] a, int a0, float[] b, int b0, int len, int full,
            float[] acc, int c0, int rowStep) {
        int a1 = a0 + len;
        int b1 = b0 + len;
        int b2 = b1 + len;
        int b3 = b2 + len;
        int c1 = c0 + rowStep;
        FloatVector s00 = FloatVector.fromArray(S, acc, c0);
        FloatVector s01 = FloatVector.fromArray(S, acc, c0 + L);
        FloatVector s02 = FloatVector.fromArray(S, acc, c0 + 2 * L);
        FloatVector s03 = FloatVector.fromArray(S, acc, c0 + 3 * L);
        FloatVector s10 = FloatVector.fromArray(S, acc, c1);
        FloatVector s11 = FloatVector.fromArray(S, acc, c1 + L);
        FloatVector s12 = FloatVector.fromArray(S, acc, c1 + 2 * L);
        FloatVector s13 = FloatVector.fromArray(S, acc, c1 + 3 * L);
        for (int t = 0; t < full; t += L) {
            FloatVector x0 = FloatVector.fromArray(S, a, a0 + t);
            FloatVector x1 = FloatVector.fromArray(S, a, a1 + t);
            FloatVector y = FloatVector.fromArray(S, b, b0 + t);
            s00 = x0.fma(y, s00);
            s10 = x1.fma(y, s10);
            y = FloatVector.fromArray(S, b, b1 + t);
            s01 = x0.fma(y, s01);
            s11 = x1.fma(y, s11);
            y = FloatVector.fromArray(S, b, b2 + t);
            s02 = x0.fma(y, s02);
            s12 = x1.fma(y, s12);
            y = FloatVector.fromArray(S, b, b3 + t);
            s03 = x0.fma(y, s03);
            s13 = x1.fma(y, s13);
        }
        s00.intoArray(acc, c0);
        s01.intoArray(acc, c0 + L);
        s02.intoArray(acc, c0 + 2 * L);
        s03.intoArray(acc, c0 + 3 * L);
        s10.intoArray(acc, c1);
        s11.intoArray(acc, c1 + L);
        s12.intoArray(acc, c1 + 2 * L);
        s13.intoArray(acc, c1 + 3 * L);
    }

    private static void rows2x1(float[] a, int a0, float[] b, int b0, int len, int full,
            float[] acc, int c0, int rowStep) {
        int a1 = a0 + len;
        int c1 = c0 + rowStep;
        FloatVector s0 = FloatVector.fromArray(S, acc, c0);
        FloatVector s1 = FloatVector.fromArray(S, acc, c1);
        for (int t = 0; t < full; t += L) {
            FloatVector y = FloatVector.fromArray(S, b, b0 + t);
            s0 = FloatVector.fromArray(S, a, a0 + t).fma(y, s0);
            s1 = FloatVector.fromArray(S, a, a1 + t).fma(y, s1);
        }
        s0.intoArray(acc, c0);
        s1.intoArray(acc, c1);
    }

    private static void rows1x4(float[] a, int a0, float[] b, int b0, int len, int full,
            float[] acc, int c0) {
        int b1 = b0 + len;
        int b2 = b1 + len;
        int b3 = b2 + len;
        FloatVector s0 = FloatVector.fromArray(S, acc, c0);
        FloatVector s1 = FloatVector.fromArray(S, acc, c0 + L);
        FloatVector s2 = FloatVector.fromArray(S, acc, c0 + 2 * L);
        FloatVector s3 = FloatVector.fromArray(S, acc, c0 + 3 * L);
        for (int t = 0; t < full; t += L) {
            FloatVector x = FloatVector.fromArray(S, a, a0 + t);
            s0 = x.fma(FloatVector.fromArray(S, b, b0 + t), s0);
            s1 = x.fma(FloatVector.fromArray(S, b, b1 + t), s1);
            s2 = x.fma(FloatVector.fromArray(S, b, b2 + t), s2);
            s3 = x.fma(FloatVector.fromArray(S, b, b3 + t), s3);
        }
        s0.intoArray(acc, c0);
        s1.intoArray(acc, c0 + L);
        s2.intoArray(acc, c0 + 2 * L);
        s3.intoArray(acc, c0 + 3 * L);
    }

    private static void rows1x1(float[] a, int a0, float[] b, int b0, int len, int full,
            float[] acc, int c0) {
        FloatVector s = FloatVector.fromArray(S, acc, c0);
        for (int t = 0; t < full; t += L) {
            s = FloatVector.fromArray(S, a, a0 + t).fma(FloatVector.fromArray(S, b, b0 + t), s);
        }
        s.intoArray(acc, c0);
    }
}
