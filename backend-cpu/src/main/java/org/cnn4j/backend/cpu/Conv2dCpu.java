package org.cnn4j.backend.cpu;

import static org.cnn4j.backend.cpu.CpuBackend.data;

import java.util.Arrays;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Size2d;
import org.cnn4j.ops.Conv2d;

/**
 * Convolution as GEMM, per image and group (g):
 * <pre>
 *   forward          y[n, g]  (Kg x OH*OW)   = W[g] (Kg x Cg*KH*KW) * col(x[n, g]) (Cg*KH*KW x OH*OW) + bias
 *   backward data    dcol     (CgKK x OHOW)  = W[g]^T * dy[n, g];   dx[n, g] = col2im(dcol)
 *   backward filter  dW[g]    (Kg x CgKK)   += dy[n, g] * col(x[n, g])^T
 * </pre>
 * With stride 1 the backward data is itself a forward convolution (of dy with the flipped filters, see
 * {@link #asForward}), which needs no col2im. The weight gradient is one GEMM over the pixels of all images with
 * col read in place from x ({@link #filterByRows}); with few taps, dot products of the rows of dy and col
 * ({@link VectorDots}); with many channels on narrow rows or few channels per group, the GEMM per image above.
 * {@code col} is im2col (rows c*KH*KW + i*KW + j, zeros where the tap falls in the padding). A 1x1 kernel with
 * stride 1 and no padding needs no im2col: x[n, g] is the column matrix itself. Images are spread over the
 * workers (each with its own column buffer); a single image lets the GEMM spread its tiles instead. The bias is
 * written into y before the GEMM, which then accumulates onto it (beta = 1).
 *
 * <p>A 3x3 stride-1 forward with at least eight input and output channels (the seed 002 CNN's and AlexNet's 3x3
 * layers, and their backward data as a forward) runs by Winograd's F(2x2, 3x3) ({@link Conv2dWinograd}; off with
 * {@code -Dcnn4j.cpu.winograd=false}: {@link CpuBackend.Config#winograd}).
 *
 * <p>A forward convolution with 12 to 32 output channels, 64 to 256 taps per channel, no groups or dilation and
 * rows of at least five outputs (LeNet-5's second layer) runs directly instead, on the vector path
 * ({@link VectorDirectConv}; off with {@code -Dcnn4j.cpu.directConv=false}: {@link CpuBackend.Config#directConv}).
 */
final class Conv2dCpu {
    private Conv2dCpu() {
    }

    /**
     * For stride 1: the forward geometry whose output is {@code g}'s input gradient, i.e. dy [N, K, OH, OW]
     * convolved with the flipped filters [C, Kg, KH, KW], padding {@code dilation * (kernel - 1) - padding}, the
     * same dilation and groups; null for other strides or when that padding would be negative.
     */
    static Conv2d.Geometry asForward(Conv2d.Geometry g) {
        int qh = g.dilationH() * (g.kernelH() - 1) - g.paddingH();
        int qw = g.dilationW() * (g.kernelW() - 1) - g.paddingW();
        if (g.strideH() != 1 || g.strideW() != 1 || qh < 0 || qw < 0) {
            return null;
        }
        // the descriptor's every other component (dilation, groups, ...) carries over
        return g.conv().withStride(Size2d.of(1)).withPadding(Size2d.of(qh, qw))
                .geometry(g.outputShape(), Shape.of(g.inChannels(), g.outPerGroup(), g.kernelH(), g.kernelW()));
    }

    static void forward(CpuBackend be, Conv2d.Forward o) {
        Conv2d.Geometry g = o.geometry();
        forward(be, g, data(o.x()), data(o.weight()), o.bias() == null ? null : data(o.bias()), data(o.y()));
    }

    /**
     * True when the forward runs as {@link VectorDirectConv}: one or two blocks of 16 output channels, mostly used
     * (12 to 32 channels), 64 to 256 taps per channel, no groups or dilation, rows of five outputs or more. Measured
     * side by side on the build machine (AVX2, two threads, {@code cnn4j bench} with and without
     * {@code cnn4j.cpu.directConv}): LeNet-5's second layer 0.87-0.96 ms against 1.31-1.50 ms for im2col + GEMM; not
     * faster on its first (6 channels, 25 taps: a block mostly idle) and slower on the seed 002 CNN's first (9 taps:
     * writing the outputs out of the tile costs as much as the arithmetic), hence the bounds.
     */
    private static boolean direct(CpuBackend be, Conv2d.Geometry g) {
        return be.config().directConv() && be.config().vector() && g.groups() == 1 && g.dilationH() == 1
                && g.dilationW() == 1 && g.outW() >= VectorDirectConv.PIXELS && g.outChannels() >= 12
                && g.outChannels() <= 2 * VectorDirectConv.BLOCK && g.colRows() >= 64 && g.colRows() <= 256;
    }

    /** The direct forward: weights packed once by the calling thread, each worker padding its own images. */
    private static void forwardDirect(CpuBackend be, Conv2d.Geometry g, float[] x, float[] w, float[] bias,
            float[] y) {
        float[] wp = be.workspace().floats(Workspace.DIRECT_WEIGHTS,
                VectorDirectConv.packedSize(g.outChannels(), g.colRows()));
        VectorDirectConv.pack(w, 0, bias, g.outChannels(), g.colRows(), wp);
        int hp = g.inH() + 2 * g.paddingH();
        int wpad = g.inW() + 2 * g.paddingW();
        boolean padded = g.paddingH() > 0 || g.paddingW() > 0;
        int[] taps = be.workspace().ints(Workspace.TAPS, g.colRows());
        tapOffsets(g, padded ? hp : g.inH(), padded ? wpad : g.inW(), taps);
        be.parallelFor(g.batch(), g.macsPerImage(), (from, to) -> {
            Workspace ws = be.workspace();
            float[] tile = ws.floats(Workspace.TILE, g.outW() * VectorDirectConv.BLOCK);
            float[] xp = padded ? ws.floats(Workspace.COLUMNS, g.inChannels() * hp * wpad) : x;
            if (padded) {
                Arrays.fill(xp, 0, g.inChannels() * hp * wpad, 0f);
            }
            for (int n = from; n < to; n++) {
                int xOff = n * g.inImage();
                if (padded) {
                    padImage(g, x, n, xp, 0, hp, wpad);
                }
                VectorDirectConv.image(xp, padded ? 0 : xOff, g.inChannels(), padded ? hp : g.inH(),
                        padded ? wpad : g.inW(), g.strideH(), g.strideW(), g.kernelH(), g.kernelW(), wp,
                        g.outChannels(), g.outH(), g.outW(), taps, tile, y, n * g.outImage());
            }
        });
    }

    /**
     * {@code taps[(ci*KH + i)*KW + j] = (ci*h + i*dilationH)*w + j*dilationW}: where each tap (each row of the
     * column matrix) of {@code g} reads, from an output's first, in a group's [Cg, h, w] input.
     */
    static void tapOffsets(Conv2d.Geometry g, int h, int w, int[] taps) {
        int t = 0;
        for (int ci = 0; ci < g.inPerGroup(); ci++) {
            for (int i = 0; i < g.kernelH(); i++) {
                for (int j = 0; j < g.kernelW(); j++) {
                    taps[t++] = (ci * h + i * g.dilationH()) * w + j * g.dilationW();
                }
            }
        }
    }

    /**
     * True when the forward runs as {@link VectorPixelConv}: on the vector path, at most six output channels (two passes of three), stride
     * and dilation 1, one group, rows of at least eight outputs (LeNet-5's first layer, and its second's backward
     * data as a forward). Measured side by side on the build machine (AVX2, two threads, {@code cnn4j bench} with
     * and without {@code cnn4j.cpu.directConv}): see docs/cpu-backend.md.
     */
    private static boolean pixels(CpuBackend be, Conv2d.Geometry g) {
        return be.config().directConv() && be.config().vector() && g.groups() == 1 && g.strideH() == 1
                && g.strideW() == 1 && g.dilationH() == 1 && g.dilationW() == 1
                && g.outChannels() <= 2 * VectorPixelConv.CHANNELS && g.outW() >= 8;
    }

    /** The forward by {@link VectorPixelConv}: weights packed once, each worker padding its own images. */
    private static void forwardPixels(CpuBackend be, Conv2d.Geometry g, float[] x, float[] w, float[] bias,
            float[] y) {
        int ckk = g.colRows();
        float[] wpk = be.workspace().floats(Workspace.DIRECT_WEIGHTS,
                VectorPixelConv.packedSize(g.outChannels(), ckk));
        VectorPixelConv.pack(w, g.outChannels(), ckk, wpk);
        int hp = g.inH() + 2 * g.paddingH();
        int wp = g.inW() + 2 * g.paddingW();
        int[] taps = be.workspace().ints(Workspace.TAPS, ckk);
        tapOffsets(g, hp, wp, taps);
        int padded = VectorPixelConv.paddedSize(g.inChannels(), hp, wp);
        be.parallelFor(g.batch(), g.macsPerImage(), (from, to) -> {
            Workspace ws = be.workspace();
            float[] xp = ws.floats(Workspace.COLUMNS, padded);
            float[] out = ws.floats(Workspace.TILE, VectorPixelConv.outSize(g.outH(), wp));
            // zeros in the padding (and the slack past it); only the interior is rewritten per image
            Arrays.fill(xp, 0, padded, 0f);
            for (int n = from; n < to; n++) {
                padImage(g, x, n, xp, 0, hp, wp);
                VectorPixelConv.image(xp, taps, ckk, wpk, g.outChannels(), bias, g.outH(), g.outW(), wp, out, y,
                        n * g.outImage());
            }
        });
    }

    /** y = conv(x, w) + bias for geometry {@code g}, the images spread over the workers. */
    private static void forward(CpuBackend be, Conv2d.Geometry g, float[] x, float[] w, float[] bias, float[] y) {
        if (Conv2dWinograd.applies(be, g)) {
            Conv2dWinograd.forward(be, g, x, w, bias, y);
            return;
        }
        if (pixels(be, g)) {
            forwardPixels(be, g, x, w, bias, y);
            return;
        }
        if (direct(be, g)) {
            forwardDirect(be, g, x, w, bias, y);
            return;
        }
        int ohw = g.colCols();
        be.parallelFor(g.batch(), g.macsPerImage(), (from, to) -> {
            for (int n = from; n < to; n++) {
                for (int gi = 0; gi < g.groups(); gi++) {
                    float[] col = columns(be, g, x, n, gi);
                    int colOff = g.pointwise() ? (n * g.inChannels() + gi * g.inPerGroup()) * g.inH() * g.inW() : 0;
                    int yOff = (n * g.outChannels() + gi * g.outPerGroup()) * ohw;
                    if (bias != null) {
                        for (int kk = 0; kk < g.outPerGroup(); kk++) {
                            Arrays.fill(y, yOff + kk * ohw, yOff + (kk + 1) * ohw, bias[gi * g.outPerGroup() + kk]);
                        }
                    }
                    be.sgemm.gemm(g.outPerGroup(), ohw, g.colRows(), 1f, w, gi * g.outPerGroup() * g.colRows(),
                            g.colRows(), 1, col, colOff, ohw, 1, bias != null ? 1f : 0f, y, yOff, ohw);
                }
            }
        });
    }

    static void backwardData(CpuBackend be, Conv2d.BackwardData o) {
        Conv2d.Geometry g = o.geometry();
        float[] dy = data(o.dy());
        float[] w = data(o.weight());
        float[] dx = data(o.dx());
        Conv2d.Geometry transposed = g.pointwise() ? null : asForward(g);
        if (transposed != null && g.inPerGroup() < g.outPerGroup() && !Conv2dWinograd.applies(be, transposed)
                && !pixels(be, transposed)) {
            transposed = null;
        }
        if (transposed != null) {
            // a forward convolution of dy with the flipped, channel-swapped filters: by Winograd or over pixels
            // where they apply, else im2col of dy and a GEMM whose B is read in place, instead of a GEMM into columns and a
            // scattering col2im. The latter pays when the input has at least as many channels as dy: its columns
            // (Kg*KH*KW x H*W) are then no larger than col2im's (Cg*KH*KW x OH*OW) and the GEMM has Cg rows (with
            // few input channels, LeNet-5's, it loses 3x).
            float[] flipped = be.workspace().floats(Workspace.FLIPPED, w.length);
            flipFilters(g, w, flipped);
            forward(be, transposed, dy, flipped, null, dx);
            return;
        }
        int ohw = g.colCols();
        int hw = g.inH() * g.inW();
        be.parallelFor(g.batch(), g.macsPerImage(), (from, to) -> {
            for (int n = from; n < to; n++) {
                for (int gi = 0; gi < g.groups(); gi++) {
                    int dyOff = (n * g.outChannels() + gi * g.outPerGroup()) * ohw;
                    int dxOff = (n * g.inChannels() + gi * g.inPerGroup()) * hw;
                    int wOff = gi * g.outPerGroup() * g.colRows();
                    if (g.pointwise()) {
                        be.sgemm.gemm(g.inPerGroup(), ohw, g.outPerGroup(), 1f, w, wOff, 1, g.colRows(), dy, dyOff,
                                ohw, 1, 0f, dx, dxOff, hw);
                    } else {
                        float[] dcol = be.workspace().floats(Workspace.COLUMNS, g.colRows() * ohw);
                        be.sgemm.gemm(g.colRows(), ohw, g.outPerGroup(), 1f, w, wOff, 1, g.colRows(), dy, dyOff,
                                ohw, 1, 0f, dcol, 0, ohw);
                        col2im(g, dcol, dx, dxOff);
                    }
                }
            }
        });
    }

    static void backwardFilter(CpuBackend be, Conv2d.BackwardFilter o) {
        Conv2d.Geometry g = o.geometry();
        float[] x = data(o.x());
        float[] dy = data(o.dy());
        float[] dw = data(o.dWeight());
        if (dotsPay(be, g)) {
            filterPerImage(be, g, x, dy, dw, true);
        } else if (g.outPerGroup() >= ROWS_MAX_CHANNELS && g.outW() < ROWS_MIN_WIDTH
                || be.config().vector() && 2 * g.outPerGroup() <= be.sgemm.kernel().nr) {
            filterPerImage(be, g, x, dy, dw, false);
        } else {
            filterByRows(be, g, x, dy, dw);
        }
        if (o.dBias() != null) {
            int ohw = g.colCols();
            float[] db = data(o.dBias());
            be.parallelFor(g.outChannels(), (long) g.batch() * ohw, (from, to) -> {
                for (int kk = from; kk < to; kk++) {
                    double s = 0;
                    for (int n = 0; n < g.batch(); n++) {
                        s += Reductions.sum(be.config().vector(), dy, (n * g.outChannels() + kk) * ohw, ohw);
                    }
                    db[kk] = (float) s;
                }
            });
        }
    }

    /**
     * With at least this many output channels per group and output rows narrower than {@link #ROWS_MIN_WIDTH}, the
     * weight gradient is a GEMM per image on its im2col columns rather than {@link #filterByRows}: that GEMM's
     * packing (of the columns, once per image) is spread over as many output channels, while the micro-kernel of
     * {@link #filterByRows} restarts its loop at every output row. Measured side by side on the build machine (AVX2,
     * two threads): AlexNet's last three layers at batch 8 (13 x 13 outputs, 256 and 384 channels) are faster per
     * image, its second (27 x 27, 256 channels) and every narrower layer faster by rows. So is, on the vector path,
     * a group of at most half a tile's columns of output channels (the rows' B panels then mostly zeros; the GEMM per
     * image takes dot products for so few rows of C): 8 groups of 8 channels, 72 taps, 28 x 28 at batch 16, 1.9-2.0
     * ms against 2.6 ms by rows (with the scalar kernel the rows win, 10.6 against 16.8 ms).
     */
    static final int ROWS_MAX_CHANNELS = 256;

    /** See {@link #ROWS_MAX_CHANNELS}. */
    static final int ROWS_MIN_WIDTH = 16;

    /** Depth (pixels) of one block of the weight-gradient GEMM: whole output rows, of one image or several. */
    static final int FILTER_KC = 256;

    /** The most bytes of packed dy (B panels) multiplied with every row panel of the column matrix in turn. */
    static final int FILTER_B_BYTES = 192 * 1024;

    /**
     * The weight gradient as one GEMM per group whose depth is every output pixel of the batch:
     * {@code dW[g]^T (Cg*KH*KW x Kg) = col (Cg*KH*KW x N*OH*OW) * dy[g]^T (N*OH*OW x Kg)}, the column matrix never
     * formed: its row (c, i, j) at output (oh, ow) is the (zero-padded) input at {@code (oh*sh + i*dh, ow*sw + j*dw)},
     * so the micro-kernel reads it in place ({@link MicroKernel#rows}), each of its rows at its tap's offset, one
     * segment per output row. The depth is cut into blocks of whole output rows (about {@link #FILTER_KC} pixels,
     * across images when they are small, so that the {@code dW^T} scratch is read and written once per block of
     * that size); dy^T is packed once per block into the kernel's B panels ({@code nr} channels, zero past the
     * group's), multiplied with every row panel in slices of at most {@link #FILTER_B_BYTES}, and every tile is
     * full: {@code dW^T} is padded to whole tiles (rows past the column matrix read a real row, their sums
     * discarded). The blocks are split into one fixed range per worker (the same ranges for the same batch and
     * thread count, whatever the timing), each accumulating its own {@code dW^T} in the calling thread's scratch;
     * the ranges' sums are then added in their order, transposed into dWeight.
     */
    private static void filterByRows(CpuBackend be, Conv2d.Geometry g, float[] x, float[] dy, float[] dw) {
        MicroKernel kernel = be.sgemm.kernel();
        int mr = kernel.mr;
        int nr = kernel.nr;
        int rows = g.colRows();
        int kg = g.outPerGroup();
        int mPanels = (rows + mr - 1) / mr;
        int nPanels = (kg + nr - 1) / nr;
        int ldc = nPanels * nr;
        int cSize = mPanels * mr * ldc;
        boolean padded = g.paddingH() > 0 || g.paddingW() > 0;
        int hp = g.inH() + 2 * g.paddingH();
        int wp = g.inW() + 2 * g.paddingW();
        int plane = hp * wp;
        int ow = g.outW();
        int oh = g.outH();
        // blocks of output rows over the whole batch, all of the same size but the last
        long allRows = (long) g.batch() * oh;
        int blockRows = (int) Math.min(allRows, Math.max(1, FILTER_KC / ow));
        int blocks = (int) ((allRows + blockRows - 1) / blockRows);
        // padded images kept at once: those a block spans, plus the next one
        int slots = padded ? Math.min(g.batch(), (blockRows + oh - 2) / oh + 2) : 0;
        int panelsPerSlice = Math.max(1, Math.min(nPanels, FILTER_B_BYTES / (blockRows * ow * nr * Float.BYTES)));
        int chunks = be.worthSplitting(blocks, g.macsPerImage() * blockRows / oh)
                ? Math.min(be.threads(), blocks) : 1;
        int groupSize = g.groups() * cSize;
        Workspace caller = be.workspace();
        float[] partial = caller.floats(Workspace.PARTIAL, chunks * groupSize);
        // the offset of every column row (c, i, j) in the (padded) image of its group; rows past the matrix repeat
        // the last
        int[] rowOff = caller.ints(Workspace.ROW_OFFSETS, mPanels * mr);
        tapOffsets(g, hp, wp, rowOff);
        Arrays.fill(rowOff, rows, mPanels * mr, rowOff[rows - 1]);
        be.parallelEach(chunks, g.batch() * g.macsPerImage() / chunks, (from, to) -> {
            Workspace ws = be.workspace();
            int image = g.inChannels() * plane;
            float[] xp = padded ? ws.floats(Workspace.COLUMNS, slots * image) : x;
            float[] bp = ws.floats(Workspace.PACK_B, ldc * blockRows * ow);
            int[] segOff = ws.ints(Workspace.SEGMENT_OFFSETS, blockRows);
            for (int t = from; t < to; t++) {
                int b0 = (int) ((long) blocks * t / chunks);
                int b1 = (int) ((long) blocks * (t + 1) / chunks);
                if (padded) {
                    Arrays.fill(xp, 0, slots * image, 0f);
                }
                int last = -1; // the last image padded
                for (int bi = b0; bi < b1; bi++) {
                    long row0 = (long) bi * blockRows;
                    int segs = (int) Math.min(blockRows, allRows - row0);
                    int kc = segs * ow;
                    for (int s = 0; s < segs; s++) {
                        int n = (int) ((row0 + s) / oh);
                        int y = (int) (row0 + s - (long) n * oh);
                        if (padded && n > last) {
                            padImage(g, x, n, xp, (n % slots) * image, hp, wp);
                            last = n;
                        }
                        segOff[s] = (padded ? (n % slots) * image : n * g.inImage()) + y * g.strideH() * wp;
                    }
                    for (int gi = 0; gi < g.groups(); gi++) {
                        // dy^T of the block: runs of rows of one image
                        for (int s = 0; s < segs; ) {
                            int n = (int) ((row0 + s) / oh);
                            int y = (int) (row0 + s - (long) n * oh);
                            int run = Math.min(segs - s, oh - y);
                            for (int jp = 0; jp < nPanels; jp++) {
                                packGradients(g, dy, n, gi, jp * nr, nr, y * ow, run * ow, bp,
                                        jp * kc * nr + s * ow * nr);
                            }
                            s += run;
                        }
                        int aOff = gi * g.inPerGroup() * plane;
                        int cOff = t * groupSize + gi * cSize;
                        for (int j0 = 0; j0 < nPanels; j0 += panelsPerSlice) {
                            int j1 = Math.min(nPanels, j0 + panelsPerSlice);
                            for (int ip = 0; ip < mPanels; ip++) {
                                for (int jp = j0; jp < j1; jp++) {
                                    kernel.rows(segs, ow, g.strideW(), segOff, 0, xp, aOff, rowOff, ip * mr, bp,
                                            jp * kc * nr, partial, cOff + ip * mr * ldc + jp * nr, ldc, bi == b0);
                                }
                            }
                        }
                    }
                }
            }
        });
        // dW[g*Kg + k][r] = sum over the ranges, in order, of their dW^T[r][k]
        be.parallelFor(g.outChannels(), (long) rows * chunks, (from, to) -> {
            for (int o = from; o < to; o++) {
                int gi = o / kg;
                int k = o - gi * kg;
                int src = gi * cSize + k;
                int dst = o * rows;
                for (int r = 0; r < rows; r++) {
                    float s = partial[src + r * ldc];
                    for (int t = 1; t < chunks; t++) {
                        s += partial[t * groupSize + src + r * ldc];
                    }
                    dw[dst + r] = s;
                }
            }
        });
    }

    /**
     * Copies image n of x into the interior of {@code xp} at {@code o} (channels of {@code hp x wp}), whose border
     * stays zero.
     */
    private static void padImage(Conv2d.Geometry g, float[] x, int n, float[] xp, int o, int hp, int wp) {
        int xOff = n * g.inImage();
        for (int c = 0; c < g.inChannels(); c++) {
            for (int r = 0; r < g.inH(); r++) {
                System.arraycopy(x, xOff + (c * g.inH() + r) * g.inW(), xp,
                        o + (c * hp + r + g.paddingH()) * wp + g.paddingW(), g.inW());
            }
        }
    }

    /**
     * Packs output channels {@code [k0, k0 + nr)} of group {@code gi}'s dy, image n, pixels {@code [p0, p0 + kc)}
     * as {@code kc} steps of {@code nr} values: {@code bp[o + (p - p0)*nr + k - k0] = dy[n][gi*Kg + k][p]}, zero for
     * channels past the group's. Four channels at a time: each step's four stores share a cache line (one channel
     * at a time wrote a line per value, 4x per line; sixteen at a time read sixteen streams: both measured slower).
     */
    private static void packGradients(Conv2d.Geometry g, float[] dy, int n, int gi, int k0, int nr, int p0, int kc,
            float[] bp, int o) {
        int ohw = g.colCols();
        int ks = Math.min(nr, g.outPerGroup() - k0);
        int src = (n * g.outChannels() + gi * g.outPerGroup() + k0) * ohw + p0;
        int kq = 0;
        for (; kq + 3 < ks; kq += 4) {
            int s0 = src + kq * ohw;
            for (int p = 0, d = o + kq; p < kc; p++, d += nr) {
                bp[d] = dy[s0 + p];
                bp[d + 1] = dy[s0 + ohw + p];
                bp[d + 2] = dy[s0 + 2 * ohw + p];
                bp[d + 3] = dy[s0 + 3 * ohw + p];
            }
        }
        for (; kq < ks; kq++) {
            int s0 = src + kq * ohw;
            for (int p = 0, d = o + kq; p < kc; p++, d += nr) {
                bp[d] = dy[s0 + p];
            }
        }
        if (ks < nr) {
            for (int p = 0, d = o; p < kc; p++, d += nr) {
                for (int q = ks; q < nr; q++) {
                    bp[d + q] = 0;
                }
            }
        }
    }

    /**
     * True when the weight gradient is better computed as dot products of the rows of dy and of the column matrix
     * ({@link VectorDots}) than by {@link #filterByRows}: on the vector path, over rows of at least two vectors, with
     * fewer than {@value #DOTS_MAX_ROWS} column rows (taps per output channel), and when the lane-wise partial sums
     * of all groups ({@code K * Cg*KH*KW * lanes} floats) fit in {@value #DOTS_MAX_LANE_BYTES} bytes, about an L2
     * cache. With few taps the GEMM's packing of dy (one value per output channel and pixel) costs as much as its
     * arithmetic (a few taps per value). Measured side by side on the build machine (AVX2, two threads): the dots
     * win on LeNet-5's first layer (25 taps, 6 channels) and the seed 002 CNN's first (9 taps), and at 27 and 36
     * taps; the GEMM wins from 54 taps on (LeNet-5's second layer: 150).
     */
    private static boolean dotsPay(CpuBackend be, Conv2d.Geometry g) {
        return be.config().vector() && g.colCols() >= 2 * VectorDots.L && g.colRows() < DOTS_MAX_ROWS
                && (long) g.outChannels() * g.colRows() * VectorDots.L * Float.BYTES <= DOTS_MAX_LANE_BYTES;
    }

    /** The column rows (taps per output channel) below which the weight gradient may be taken as dot products. */
    static final int DOTS_MAX_ROWS = 48;

    /** The most bytes of lane-wise partial sums {@link VectorDots} may keep for one weight gradient. */
    static final int DOTS_MAX_LANE_BYTES = 640 * 1024;

    /**
     * dW = sum over the images of dy[n, g] * col(x[n, g])^T, the images in chunks, one per worker: as dot products
     * kept as lane-wise partial sums reduced once at the chunk's end ({@code dots}), or as a GEMM per image and group
     * on its im2col columns. The first chunk's sums go to dWeight, the others' to the calling thread's scratch, added
     * to dWeight in chunk order.
     */
    private static void filterPerImage(CpuBackend be, Conv2d.Geometry g, float[] x, float[] dy, float[] dw,
            boolean dots) {
        int ohw = g.colCols();
        int wSize = dw.length;
        int chunks = be.worthSplitting(g.batch(), g.macsPerImage()) ? Math.min(g.batch(), be.threads()) : 1;
        float[] partial = chunks > 1 ? be.workspace().floats(Workspace.PARTIAL, (chunks - 1) * wSize) : null;
        be.parallelEach(chunks, g.batch() * g.macsPerImage() / chunks, (from, to) -> {
            for (int t = from; t < to; t++) {
                float[] acc = t == 0 ? dw : partial;
                int accOff = t == 0 ? 0 : (t - 1) * wSize;
                int n0 = (int) ((long) g.batch() * t / chunks);
                int n1 = (int) ((long) g.batch() * (t + 1) / chunks);
                if (dots) {
                    dotsOfImages(be, g, x, dy, n0, n1, acc, accOff);
                    continue;
                }
                for (int n = n0; n < n1; n++) {
                    for (int gi = 0; gi < g.groups(); gi++) {
                        float[] col = columns(be, g, x, n, gi);
                        int colOff = g.pointwise() ? (n * g.inChannels() + gi * g.inPerGroup()) * g.inH() * g.inW() : 0;
                        int dyOff = (n * g.outChannels() + gi * g.outPerGroup()) * ohw;
                        be.sgemm.gemm(g.outPerGroup(), g.colRows(), ohw, 1f, dy, dyOff, ohw, 1, col, colOff, 1, ohw,
                                n == n0 ? 0f : 1f, acc, accOff + gi * g.outPerGroup() * g.colRows(), g.colRows());
                    }
                }
            }
        });
        if (chunks > 1) {
            be.parallelFor(wSize, chunks, (from, to) -> {
                for (int t = 1; t < chunks; t++) {
                    int off = (t - 1) * wSize;
                    for (int i = from; i < to; i++) {
                        dw[i] += partial[off + i];
                    }
                }
            });
        }
    }

    /**
     * dW (into {@code acc} at {@code accOff}, overwritten) = sum over images [n0, n1) of dy[n, g] * col(x[n, g])^T,
     * as lane-wise partial sums reduced once at the end.
     */
    private static void dotsOfImages(CpuBackend be, Conv2d.Geometry g, float[] x, float[] dy, int n0, int n1,
            float[] acc, int accOff) {
        int ohw = g.colCols();
        int kgCkk = g.outPerGroup() * g.colRows();
        float[] lanes = be.workspace().floats(Workspace.LANES, g.groups() * kgCkk * VectorDots.L);
        Arrays.fill(lanes, 0, g.groups() * kgCkk * VectorDots.L, 0f);
        for (int n = n0; n < n1; n++) {
            for (int gi = 0; gi < g.groups(); gi++) {
                float[] col = columns(be, g, x, n, gi);
                int colOff = g.pointwise() ? (n * g.inChannels() + gi * g.inPerGroup()) * g.inH() * g.inW() : 0;
                VectorDots.accumulate(dy, (n * g.outChannels() + gi * g.outPerGroup()) * ohw, g.outPerGroup(), col,
                        colOff, g.colRows(), ohw, lanes, gi * kgCkk * VectorDots.L);
            }
        }
        VectorDots.reduce(lanes, 0, g.groups() * kgCkk, acc, accOff);
    }

    /**
     * The column matrix of image n, group gi: x itself for a pointwise convolution (at offset
     * {@code (n*C + gi*Cg)*H*W}), else im2col into the calling thread's workspace (at offset 0).
     */
    private static float[] columns(CpuBackend be, Conv2d.Geometry g, float[] x, int n, int gi) {
        if (g.pointwise()) {
            return x;
        }
        float[] col = be.workspace().floats(Workspace.COLUMNS, g.colRows() * g.colCols());
        im2col(g, x, (n * g.inChannels() + gi * g.inPerGroup()) * g.inH() * g.inW(), col);
        return col;
    }

    /** flipped[g][c][k][i][j] = w[g*Kg + k][c][KH-1-i][KW-1-j]: the filters of {@link #asForward}. */
    private static void flipFilters(Conv2d.Geometry g, float[] w, float[] flipped) {
        int kk = g.kernelH() * g.kernelW();
        int dst = 0;
        for (int gi = 0; gi < g.groups(); gi++) {
            for (int c = 0; c < g.inPerGroup(); c++) {
                for (int k = 0; k < g.outPerGroup(); k++) {
                    int src = ((gi * g.outPerGroup() + k) * g.inPerGroup() + c) * kk + kk - 1;
                    for (int t = 0; t < kk; t++) {
                        flipped[dst++] = w[src - t];
                    }
                }
            }
        }
    }

    /** col[(c*KH*KW + i*KW + j) * OHOW + oh*OW + ow] = x[xOff + c*H*W + ih*W + iw], zero in the padding. */
    static void im2col(Conv2d.Geometry g, float[] x, int xOff, float[] col) {
        if (g.strideH() == 1 && g.strideW() == 1 && g.dilationW() == 1 && g.outW() == g.inW()) {
            im2colFullRows(g, x, xOff, col);
            return;
        }
        int ow = g.outW();
        int ohw = g.colCols();
        int row = 0;
        for (int c = 0; c < g.inPerGroup(); c++) {
            int plane = xOff + c * g.inH() * g.inW();
            for (int i = 0; i < g.kernelH(); i++) {
                for (int j = 0; j < g.kernelW(); j++, row++) {
                    int dst = row * ohw;
                    int jOff = j * g.dilationW() - g.paddingW();
                    // output columns whose input column ow*sw + jOff lies in [0, W)
                    int owLo = jOff >= 0 ? 0 : Math.min(ow, (-jOff + g.strideW() - 1) / g.strideW());
                    int owHi = g.inW() - jOff <= 0 ? 0 : Math.min(ow, (g.inW() - jOff + g.strideW() - 1) / g.strideW());
                    if (owHi < owLo) {
                        owHi = owLo;
                    }
                    for (int oh = 0; oh < g.outH(); oh++, dst += ow) {
                        int ih = oh * g.strideH() - g.paddingH() + i * g.dilationH();
                        if (ih < 0 || ih >= g.inH()) {
                            Arrays.fill(col, dst, dst + ow, 0f);
                            continue;
                        }
                        int src = plane + ih * g.inW() + jOff;
                        for (int q = 0; q < owLo; q++) {
                            col[dst + q] = 0;
                        }
                        if (g.strideW() == 1) {
                            if (owHi > owLo) {
                                // never with an empty range: its start may lie outside x (a tap reading only
                                // padding), which arraycopy rejects even for a length of 0
                                System.arraycopy(x, src + owLo, col, dst + owLo, owHi - owLo);
                            }
                        } else {
                            for (int q = owLo; q < owHi; q++) {
                                col[dst + q] = x[src + q * g.strideW()];
                            }
                        }
                        for (int q = owHi; q < ow; q++) {
                            col[dst + q] = 0;
                        }
                    }
                }
            }
        }
    }

    /**
     * {@link #im2col} when an output row is as wide as an input row (stride 1, "same" width): each column row is
     * then the input plane shifted by {@code (ih - oh) * W + (iw - ow)}, one copy of the rows that fall inside the
     * input, with the rows above and below and the columns shifted in from the neighbouring row zeroed.
     */
    private static void im2colFullRows(Conv2d.Geometry g, float[] x, int xOff, float[] col) {
        int w = g.inW();
        int ohw = g.colCols();
        int row = 0;
        for (int c = 0; c < g.inPerGroup(); c++) {
            int plane = xOff + c * g.inH() * w;
            for (int i = 0; i < g.kernelH(); i++) {
                int iOff = i * g.dilationH() - g.paddingH();
                // output rows whose input row oh + iOff lies in [0, H)
                int ohLo = Math.min(g.outH(), Math.max(0, -iOff));
                int ohHi = Math.max(ohLo, Math.min(g.outH(), g.inH() - iOff));
                for (int j = 0; j < g.kernelW(); j++, row++) {
                    int dst = row * ohw;
                    int jOff = j - g.paddingW();
                    Arrays.fill(col, dst, dst + ohLo * w, 0f);
                    Arrays.fill(col, dst + ohHi * w, dst + ohw, 0f);
                    if (ohHi == ohLo) {
                        continue;
                    }
                    // one copy of the shifted rows: q = (oh - ohLo) * W + ow reads plane[(oh + iOff) * W + ow + jOff],
                    // leaving out the first -jOff (or last jOff) elements, which would fall outside the plane
                    int from = Math.max(0, -jOff);
                    int to = (ohHi - ohLo) * w - Math.max(0, jOff);
                    int d0 = dst + ohLo * w;
                    int s0 = plane + (ohLo + iOff) * w + jOff;
                    if (to > from) {
                        System.arraycopy(x, s0 + from, col, d0 + from, to - from);
                    }
                    // the columns whose input column ow + jOff is outside [0, W) read the neighbouring row: zero them
                    if (jOff < 0) {
                        for (int r = d0, end = dst + ohHi * w; r < end; r += w) {
                            Arrays.fill(col, r, r + Math.min(w, -jOff), 0f);
                        }
                    } else if (jOff > 0) {
                        for (int r = d0, end = dst + ohHi * w; r < end; r += w) {
                            Arrays.fill(col, r + Math.max(0, w - jOff), r + w, 0f);
                        }
                    }
                }
            }
        }
    }

    /** dx[dxOff + c*H*W + ih*W + iw] = sum of the column entries that im2col read from there. */
    static void col2im(Conv2d.Geometry g, float[] col, float[] dx, int dxOff) {
        int ow = g.outW();
        int ohw = g.colCols();
        Arrays.fill(dx, dxOff, dxOff + g.inPerGroup() * g.inH() * g.inW(), 0f);
        int row = 0;
        for (int c = 0; c < g.inPerGroup(); c++) {
            int plane = dxOff + c * g.inH() * g.inW();
            for (int i = 0; i < g.kernelH(); i++) {
                for (int j = 0; j < g.kernelW(); j++, row++) {
                    int src = row * ohw;
                    int jOff = j * g.dilationW() - g.paddingW();
                    int owLo = jOff >= 0 ? 0 : Math.min(ow, (-jOff + g.strideW() - 1) / g.strideW());
                    int owHi = g.inW() - jOff <= 0 ? 0 : Math.min(ow, (g.inW() - jOff + g.strideW() - 1) / g.strideW());
                    for (int oh = 0; oh < g.outH(); oh++, src += ow) {
                        int ih = oh * g.strideH() - g.paddingH() + i * g.dilationH();
                        if (ih < 0 || ih >= g.inH()) {
                            continue;
                        }
                        int dst = plane + ih * g.inW() + jOff;
                        if (g.strideW() == 1) {
                            // unit stride: a loop the JIT vectorizes
                            for (int q = owLo; q < owHi; q++) {
                                dx[dst + q] += col[src + q];
                            }
                        } else {
                            for (int q = owLo; q < owHi; q++) {
                                dx[dst + q * g.strideW()] += col[src + q];
                            }
                        }
                    }
                }
            }
        }
    }
}
