package org.cnn4j.ops;

/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11), the counter-based
 * generator behind {@link Dropout}'s masks. A draw depends only on (seed, counter), so every backend, every
 * thread layout and the backward pass see the same numbers. The device kernels implement the same function; the
 * known-answer test pins it to the published test vectors.
 */
public final class Philox {
    /** The round multipliers of Philox4x32 (for vectorized implementations of {@link #draw}). */
    public static final int M0 = 0xD2511F53;
    public static final int M1 = 0xCD9E8D57;
    /** The Weyl increments of the round keys. */
    public static final int W0 = 0x9E3779B9;
    public static final int W1 = 0xBB67AE85;

    private Philox() {
    }

    /** The four output words for counter (c0..c3) and key (k0, k1), written to {@code out}. */
    public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
        for (int round = 0; round < 10; round++) {
            if (round > 0) {
                k0 += W0;
                k1 += W1;
            }
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int hi0 = (int) (p0 >>> 32);
            int lo0 = (int) p0;
            int hi1 = (int) (p1 >>> 32);
            int lo1 = (int) p1;
            c0 = hi1 ^ c1 ^ k0;
            c1 = lo1;
            c2 = hi0 ^ c3 ^ k1;
            c3 = lo0;
        }
        out[0] = c0;
        out[1] = c1;
        out[2] = c2;
        out[3] = c3;
    }

    /** The first output word for key {@code seed} and counter {@code index}: the draw for element {@code index}. */
    public static int draw(long seed, long index) {
        int k0 = (int) seed;
        int k1 = (int) (seed >>> 32);
        int c0 = (int) index;
        int c1 = (int) (index >>> 32);
        int c2 = 0;
        int c3 = 0;
        for (int round = 0; round < 10; round++) {
            if (round > 0) {
                k0 += W0;
                k1 += W1;
            }
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            c1 = (int) p1;
            c3 = (int) p0;
            c0 = n0;
            c2 = n2;
        }
        return c0;
    }

    /** The top 24 bits of {@link #draw}: a uniform integer in [0, 2^24). */
    public static int draw24(long seed, long index) {
        return draw(seed, index) >>> 8;
    }
}
