package org.cnn4j.backend.cpu;

/** The portable micro-kernel: a 4 x 4 tile in sixteen scalar accumulators. */
final class ScalarKernel extends MicroKernel {
    ScalarKernel() {
        super(4, 4);
    }

    @Override
    String name() {
        return "scalar 4x4 kernel";
    }

    @Override
    void run(int kc, float[] ap, int aOff, float[] bp, int bOff, int ldb, float[] c, int cOff, int ldc,
            float alpha) {
        tile(kc, ap, aOff, bp, bOff, ldb, c, cOff, ldc, alpha, true);
    }

    @Override
    void set(int kc, float[] ap, int aOff, float[] bp, int bOff, int ldb, float[] c, int cOff, int ldc,
            float alpha) {
        tile(kc, ap, aOff, bp, bOff, ldb, c, cOff, ldc, alpha, false);
    }

    /** C tile += alpha * A panel * B panel when {@code accumulate}, else C tile = alpha * A panel * B panel. */
    private static void tile(int kc, float[] ap, int aOff, float[] bp, int bOff, int ldb, float[] c, int cOff,
            int ldc, float alpha, boolean accumulate) {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0;
        float c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0;
        float c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        int a = aOff;
        int b = bOff;
        for (int p = 0; p < kc; p++, a += 4, b += ldb) {
            float b0 = bp[b];
            float b1 = bp[b + 1];
            float b2 = bp[b + 2];
            float b3 = bp[b + 3];
            float a0 = ap[a];
            float a1 = ap[a + 1];
            float a2 = ap[a + 2];
            float a3 = ap[a + 3];
            c00 += a0 * b0;
            c01 += a0 * b1;
            c02 += a0 * b2;
            c03 += a0 * b3;
            c10 += a1 * b0;
            c11 += a1 * b1;
            c12 += a1 * b2;
            c13 += a1 * b3;
            c20 += a2 * b0;
            c21 += a2 * b1;
            c22 += a2 * b2;
            c23 += a2 * b3;
            c30 += a3 * b0;
            c31 += a3 * b1;
            c32 += a3 * b2;
            c33 += a3 * b3;
        }
        store(c, cOff, c00, c01, c02, c03, alpha, accumulate);
        store(c, cOff + ldc, c10, c11, c12, c13, alpha, accumulate);
        store(c, cOff + 2 * ldc, c20, c21, c22, c23, alpha, accumulate);
        store(c, cOff + 3 * ldc, c30, c31, c32, c33, alpha, accumulate);
    }

    private static void store(float[] c, int o, float v0, float v1, float v2, float v3, float alpha,
            boolean accumulate) {
        if (accumulate) {
            c[o] += alpha * v0;
            c[o + 1] += alpha * v1;
            c[o + 2] += alpha * v2;
            c[o + 3] += alpha * v3;
        } else {
            c[o] = alpha * v0;
            c[o + 1] = alpha * v1;
            c[o + 2] = alpha * v2;
            c[o + 3] = alpha * v3;
        }
    }

    @Override
    void rows(int segs, int len, int step, int[] segOff, int so, float[] a, int aOff, int[] rowOff, int ro,
            float[] bp, int bOff, float[] c, int cOff, int ldc, boolean overwrite) {
        final int o0 = aOff + rowOff[ro];
        final int o1 = aOff + rowOff[ro + 1];
        final int o2 = aOff + rowOff[ro + 2];
        final int o3 = aOff + rowOff[ro + 3];
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0;
        float c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0;
        float c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        int b = bOff;
        for (int s = 0; s < segs; s++) {
            for (int p = 0, i = segOff[so + s]; p < len; p++, i += step, b += 4) {
                float b0 = bp[b];
                float b1 = bp[b + 1];
                float b2 = bp[b + 2];
                float b3 = bp[b + 3];
                float a0 = a[o0 + i];
                float a1 = a[o1 + i];
                float a2 = a[o2 + i];
                float a3 = a[o3 + i];
                c00 += a0 * b0;
                c01 += a0 * b1;
                c02 += a0 * b2;
                c03 += a0 * b3;
                c10 += a1 * b0;
                c11 += a1 * b1;
                c12 += a1 * b2;
                c13 += a1 * b3;
                c20 += a2 * b0;
                c21 += a2 * b1;
                c22 += a2 * b2;
                c23 += a2 * b3;
                c30 += a3 * b0;
                c31 += a3 * b1;
                c32 += a3 * b2;
                c33 += a3 * b3;
            }
        }
        store(c, cOff, c00, c01, c02, c03, 1f, !overwrite);
        store(c, cOff + ldc, c10, c11, c12, c13, 1f, !overwrite);
        store(c, cOff + 2 * ldc, c20, c21, c22, c23, 1f, !overwrite);
        store(c, cOff + 3 * ldc, c30, c31, c32, c33, 1f, !overwrite);
    }
}
