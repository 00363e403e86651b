package org.cnn4j.backend.cpu;

/**
 * Scratch arrays owned by one thread (im2col columns, packed GEMM panels, partial sums), grown on demand and kept
 * for the next call, so hot loops never allocate. A slot is used by one routine at a time; nested routines use
 * different slots.
 */
final class Workspace {
    /** Packed A panels of the GEMM (the calling thread's, shared read-only with the workers). */
    static final int PACK_A = 0;
    /** Packed B panels of the GEMM, or the convolution's weight gradient's packed dy. */
    static final int PACK_B = 1;
    /** GEMM edge tile, or a row of the direct convolution's outputs. */
    static final int TILE = 2;
    /**
     * im2col columns of one image (convolution), the direct convolution's padded image, or the padded images of the
     * convolution's weight gradient.
     */
    static final int COLUMNS = 3;
    /**
     * Partial weight gradients of the image chunks, or the padded {@code dW^T} of each range of output rows
     * (convolution backward filter; the calling thread's, shared).
     */
    static final int PARTIAL = 4;
    /** Flipped, channel-swapped weights (convolution backward data as a forward; the calling thread's, shared). */
    static final int FLIPPED = 5;
    /** Lane-wise partial sums of the weight gradient (convolution backward filter by dot products). */
    static final int LANES = 6;
    /** Packed weights of the direct convolution (the calling thread's, shared read-only with the workers). */
    static final int DIRECT_WEIGHTS = 7;
    /** Lane-wise partial sums and their totals of the GEMM's dot-product path (few rows of C). */
    static final int DOTS = 8;
    /** Transformed filters of the Winograd convolution (the calling thread's, shared read-only with the workers). */
    static final int WINOGRAD_FILTERS = 9;
    /** Transformed input tiles of the Winograd convolution (the micro-kernel's packed B panels). */
    static final int WINOGRAD_INPUT = 10;
    /** The 16 products of the Winograd convolution for a block of tiles. */
    static final int WINOGRAD_PRODUCTS = 11;
    /** The Winograd convolution's input planes split by parity, or its four outputs of a block's tiles. */
    static final int WINOGRAD_SPLIT = 12;
    /** The Winograd convolution's half-transformed tiles (of the input or of the products). */
    static final int WINOGRAD_HALF = 13;
    static final int SLOTS = 14;

    /** True while this thread runs a chunk of a split loop: loops it starts then run on it, unsplit. */
    boolean inLoop;

    private final float[][] floats = new float[SLOTS][];
    private double[] doubles = new double[0];
    private final int[][] ints = new int[INT_SLOTS][];

    /** An array of at least {@code size} floats in {@code slot}; its contents are unspecified. */
    float[] floats(int slot, int size) {
        float[] a = floats[slot];
        if (a == null || a.length < size) {
            a = new float[Math.max(size, a == null ? 0 : a.length + (a.length >> 1))];
            floats[slot] = a;
        }
        return a;
    }

    /** Tap offsets of the direct convolutions (the calling thread's, shared read-only with the workers). */
    static final int TAPS = 0;
    /** Offsets of the column rows of the convolution's weight gradient (the calling thread's, shared). */
    static final int ROW_OFFSETS = 1;
    /** Offsets of the output rows of one block of the convolution's weight gradient. */
    static final int SEGMENT_OFFSETS = 2;
    static final int INT_SLOTS = 3;

    /** An array of at least {@code size} ints in {@code slot}; its contents are unspecified. */
    int[] ints(int slot, int size) {
        int[] a = ints[slot];
        if (a == null || a.length < size) {
            a = new int[Math.max(size, a == null ? 0 : a.length + (a.length >> 1))];
            ints[slot] = a;
        }
        return a;
    }

    /** An array of at least {@code size} doubles; its contents are unspecified. */
    double[] doubles(int size) {
        if (doubles.length < size) {
            doubles = new double[Math.max(size, doubles.length + (doubles.length >> 1))];
        }
        return doubles;
    }
}
