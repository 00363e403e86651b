package org.cnn4j.backend.cpu;

import org.cnn4j.ops.Conv2d;

/**
 * The forward of a 3x3, stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, "Fast
 * Algorithms for Convolutional Neural Networks", 2016): each 2x2 block of outputs is computed from a 4x4 block of
 * input (a tile) in 16 multiplies per input and output channel instead of 36, 2.25 times fewer.
 * <pre>
 *   U[xi][k][c] = (G g[k][c] G^T)[xi]                 the filters, transformed once per call (in double)
 *   V[xi][c][t] = (B^T d[c][t] B)[xi]                 each tile t of each input channel (adds only)
 *   M[xi]       = U[xi] * V[xi]                        16 products (K x C) * (C x tiles): the GEMM micro-kernel
 *   y[k][t]     = A^T M[.][k][t] A + bias[k]           each 4x4 block of M back to a 2x2 block of outputs
 * </pre>
 * with {@code B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]}, {@code G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]}
 * and {@code A^T = [1 1 1 0; 0 1 -1 -1]}. The work is split into blocks of tile rows of one image (about
 * {@value #BLOCK_FLOATS} floats of transformed input); within a block, tile {@code (th, tw)} is column
 * {@code (th - th0) * (tilesW + 1) + tw} of the products (one unused column per row, which lets every transform
 * step run as a loop over evenly spaced operands). The input transform writes each block straight into the
 * micro-kernel's packed B panels and the transformed filters are packed once as its A panels, so the 16 products
 * are full micro-kernel tiles without packing or edge cases (unused columns compute values that are never read).
 *
 * <p>Each output is computed by the same operations in the same order whatever the block, the thread count or the
 * vector width (each product adds over the channels in order, as every micro-kernel does): the same bits run after
 * run. The error is that of the transforms' few adds on top of the product's, within the convolution's
 * tolerances ({@code Conv2dWinogradTest}). F(4x4, 3x3), whose transforms multiply by up to 8, would do fewer
 * multiplies; its error growth has not been measured, and it is not used.
 */
final class Conv2dWinograd {
    /** Fewest input and output channels: below, the transforms cost more than the multiplies saved. */
    static final int MIN_CHANNELS = 8;
    /** About this many floats of transformed input per block ({@code 16 * C * tiles}: 256 KiB, half an L2). */
    static final int BLOCK_FLOATS = 64 * 1024;
    /** Fewest micro-kernel panels of tiles per block (when the channels are many). */
    static final int MIN_PANELS = 4;
    /**
     * Floats between the 16 matrices of a block beyond their size (one cache line): the input transform writes
     * the 16 values of a tile to 16 matrices at once, and 16 addresses a power of two apart would fall in one set
     * of the L1 cache, past its ways.
     */
    static final int SKEW = 16;

    private Conv2dWinograd() {
    }

    /**
     * True when the forward of {@code g} runs here: a 3x3 kernel, stride and dilation 1, one group, at least
     * {@value #MIN_CHANNELS} input and output channels, and Winograd on in the backend's configuration.
     */
    static boolean applies(CpuBackend be, Conv2d.Geometry g) {
        return be.config().winograd() && g.kernelH() == 3 && g.kernelW() == 3 && g.strideH() == 1
                && g.strideW() == 1 && g.dilationH() == 1 && g.dilationW() == 1 && g.groups() == 1
                && g.inChannels() >= MIN_CHANNELS && g.outChannels() >= MIN_CHANNELS;
    }

    /** y = conv(x, w) + bias (bias may be null) for a geometry {@link #applies} accepts. */
    static void forward(CpuBackend be, Conv2d.Geometry g, float[] x, float[] w, float[] bias, float[] y) {
        MicroKernel kernel = be.sgemm.kernel();
        int mr = kernel.mr;
        int nr = kernel.nr;
        int cin = g.inChannels();
        int k = g.outChannels();
        int kPanels = (k + mr - 1) / mr;
        int kPad = kPanels * mr;
        float[] u = be.workspace().floats(Workspace.WINOGRAD_FILTERS, 16 * kPad * cin);
        be.parallelFor(kPanels, 16L * mr * cin * 4, (from, to) -> transformFilters(w, k, cin, mr, from, to, u));

        int tilesH = (g.outH() + 1) / 2;
        int tilesW = (g.outW() + 1) / 2;
        int wq = tilesW + 1;
        int rows = (int) Math.clamp(Math.max(BLOCK_FLOATS / (16L * cin * wq), (MIN_PANELS * nr + wq - 1) / wq), 1,
                tilesH);
        int perImage = (tilesH + rows - 1) / rows;
        int maxPanels = (rows * wq + nr - 1) / nr;
        int maxTiles = maxPanels * nr;
        // the planes leave room for the vector loops' last, partly used vector (nr is a whole number of vectors)
        int plane = Math.max((rows + 1) * wq + nr, maxTiles + wq) + 1;
        boolean vector = be.config().vector();
        be.parallelFor(g.batch() * perImage, 16L * kPad * cin * rows * wq, (from, to) -> {
            Workspace ws = be.workspace();
            int vStep = cin * maxTiles + SKEW;
            int mStep = kPad * maxTiles + SKEW;
            float[] v = ws.floats(Workspace.WINOGRAD_INPUT, 16 * vStep);
            float[] m = ws.floats(Workspace.WINOGRAD_PRODUCTS, 16 * mStep);
            float[] split = ws.floats(Workspace.WINOGRAD_SPLIT, 4 * plane);
            float[] half = ws.floats(Workspace.WINOGRAD_HALF, 8 * plane);
            for (int blk = from; blk < to; blk++) {
                int n = blk / perImage;
                int th0 = (blk % perImage) * rows;
                int r = Math.min(rows, tilesH - th0);
                int panels = (r * wq + nr - 1) / nr;
                for (int c = 0; c < cin; c++) {
                    transformInput(vector, g, x, n, c, th0, r, wq, plane, split, half, panels * nr, v,
                            c * maxTiles, vStep);
                }
                for (int xi = 0; xi < 16; xi++) {
                    for (int jp = 0; jp < panels; jp++) {
                        int bOff = xi * vStep + jp * nr;
                        for (int ip = 0; ip < kPanels; ip++) {
                            kernel.set(cin, u, (xi * kPanels + ip) * cin * mr, v, bOff, maxTiles, m,
                                    xi * mStep + ip * mr * maxTiles + jp * nr, maxTiles, 1f);
                        }
                    }
                }
                transformOutput(vector, g, m, mStep, maxTiles, n, th0, r, wq, half, split, plane, bias, y);
            }
        });
    }

    /**
     * Filters {@code [kp0, kp1)} panels of {@code mr} output channels: {@code u[((xi*kPanels + kp)*C + c)*mr + r]
     * = (G w[kp*mr + r][c] G^T)[xi]}, zero for the channels past {@code k}; computed in double, rounded once.
     */
    private static void transformFilters(float[] w, int k, int cin, int mr, int kp0, int kp1, float[] u) {
        int kPanels = (k + mr - 1) / mr;
        int step = kPanels * cin * mr;
        for (int kp = kp0; kp < kp1; kp++) {
            for (int r = 0; r < mr; r++) {
                int kk = kp * mr + r;
                for (int c = 0; c < cin; c++) {
                    int o = (kp * cin + c) * mr + r;
                    if (kk >= k) {
                        for (int xi = 0; xi < 16; xi++) {
                            u[o + xi * step] = 0f;
                        }
                        continue;
                    }
                    int src = (kk * cin + c) * 9;
                    double w00 = w[src], w01 = w[src + 1], w02 = w[src + 2];
                    double w10 = w[src + 3], w11 = w[src + 4], w12 = w[src + 5];
                    double w20 = w[src + 6], w21 = w[src + 7], w22 = w[src + 8];
                    // G g: its four rows
                    row(u, o, step, w00, w01, w02);
                    row(u, o + 4 * step, step, 0.5 * (w00 + w10 + w20), 0.5 * (w01 + w11 + w21),
                            0.5 * (w02 + w12 + w22));
                    row(u, o + 8 * step, step, 0.5 * (w00 - w10 + w20), 0.5 * (w01 - w11 + w21),
                            0.5 * (w02 - w12 + w22));
                    row(u, o + 12 * step, step, w20, w21, w22);
                }
            }
        }
    }

    /** One row {@code (h0, h1, h2)} of {@code G g} times {@code G^T}: four values {@code step} apart. */
    private static void row(float[] u, int o, int step, double h0, double h1, double h2) {
        u[o] = (float) h0;
        u[o + step] = (float) (0.5 * (h0 + h1 + h2));
        u[o + 2 * step] = (float) (0.5 * (h0 - h1 + h2));
        u[o + 3 * step] = (float) h2;
    }

    /**
     * The transformed input of channel {@code c} of image {@code n}, tile rows {@code [th0, th0 + r)}: {@code
     * v[xi*vStep + vOff + q] = (B^T d B)[xi]} of tile {@code q = (th - th0)*wq + tw} for {@code q < tiles} (the
     * column {@code tw = wq - 1} of each row, and the tiles past the last row, are computed and never read): rows
     * of the micro-kernel's B operand. The 4x4 input blocks overlap by two rows and columns: the padded input is
     * split into its even and odd rows and columns (four planes of {@code (r + 1) x wq} in {@code split}), so that
     * each step of the transform is a loop over the tiles whose operands lie a fixed distance apart (1 for the
     * next column of blocks, {@code wq} for the next row), from one array into another: loops the JIT vectorizes.
     */
    private static void transformInput(boolean vector, Conv2d.Geometry g, float[] x, int n, int c, int th0, int r,
            int wq, int plane, float[] split, float[] half, int tiles, float[] v, int vOff, int vStep) {
        int h = g.inH();
        int w = g.inW();
        int ee = 0;
        int eo = plane;
        int oe = 2 * plane;
        int oo = 3 * plane;
        int src = (n * g.inChannels() + c) * h * w;
        for (int a = 0; a <= r; a++) {
            int row = 2 * (th0 + a) - g.paddingH();
            split(x, src, row, w, g.paddingW(), wq, h, split, ee + a * wq, eo + a * wq);
            split(x, src, row + 1, w, g.paddingW(), wq, h, split, oe + a * wq, oo + a * wq);
        }
        // along the rows: (d0 - d2, d1 + d2, d2 - d1, d1 - d3) with d0 = E[i], d1 = O[i], d2 = E[i + 1], d3 = O[i + 1]
        // (even rows into half[j * plane], odd rows into half[(4 + j) * plane])
        int len = (r + 1) * wq;
        for (int p = 0; p < 2; p++) {
            int e = p == 0 ? ee : oe;
            int o = p == 0 ? eo : oo;
            int out = 4 * p * plane;
            if (vector) {
                VectorWinograd.rows(split, e, o, half, out, plane, len);
                continue;
            }
            sub(split, e, e + 1, half, out, len);
            add(split, o, e + 1, half, out + plane, len);
            sub(split, e + 1, o, half, out + 2 * plane, len);
            sub(split, o, o + 1, half, out + 3 * plane, len);
        }
        // along the columns: (h0 - h2, h1 + h2, h2 - h1, h1 - h3) with h0 = even[q], h1 = odd[q], h2 = even[q + wq],
        // h3 = odd[q + wq], for each of the four results j of the rows
        for (int j = 0; j < 4; j++) {
            int e = j * plane;
            int o = (4 + j) * plane;
            int d = j * vStep + vOff;
            if (vector) {
                VectorWinograd.columns(half, e, o, wq, v, d, vStep, tiles);
                continue;
            }
            sub(half, e, e + wq, v, d, tiles);
            add(half, o, e + wq, v, d + 4 * vStep, tiles);
            sub(half, e + wq, o, v, d + 8 * vStep, tiles);
            sub(half, o, o + wq, v, d + 12 * vStep, tiles);
        }
    }

    /** {@code out[o + i] = a[x + i] + a[y + i]} for {@code i < len}. */
    private static void add(float[] a, int x, int y, float[] out, int o, int len) {
        for (int i = 0; i < len; i++) {
            out[o + i] = a[x + i] + a[y + i];
        }
    }

    /** {@code out[o + i] = a[x + i] - a[y + i]} for {@code i < len}. */
    private static void sub(float[] a, int x, int y, float[] out, int o, int len) {
        for (int i = 0; i < len; i++) {
            out[o + i] = a[x + i] - a[y + i];
        }
    }

    /** {@code out[o + i] = a[x + i] + a[y + i] + a[z + i]} (added left to right) for {@code i < len}. */
    private static void add3(float[] a, int x, int y, int z, float[] out, int o, int len) {
        for (int i = 0; i < len; i++) {
            out[o + i] = a[x + i] + a[y + i] + a[z + i];
        }
    }

    /** {@code out[o + i] = a[x + i] - a[y + i] - a[z + i]} (left to right) for {@code i < len}. */
    private static void sub3(float[] a, int x, int y, int z, float[] out, int o, int len) {
        for (int i = 0; i < len; i++) {
            out[o + i] = a[x + i] - a[y + i] - a[z + i];
        }
    }

    /**
     * Input row {@code row} of the plane at {@code src} (zeros above or below the image) split by column parity:
     * {@code t[even + b] = x[row][2b - pad]}, {@code t[odd + b] = x[row][2b + 1 - pad]} for {@code b < wq}, zero
     * outside the image.
     */
    private static void split(float[] x, int src, int row, int w, int pad, int wq, int h, float[] t, int even,
            int odd) {
        if (row < 0 || row >= h) {
            java.util.Arrays.fill(t, even, even + wq, 0f);
            java.util.Arrays.fill(t, odd, odd + wq, 0f);
            return;
        }
        int base = src + row * w;
        for (int b = 0; b < wq; b++) {
            int col = 2 * b - pad;
            t[even + b] = col >= 0 && col < w ? x[base + col] : 0f;
            t[odd + b] = col + 1 >= 0 && col + 1 < w ? x[base + col + 1] : 0f;
        }
    }

    /**
     * The 2x2 outputs {@code A^T M A + bias} of image {@code n}, tile rows {@code [th0, th0 + r)}, from the
     * products {@code m[xi*mStep + k*ldm + q]}, {@code q = (th - th0)*wq + tw}; the second row or column of a
     * tile past the output's edge is not written. The four outputs of each tile are first computed for all tiles
     * at once (loops over q the JIT vectorizes: the two rows of {@code A^T M} into {@code s}, then the four
     * outputs into {@code out}), then written to their places in y.
     */
    private static void transformOutput(boolean vector, Conv2d.Geometry g, float[] m, int mStep, int ldm, int n,
            int th0, int r, int wq, float[] s, float[] out, int plane, float[] bias, float[] y) {
        int len = r * wq;
        for (int kk = 0; kk < g.outChannels(); kk++) {
            int o = kk * ldm;
            if (vector) {
                VectorWinograd.output(m, o, mStep, out, plane, len);
            } else {
                outputScalar(m, o, mStep, s, out, plane, len);
            }
            write(out, plane, n, kk, th0, r, wq, bias, g, y);
        }
    }

    /** {@link VectorWinograd#output} in scalar loops (the same operations in the same order). */
    private static void outputScalar(float[] m, int o, int mStep, float[] s, float[] out, int plane, int len) {
        // A^T M: row 0 (m0j + m1j + m2j) into s[j * plane], row 1 (m1j - m2j - m3j) into s[(4 + j) * plane]
        for (int j = 0; j < 4; j++) {
            add3(m, o + j * mStep, o + (4 + j) * mStep, o + (8 + j) * mStep, s, j * plane, len);
            sub3(m, o + (4 + j) * mStep, o + (8 + j) * mStep, o + (12 + j) * mStep, s, (4 + j) * plane, len);
        }
        // (A^T M) A: outputs (i, 0) = s_i0 + s_i1 + s_i2 and (i, 1) = s_i1 - s_i2 - s_i3 into out[(2i + j) * plane]
        for (int i = 0; i < 2; i++) {
            int si = 4 * i * plane;
            add3(s, si, si + plane, si + 2 * plane, out, 2 * i * plane, len);
            sub3(s, si + plane, si + 2 * plane, si + 3 * plane, out, (2 * i + 1) * plane, len);
        }
    }

    /** Outputs (i, j) of the block's tiles ({@code out[(2i + j)*plane + q]}) plus the bias, into channel kk of y. */
    private static void write(float[] out, int plane, int n, int kk, int th0, int r, int wq, float[] bias,
            Conv2d.Geometry g, float[] y) {
        int k = g.outChannels();
        int oh = g.outH();
        int ow = g.outW();
        float b = bias == null ? 0f : bias[kk];
        int dst = (n * k + kk) * oh * ow;
        int cols = ow / 2;
        for (int a = 0; a < r; a++) {
            int row = 2 * (th0 + a);
            int q = a * wq;
            int top = dst + row * ow;
            boolean below = row + 1 < oh;
            for (int tw = 0; tw < cols; tw++) {
                y[top + 2 * tw] = out[q + tw] + b;
                y[top + 2 * tw + 1] = out[plane + q + tw] + b;
            }
            if (below) {
                for (int tw = 0; tw < cols; tw++) {
                    y[top + ow + 2 * tw] = out[2 * plane + q + tw] + b;
                    y[top + ow + 2 * tw + 1] = out[3 * plane + q + tw] + b;
                }
            }
            if ((ow & 1) != 0) {
                // odd width: the last tile's first column only
                y[top + ow - 1] = out[q + cols] + b;
                if (below) {
                    y[top + 2 * ow - 1] = out[2 * plane + q + cols] + b;
                }
            }
        }
    }
}
