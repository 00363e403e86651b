package org.cnn4j.backend.cpu;

/**
 * The innermost GEMM loop: one {@code mr x nr} tile of C from a packed panel of A ({@code kc} steps of {@code mr}
 * values) and a packed panel of B ({@code kc} steps of {@code nr} values).
 */
abstract class MicroKernel {
    /** Rows of the tile (the height of a packed A panel). */
    final int mr;
    /** Columns of the tile (the width of a packed B panel). */
    final int nr;

    MicroKernel(int mr, int nr) {
        this.mr = mr;
        this.nr = nr;
    }

    /** A short name for messages. */
    abstract String name();

    /**
     * {@code c[cOff + r*ldc + q] += alpha * sum_p ap[aOff + p*mr + r] * bp[bOff + p*nr + q]} for every
     * {@code r < mr, q < nr}.
     */
    abstract void run(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] c, int cOff, int ldc,
            float alpha);
}
