package org.cnn4j.backend.cpu;

import java.util.Arrays;

/**
 * Single-precision GEMM, {@code C = alpha * A * B + beta * C}, on strided operands, in the layout of Goto and
 * BLIS: C is computed in blocks of {@value #NC} columns, K in blocks of {@value #KC}; for each block, the slice of
 * B ({@code KC x NC}) and of A ({@code M x KC}) are packed into panels that the micro-kernel streams contiguously,
 * then the tiles of C (blocks of {@value #MC} rows x {@code NB_PANELS} B panels) are spread over the workers.
 * Packed panels are padded with zeros, so the kernel always computes full tiles; edge tiles go through a small
 * scratch tile. With beta = 0 the first depth block overwrites C (never reading it) and the others accumulate;
 * otherwise C is first scaled by beta (skipped for 1) and every block accumulates.
 * Called on a worker (inside a parallel loop), the whole product runs on that thread.
 */
final class Sgemm {
    /** Largest depth of a packed block (the k extent a micro-kernel call sees); K is split into equal blocks. */
    static final int KC = 256;
    /** Target rows of A per tile block (rounded to the kernel's rows): with KC, about 100 KB, in L2. */
    static final int MC_TARGET = 96;
    /** Columns of B per packed block. */
    static final int NC = 4096;
    /** B panels per tile block. */
    static final int NB_PANELS = 4;
    /**
     * Up to this many rows of C, a row-major B (unit column stride) is read in place instead of packed: with few
     * rows each element of B is used only a few times and copying it costs as much as the arithmetic. Only a
     * last, partial panel is packed (zero-padded).
     */
    static final int DIRECT_B_MAX_M = 128;
    /**
     * Up to this many rows of C, {@code A B^T} with both operands in unit-stride rows (a linear layer's forward:
     * {@code x W^T}) runs as dot products ({@link VectorDots}): B is streamed once, in place, each of its rows
     * against every row of A while it is in cache. Packing B instead would copy all of it (151 MB for AlexNet's
     * first fully connected layer) to use each element a few times. Above {@link #DOTS_ALWAYS_M} rows only for
     * depths of at least {@link #DOTS_MIN_K}. Measured on the build machine (two threads, best of many calls):
     * 8 x 9216 x 4096 78 -> 14 ms; 64 x 400 x 120 (LeNet-5's fc1 at batch 64) 0.151 -> 0.077 ms; 64 x 4096 x 64
     * 0.77 -> 0.33 ms; 128 x 9216 x 4096 124 -> 95 ms; 128 x 4096 x 1000 18 -> 10 ms; but 100 x 200 x 300 0.18 ->
     * 0.20 ms, hence the depth bound.
     */
    static final int DOTS_MAX_M = 128;
    /** Up to this many rows of C the dot products are taken at any depth. */
    static final int DOTS_ALWAYS_M = 16;
    /** The least depth for dot products above {@link #DOTS_ALWAYS_M} rows. */
    static final int DOTS_MIN_K = 256;
    /** Rows of B per dot-product task (the partial sums of {@code DOTS_MAX_M x 4} outputs stay in registers). */
    static final int DOTS_COLUMNS = 4;

    private final CpuBackend be;
    private final MicroKernel kernel;
    private final boolean vector;
    private final int mc;

    Sgemm(CpuBackend be, boolean vector) {
        this.be = be;
        this.vector = vector;
        this.kernel = vector ? VectorKernel.create() : new ScalarKernel();
        this.mc = Math.max(1, MC_TARGET / kernel.mr) * kernel.mr;
    }

    /** The kernel name for {@code vector}, without loading the Vector API when it is off. */
    static String kernelName(boolean vector) {
        return vector ? VectorKernel.create().name() : new ScalarKernel().name();
    }

    String kernelName() {
        return kernel.name();
    }

    /**
     * The micro-kernel, for callers that pack their own panels (the Winograd convolution, the convolution's weight
     * gradient).
     */
    MicroKernel kernel() {
        return kernel;
    }

    /**
     * {@code c[cOff + i*ldc + j] = alpha * sum_p A(i, p) * B(p, j) + beta * c[...]} for {@code i < m, j < n},
     * where {@code A(i, p) = a[aOff + i*aRs + p*aCs]} and {@code B(p, j) = b[bOff + p*bRs + j*bCs]} (row and
     * column strides express the transposes). With {@code beta == 0}, {@code c} is not read.
     */
    void gemm(int m, int n, int k, float alpha, float[] a, int aOff, int aRs, int aCs, float[] b, int bOff,
            int bRs, int bCs, float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (vector && m <= DOTS_MAX_M && (m <= DOTS_ALWAYS_M || k >= DOTS_MIN_K) && aCs == 1 && aRs == k && bRs == 1
                && bCs == k && k >= 2 * VectorDots.L) {
            dotProducts(m, n, k, alpha, a, aOff, b, bOff, beta, c, cOff, ldc);
            return;
        }
        if (k == 0 || (beta != 1 && beta != 0)) {
            // beta = 0 needs no pass: the first depth block overwrites C (kernel set), never reading it
            be.parallelFor(m, n, (from, to) -> scale(from, to, n, beta, c, cOff, ldc));
        }
        if (k == 0) {
            return;
        }
        final int mr = kernel.mr;
        final int nr = kernel.nr;
        Workspace ws = be.workspace();
        // depth blocks of equal size (576 = 3 x 192, not 256 + 256 + 64): no short last block
        final int kcStep = (k + (k + KC - 1) / KC - 1) / ((k + KC - 1) / KC);
        int kcMax = kcStep;
        int mPanels = (m + mr - 1) / mr;
        int ncMax = Math.min(NC, n);
        float[] ap = ws.floats(Workspace.PACK_A, mPanels * mr * kcMax);
        float[] bp = ws.floats(Workspace.PACK_B, ((ncMax + nr - 1) / nr) * nr * kcMax);
        int mBlocks = (m + mc - 1) / mc;
        final boolean directB = bCs == 1 && m <= DIRECT_B_MAX_M;
        for (int jc = 0; jc < n; jc += NC) {
            final int j0 = jc;
            final int nc = Math.min(NC, n - jc);
            final int nPanels = (nc + nr - 1) / nr;
            final int nBlocks = (nPanels + NB_PANELS - 1) / NB_PANELS;
            for (int pc = 0; pc < k; pc += kcStep) {
                final int p0 = pc;
                final int kc = Math.min(kcStep, k - pc);
                final boolean overwrite = pc == 0 && beta == 0;
                if (directB) {
                    int last = nPanels - 1;
                    int cols = nc - last * nr;
                    if (cols < nr) {
                        packB(b, bOff, bRs, bCs, p0, kc, j0 + last * nr, cols, bp, last * kc * nr);
                    }
                } else {
                    be.parallelFor(nPanels, (long) kc * nr, (from, to) -> {
                        for (int jp = from; jp < to; jp++) {
                            packB(b, bOff, bRs, bCs, p0, kc, j0 + jp * nr, Math.min(nr, n - j0 - jp * nr), bp,
                                    jp * kc * nr);
                        }
                    });
                }
                be.parallelFor(mPanels, (long) kc * mr, (from, to) -> {
                    for (int ip = from; ip < to; ip++) {
                        packA(a, aOff, aRs, aCs, p0, kc, ip * mr, Math.min(mr, m - ip * mr), ap, ip * kc * mr);
                    }
                });
                be.parallelEach(mBlocks * nBlocks, (long) mc * kc * NB_PANELS * nr, (from, to) -> {
                    for (int t = from; t < to; t++) {
                        int ib = t / nBlocks;
                        int jb = t % nBlocks;
                        tiles(ib * mc, Math.min(m, ib * mc + mc), jb * NB_PANELS,
                                Math.min(nPanels, jb * NB_PANELS + NB_PANELS), kc, j0, m, n, alpha,
                                ap, bp, directB ? b : null, bOff + p0 * bRs, bRs, overwrite, c, cOff, ldc);
                    }
                });
            }
        }
    }

    /**
     * Tiles of rows {@code [i0, i1)} and B panels {@code [jp0, jp1)} of the current block. With {@code b}
     * given, full panels read B in place from row {@code bRow} (row stride {@code ldb}); else every panel is
     * packed in {@code bp}.
     */
    private void tiles(int i0, int i1, int jp0, int jp1, int kc, int j0, int m, int n, float alpha,
            float[] ap, float[] bp, float[] b, int bRow, int ldb, boolean overwrite, float[] c, int cOff, int ldc) {
        final int mr = kernel.mr;
        final int nr = kernel.nr;
        float[] tile = null;
        for (int jp = jp0; jp < jp1; jp++) {
            int j = j0 + jp * nr;
            int nEff = Math.min(nr, n - j);
            for (int i = i0; i < i1; i += mr) {
                int mEff = Math.min(mr, m - i);
                int aOff = (i / mr) * kc * mr;
                boolean direct = b != null && nEff == nr;
                float[] bSrc = direct ? b : bp;
                int bOff = direct ? bRow + j : jp * kc * nr;
                int bStride = direct ? ldb : nr;
                if (mEff == mr && nEff == nr) {
                    if (overwrite) {
                        kernel.set(kc, ap, aOff, bSrc, bOff, bStride, c, cOff + i * ldc + j, ldc, alpha);
                    } else {
                        kernel.run(kc, ap, aOff, bSrc, bOff, bStride, c, cOff + i * ldc + j, ldc, alpha);
                    }
                } else {
                    if (tile == null) {
                        tile = be.workspace().floats(Workspace.TILE, mr * nr);
                    }
                    kernel.set(kc, ap, aOff, bSrc, bOff, bStride, tile, 0, nr, alpha);
                    for (int r = 0; r < mEff; r++) {
                        int o = cOff + (i + r) * ldc + j;
                        if (overwrite) {
                            System.arraycopy(tile, r * nr, c, o, nEff);
                        } else {
                            for (int q = 0; q < nEff; q++) {
                                c[o + q] += tile[r * nr + q];
                            }
                        }
                    }
                }
            }
        }
    }

    /** Packs rows {@code [i, i + rows)} x depth {@code [p0, p0 + kc)} of A as {@code kc} steps of {@code mr}. */
    private void packA(float[] a, int aOff, int aRs, int aCs, int p0, int kc, int i, int rows, float[] ap, int o) {
        int mr = kernel.mr;
        if (aCs == 1) {
            for (int r = 0; r < rows; r++) {
                int src = aOff + (i + r) * aRs + p0;
                for (int p = 0; p < kc; p++) {
                    ap[o + p * mr + r] = a[src + p];
                }
            }
        } else {
            for (int p = 0; p < kc; p++) {
                int src = aOff + i * aRs + (p0 + p) * aCs;
                int dst = o + p * mr;
                for (int r = 0; r < rows; r++) {
                    ap[dst + r] = a[src + r * aRs];
                }
            }
        }
        if (rows < mr) {
            for (int p = 0; p < kc; p++) {
                for (int r = rows; r < mr; r++) {
                    ap[o + p * mr + r] = 0;
                }
            }
        }
    }

    /** Packs depth {@code [p0, p0 + kc)} x columns {@code [j, j + cols)} of B as {@code kc} steps of {@code nr}. */
    private void packB(float[] b, int bOff, int bRs, int bCs, int p0, int kc, int j, int cols, float[] bp, int o) {
        int nr = kernel.nr;
        if (bCs == 1) {
            for (int p = 0; p < kc; p++) {
                System.arraycopy(b, bOff + (p0 + p) * bRs + j, bp, o + p * nr, cols);
            }
        } else {
            for (int q = 0; q < cols; q++) {
                int src = bOff + p0 * bRs + (j + q) * bCs;
                for (int p = 0; p < kc; p++) {
                    bp[o + p * nr + q] = b[src + p * bRs];
                }
            }
        }
        if (cols < nr) {
            for (int p = 0; p < kc; p++) {
                for (int q = cols; q < nr; q++) {
                    bp[o + p * nr + q] = 0;
                }
            }
        }
    }

    /**
     * {@code C = alpha * A B^T + beta * C} for rows of A and rows of B of length {@code k} stored one after
     * another: tasks of {@value #DOTS_COLUMNS} rows of B, each against all {@code m} rows of A, lane-wise partial
     * sums added in a fixed order.
     */
    private void dotProducts(int m, int n, int k, float alpha, float[] a, int aOff, float[] b, int bOff, float beta,
            float[] c, int cOff, int ldc) {
        int tasks = (n + DOTS_COLUMNS - 1) / DOTS_COLUMNS;
        be.parallelFor(tasks, (long) m * DOTS_COLUMNS * k, (from, to) -> {
            int lanes = m * DOTS_COLUMNS * VectorDots.L;
            float[] scratch = be.workspace().floats(Workspace.DOTS, lanes + m * DOTS_COLUMNS);
            for (int t = from; t < to; t++) {
                int j = t * DOTS_COLUMNS;
                int cols = Math.min(DOTS_COLUMNS, n - j);
                Arrays.fill(scratch, 0, m * cols * VectorDots.L, 0f);
                VectorDots.accumulate(a, aOff, m, b, bOff + j * k, cols, k, scratch, 0);
                VectorDots.reduce(scratch, 0, m * cols, scratch, lanes);
                for (int i = 0; i < m; i++) {
                    for (int q = 0; q < cols; q++) {
                        int o = cOff + i * ldc + j + q;
                        float dot = alpha * scratch[lanes + i * cols + q];
                        c[o] = beta == 0 ? dot : dot + beta * c[o];
                    }
                }
            }
        });
    }

    /** Rows {@code [i0, i1)}: {@code c *= beta} (zero when {@code beta == 0}, without reading c). */
    private static void scale(int i0, int i1, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = i0; i < i1; i++) {
            for (int j = 0; j < n; j++) {
                int o = cOff + i * ldc + j;
                c[o] = beta == 0 ? 0 : beta * c[o];
            }
        }
    }
}
