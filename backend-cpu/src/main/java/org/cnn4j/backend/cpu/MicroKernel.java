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
     * {@code c[cOff + r*ldc + q] += alpha * sum_p ap[aOff + p*mr + r] * bp[bOff + p*ldb + q]} for every
     * {@code r < mr, q < nr}: B is a packed panel ({@code ldb == nr}) or rows of a row-major matrix.
     */
    abstract void run(int kc, float[] ap, int aOff, float[] bp, int bOff, int ldb, float[] c, int cOff, int ldc,
            float alpha);

    /** As {@link #run} but {@code c[...] = alpha * sum ...}: the old C is neither read nor kept. */
    abstract void set(int kc, float[] ap, int aOff, float[] bp, int bOff, int ldb, float[] c, int cOff, int ldc,
            float alpha);

    /**
     * A tile whose A is read in place, in {@code segs} segments of {@code len} steps: {@code c[cOff + r*ldc + q]
     * (+)= sum over s < segs, p < len of a[aOff + rowOff[ro + r] + segOff[so + s] + p*step] * bp[bOff + (s*len +
     * p)*nr + q]} for every {@code r < mr, q < nr}, B a packed panel of {@code segs * len} steps. Written ({@code =},
     * the old C neither read nor kept) when {@code overwrite}, else added. This is the convolution's weight
     * gradient, whose A (the column matrix) is the input image itself: row r is the image shifted by its tap's
     * offset, a segment one output row.
     */
    abstract void rows(int segs, int len, int step, int[] segOff, int so, float[] a, int aOff, int[] rowOff, int ro,
            float[] bp, int bOff, float[] c, int cOff, int ldc, boolean overwrite);
}
