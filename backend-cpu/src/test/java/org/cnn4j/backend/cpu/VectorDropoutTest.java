package org.cnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.cnn4j.ops.Philox;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The lane-parallel Philox dropout gives the scalar definition's bits, element for element. */
class VectorDropoutTest {
    @ParameterizedTest
    @ValueSource(longs = {0L, 1L, 0x1234_5678_9abcL, -1L, 0x8000_0000_0000_0001L, 0xDEAD_BEEF_CAFE_F00DL})
    void matchesScalarDefinition(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 5003;
        float[] in = new float[n];
        for (int i = 0; i < n; i++) {
            in[i] = (float) rng.nextGaussian();
        }
        for (double p : new double[] {0.1, 0.25, 0.5, 0.9}) {
            int threshold = (int) Math.round(p * (1 << 24));
            double scale = 1 / (1 - p);
            float[] out = new float[n];
            // an odd start and end: the vector loop, its bound and the scalar tail all run
            VectorMath.dropout(seed, threshold, scale, in, out, 3, n - 2);
            int kept = 0;
            for (int i = 0; i < n; i++) {
                float want = i < 3 || i >= n - 2 ? 0f
                        : Philox.draw24(seed, i) >= threshold ? (float) (in[i] * scale) : in[i] * 0f;
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(out[i]),
                        "seed " + seed + " p " + p + " element " + i);
                kept += out[i] != 0 ? 1 : 0;
            }
            assertEquals(1 - p, kept / (double) (n - 5), 0.05, "share kept, p " + p);
        }
    }
}
