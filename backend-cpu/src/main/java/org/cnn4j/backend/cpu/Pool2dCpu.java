package org.cnn4j.backend.cpu;

import static org.cnn4j.backend.cpu.CpuBackend.data;

import java.util.Arrays;
import org.cnn4j.ops.Pool2d;

/**
 * Max and average pooling, direct loops over each (n, c) plane, planes spread over the workers. Windows follow
 * PyTorch: a window starts at {@code o*s - p}; the average divisor counts the window clipped to the padded input
 * ({@code countIncludePad}) or the real elements only; max pooling treats padding as absent, takes NaN as the
 * maximum and routes the gradient to the first maximum in row-major window order (the last NaN, if any).
 * Dilated max pooling reads the window's taps {@code o*s - p + t*d} inside the input, by the same rule.
 */
final class Pool2dCpu {
    private Pool2dCpu() {
    }

    static void forward(CpuBackend be, Pool2d.Forward o) {
        Pool2d.Geometry p = o.geometry();
        int planes = p.planes();
        int h = p.inH();
        int w = p.inW();
        int oh = p.outH();
        int ow = p.outW();
        float[] x = data(o.x());
        float[] y = data(o.y());
        int kh = p.kernelH();
        int kw = p.kernelW();
        int sh = p.strideH();
        int sw = p.strideW();
        int ph = p.paddingH();
        int pw = p.paddingW();
        boolean max = p.max();
        boolean include = p.countIncludePad();
        if (p.dilated()) {
            be.parallelFor(planes, (long) oh * ow * kh * kw, (from, to) -> {
                for (int plane = from; plane < to; plane++) {
                    int xo = plane * h * w;
                    int yo = plane * oh * ow;
                    for (int i = 0; i < oh; i++) {
                        for (int j = 0; j < ow; j++) {
                            int at = dilatedArgMax(x, xo, h, w, p, i, j);
                            y[yo + i * ow + j] = at < 0 ? Float.NEGATIVE_INFINITY : x[at];
                        }
                    }
                }
            });
            return;
        }
        if (max && tiled2x2(kh, kw, sh, sw, ph, pw, h, w, oh, ow)) {
            be.parallelFor(planes, (long) oh * ow * 4,
                    (from, to) -> max2x2Forward(x, y, h, w, oh, ow, from, to));
            return;
        }
        be.parallelFor(planes, (long) oh * ow * kh * kw, (from, to) -> {
            for (int plane = from; plane < to; plane++) {
                int xo = plane * h * w;
                int yo = plane * oh * ow;
                for (int i = 0; i < oh; i++) {
                    int hs = i * sh - ph;
                    int he = Math.min(hs + kh, h + ph);
                    int h0 = Math.max(hs, 0);
                    int h1 = Math.min(he, h);
                    for (int j = 0; j < ow; j++) {
                        int ws = j * sw - pw;
                        int we = Math.min(ws + kw, w + pw);
                        int w0 = Math.max(ws, 0);
                        int w1 = Math.min(we, w);
                        if (max) {
                            // the value needs no arg-max (the backward does): Math.max is branch-free and keeps
                            // NaN (a compare-and-select on random data mispredicts, measured 9x slower)
                            float m = Float.NEGATIVE_INFINITY;
                            for (int r = h0; r < h1; r++) {
                                int row = xo + r * w;
                                for (int q = w0; q < w1; q++) {
                                    m = Math.max(m, x[row + q]);
                                }
                            }
                            y[yo + i * ow + j] = m;
                        } else {
                            double s = 0;
                            for (int r = h0; r < h1; r++) {
                                for (int q = w0; q < w1; q++) {
                                    s += x[xo + r * w + q];
                                }
                            }
                            int div = include ? (he - hs) * (we - ws) : (h1 - h0) * (w1 - w0);
                            y[yo + i * ow + j] = (float) (s / div);
                        }
                    }
                }
            }
        });
    }

    static void backward(CpuBackend be, Pool2d.Backward o) {
        Pool2d.Geometry p = o.geometry();
        int planes = p.planes();
        int h = p.inH();
        int w = p.inW();
        int oh = p.outH();
        int ow = p.outW();
        float[] x = data(o.x());
        float[] dy = data(o.dy());
        float[] dx = data(o.dx());
        int kh = p.kernelH();
        int kw = p.kernelW();
        int sh = p.strideH();
        int sw = p.strideW();
        int ph = p.paddingH();
        int pw = p.paddingW();
        boolean max = p.max();
        boolean include = p.countIncludePad();
        if (p.dilated()) {
            be.parallelFor(planes, (long) oh * ow * kh * kw, (from, to) -> {
                for (int plane = from; plane < to; plane++) {
                    int xo = plane * h * w;
                    int yo = plane * oh * ow;
                    Arrays.fill(dx, xo, xo + h * w, 0f);
                    for (int i = 0; i < oh; i++) {
                        for (int j = 0; j < ow; j++) {
                            int at = dilatedArgMax(x, xo, h, w, p, i, j);
                            if (at >= 0) {
                                dx[at] += dy[yo + i * ow + j];
                            }
                        }
                    }
                }
            });
            return;
        }
        if (max && tiled2x2(kh, kw, sh, sw, ph, pw, h, w, oh, ow)) {
            be.parallelFor(planes, (long) oh * ow * 4,
                    (from, to) -> max2x2Backward(x, dy, dx, h, w, oh, ow, from, to));
            return;
        }
        be.parallelFor(planes, (long) oh * ow * kh * kw, (from, to) -> {
            for (int plane = from; plane < to; plane++) {
                int xo = plane * h * w;
                int yo = plane * oh * ow;
                Arrays.fill(dx, xo, xo + h * w, 0f);
                for (int i = 0; i < oh; i++) {
                    int hs = i * sh - ph;
                    int he = Math.min(hs + kh, h + ph);
                    int h0 = Math.max(hs, 0);
                    int h1 = Math.min(he, h);
                    for (int j = 0; j < ow; j++) {
                        int ws = j * sw - pw;
                        int we = Math.min(ws + kw, w + pw);
                        int w0 = Math.max(ws, 0);
                        int w1 = Math.min(we, w);
                        float g = dy[yo + i * ow + j];
                        if (max) {
                            dx[argMax(x, xo, w, h0, h1, w0, w1)] += g;
                        } else {
                            int div = include ? (he - hs) * (we - ws) : (h1 - h0) * (w1 - w0);
                            float v = g / div;
                            for (int r = h0; r < h1; r++) {
                                for (int q = w0; q < w1; q++) {
                                    dx[xo + r * w + q] += v;
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    /**
     * The common 2 x 2, stride 2, unpadded window whose every output window lies inside the input (floor mode, or
     * ceil mode on even sizes): fixed four-element windows, no bounds per output.
     */
    private static boolean tiled2x2(int kh, int kw, int sh, int sw, int ph, int pw, int h, int w, int oh, int ow) {
        return kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && 2 * oh <= h && 2 * ow <= w;
    }

    /** {@link #forward} for {@link #tiled2x2} windows, planes {@code [from, to)}; NaN propagates. */
    private static void max2x2Forward(float[] x, float[] y, int h, int w, int oh, int ow, int from, int to) {
        for (int plane = from; plane < to; plane++) {
            int yo = plane * oh * ow;
            for (int i = 0; i < oh; i++) {
                int r0 = plane * h * w + 2 * i * w;
                int r1 = r0 + w;
                int yr = yo + i * ow;
                for (int j = 0; j < ow; j++) {
                    y[yr + j] = Math.max(Math.max(x[r0 + 2 * j], x[r0 + 2 * j + 1]),
                            Math.max(x[r1 + 2 * j], x[r1 + 2 * j + 1]));
                }
            }
        }
    }

    /**
     * {@link #backward} for {@link #tiled2x2} windows: the windows do not overlap, so each input element receives
     * its window's gradient or zero, written once (no accumulation); rows and columns no window covers are zero.
     */
    private static void max2x2Backward(float[] x, float[] dy, float[] dx, int h, int w, int oh, int ow, int from,
            int to) {
        for (int plane = from; plane < to; plane++) {
            int xo = plane * h * w;
            int yo = plane * oh * ow;
            for (int i = 0; i < oh; i++) {
                int r0 = xo + 2 * i * w;
                int r1 = r0 + w;
                for (int j = 0; j < ow; j++) {
                    int ia = r0 + 2 * j;
                    int ic = r1 + 2 * j;
                    float a = x[ia];
                    float b = x[ia + 1];
                    float c = x[ic];
                    float d = x[ic + 1];
                    float m = Math.max(Math.max(a, b), Math.max(c, d));
                    int g = Float.floatToRawIntBits(dy[yo + i * ow + j]);
                    if (m != m) {
                        // a NaN in the window (rare): PyTorch's order picks the last NaN
                        int k = argMax(x, xo, w, 2 * i, 2 * i + 2, 2 * j, 2 * j + 2);
                        float gf = Float.intBitsToFloat(g);
                        dx[ia] = k == ia ? gf : 0f;
                        dx[ia + 1] = k == ia + 1 ? gf : 0f;
                        dx[ic] = k == ic ? gf : 0f;
                        dx[ic + 1] = k == ic + 1 ? gf : 0f;
                        continue;
                    }
                    // the first element equal to the maximum takes the gradient, as PyTorch's v > max picks it;
                    // all-ones masks select it without branches (compare-and-branch on random data mispredicts,
                    // measured 2x slower)
                    int ea = a == m ? -1 : 0;
                    int eb = (b == m ? -1 : 0) & ~ea;
                    int ec = (c == m ? -1 : 0) & ~(ea | eb);
                    int ed = ~(ea | eb | ec);
                    dx[ia] = Float.intBitsToFloat(g & ea);
                    dx[ia + 1] = Float.intBitsToFloat(g & eb);
                    dx[ic] = Float.intBitsToFloat(g & ec);
                    dx[ic + 1] = Float.intBitsToFloat(g & ed);
                }
                if (2 * ow < w) {
                    Arrays.fill(dx, r0 + 2 * ow, r0 + w, 0f);
                    Arrays.fill(dx, r1 + 2 * ow, r1 + w, 0f);
                }
            }
            if (2 * oh < h) {
                Arrays.fill(dx, xo + 2 * oh * w, xo + h * w, 0f);
            }
        }
    }

    /**
     * Flat index of the window's maximum as PyTorch picks it ({@code v > max || isnan(v)} in row-major order): the
     * first of equal maxima, or the last NaN when the window holds any. The window is never empty.
     */
    private static int argMax(float[] x, int xo, int w, int h0, int h1, int w0, int w1) {
        int best = xo + h0 * w + w0;
        float m = x[best];
        for (int r = h0; r < h1; r++) {
            for (int q = w0; q < w1; q++) {
                int idx = xo + r * w + q;
                float v = x[idx];
                if (v > m || v != v) {
                    m = v;
                    best = idx;
                }
            }
        }
        return best;
    }

    /**
     * Flat index of the maximum of dilated max pooling's window {@code (i, j)}, over its taps
     * {@code i*s - p + t*d} inside the input, with {@link #argMax}'s rule; -1 when no tap falls inside the input
     * (the output is then -infinity and no element receives the gradient).
     */
    private static int dilatedArgMax(float[] x, int xo, int h, int w, Pool2d.Geometry p, int i, int j) {
        int kh = p.kernelH();
        int kw = p.kernelW();
        int dh = p.dilationH();
        int dw = p.dilationW();
        int hs = i * p.strideH() - p.paddingH();
        int ws = j * p.strideW() - p.paddingW();
        int best = -1;
        float m = Float.NEGATIVE_INFINITY;
        for (int a = 0; a < kh; a++) {
            int r = hs + a * dh;
            if (r < 0 || r >= h) {
                continue;
            }
            for (int b = 0; b < kw; b++) {
                int q = ws + b * dw;
                if (q < 0 || q >= w) {
                    continue;
                }
                int idx = xo + r * w + q;
                float v = x[idx];
                if (best < 0 || v > m || v != v) {
                    m = v;
                    best = idx;
                }
            }
        }
        return best;
    }
}
