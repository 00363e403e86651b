package org.cnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorDots} against a double loop, with rows long enough to be cut into several stretches (B over the
 * stretch size: 300 rows of 1,001 floats) and odd row counts (the 2 x 4, 2 x 1, 1 x 4 and 1 x 1 kernels), and
 * bit-identical whether the rows are done in one call or split over several (the lanes' order is fixed).
 */
class VectorDotsTest {
    @Test
    void dotProductsOfLongRowsInStretches() {
        int m = 5;
        int n = 303;
        int len = 1001;
        SplittableRandom r = new SplittableRandom(4);
        float[] a = SgemmTest.random(r, m * len);
        float[] b = SgemmTest.random(r, n * len);
        float[] acc = new float[m * n * VectorDots.L];
        VectorDots.accumulate(a, 0, m, b, 0, n, len, acc, 0);
        float[] out = new float[m * n];
        VectorDots.reduce(acc, 0, m * n, out, 0);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                double abs = 0;
                for (int t = 0; t < len; t++) {
                    s += (double) a[i * len + t] * b[j * len + t];
                    abs += Math.abs((double) a[i * len + t] * b[j * len + t]);
                }
                assertEquals(s, out[i * n + j], 1e-6 * abs + 1e-6, "row " + i + " of A, row " + j + " of B");
            }
        }
        // the same sums from B's rows one at a time: every lane adds its products in the same order
        float[] one = new float[m * n * VectorDots.L];
        float[] lanes = new float[m * VectorDots.L];
        for (int j = 0; j < n; j++) {
            java.util.Arrays.fill(lanes, 0f);
            VectorDots.accumulate(a, 0, m, b, j * len, 1, len, lanes, 0);
            for (int i = 0; i < m; i++) {
                System.arraycopy(lanes, i * VectorDots.L, one, (i * n + j) * VectorDots.L, VectorDots.L);
            }
        }
        for (int e = 0; e < acc.length; e++) {
            assertEquals(Float.floatToIntBits(acc[e]), Float.floatToIntBits(one[e]), "lane " + e);
        }
    }
}
