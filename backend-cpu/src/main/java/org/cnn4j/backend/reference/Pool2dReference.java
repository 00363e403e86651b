package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ReferenceBackend.data;
import static org.cnn4j.backend.reference.ReferenceBackend.finish;

import org.cnn4j.ops.Pool2d;

/**
 * 2-D max and average pooling over NCHW, with PyTorch's window rules ({@code max_pool2d}, {@code avg_pool2d}).
 * Along each axis, output position {@code o} covers input positions
 *
 * <pre>
 *   start = o*s - p,  end = min(start + k, H + p)     (the window in the padded input)
 *   then clipped to the real input: [max(start, 0), min(end, H))
 * </pre>
 * Max pooling looks only at the window's taps inside the input (padding is -infinity), the taps of output
 * {@code o} being {@code o*s - p + i*d} for {@code i} in {@code [0, k)} (with dilation 1, the clipped window); a
 * NaN is the maximum, and the maximum that counts is the first in row-major window order. Average pooling sums the clipped window and divides by
 * {@code (end - start)} per axis before clipping when {@code countIncludePad}, by the clipped size otherwise.
 */
final class Pool2dReference {
    private Pool2dReference() {
    }

    static void forward(Pool2d.Forward o) {
        Pool2d.Geometry p = o.geometry();
        double[] x = data(o.x());
        double[] y = data(o.y());
        // x [N, C, H, W], y [N, C, OH, OW]; each (n, c) plane is pooled on its own
        int planes = p.planes();
        int h = p.inH(), w = p.inW();
        int oh = p.outH(), ow = p.outW();
        for (int plane = 0; plane < planes; plane++) {
            int xBase = plane * h * w;
            for (int i = 0; i < oh; i++) {
                Window r = Window.of(i, p.kernelH(), p.strideH(), p.paddingH(), h);
                for (int j = 0; j < ow; j++) {
                    Window c = Window.of(j, p.kernelW(), p.strideW(), p.paddingW(), w);
                    int out = (plane * oh + i) * ow + j;
                    y[out] = switch (p.mode()) {
                        case MAX -> {
                            int at = argMax(x, xBase, h, w, p, i, j);
                            yield at < 0 ? Double.NEGATIVE_INFINITY : x[at];
                        }
                        case AVG -> sum(x, xBase, w, r, c) / divisor(p, r, c);
                    };
                }
            }
        }
        finish(o.y());
    }

    static void backward(Pool2d.Backward o) {
        Pool2d.Geometry p = o.geometry();
        double[] x = data(o.x());
        double[] dy = data(o.dy());
        int planes = p.planes();
        int h = p.inH(), w = p.inW();
        int oh = p.outH(), ow = p.outW();
        // dx [N, C, H, W]: overlapping windows add up, so the sums run in a fresh array copied over dx at the end
        double[] dx = new double[o.dx().size()];
        for (int plane = 0; plane < planes; plane++) {
            int xBase = plane * h * w;
            for (int i = 0; i < oh; i++) {
                Window r = Window.of(i, p.kernelH(), p.strideH(), p.paddingH(), h);
                for (int j = 0; j < ow; j++) {
                    Window c = Window.of(j, p.kernelW(), p.strideW(), p.paddingW(), w);
                    double d = dy[(plane * oh + i) * ow + j];
                    switch (p.mode()) {
                        // the whole gradient goes to the element the forward picked
                        case MAX -> {
                            int at = argMax(x, xBase, h, w, p, i, j);
                            if (at >= 0) {
                                dx[at] += d;
                            }
                        }
                        // every element of the clipped window gets an equal share
                        case AVG -> {
                            double share = d / divisor(p, r, c);
                            for (int u = r.lo; u < r.hi; u++) {
                                for (int v = c.lo; v < c.hi; v++) {
                                    dx[xBase + u * w + v] += share;
                                }
                            }
                        }
                    }
                }
            }
        }
        System.arraycopy(dx, 0, data(o.dx()), 0, dx.length);
        finish(o.dx());
    }

    /**
     * The offset in {@code x} of the window's maximum as PyTorch picks it ({@code val > max || isnan(val)} in
     * row-major order): the first of equal maxima, or the last NaN when the window holds any; -1 when no tap
     * of the window falls inside the input (possible only when dilated: the output is -infinity, as PyTorch's,
     * and no element receives its gradient).
     */
    private static int argMax(double[] x, int base, int h, int w, Pool2d.Geometry p, int i, int j) {
        int best = -1;
        for (int ki = 0; ki < p.kernelH(); ki++) {
            int u = i * p.strideH() - p.paddingH() + ki * p.dilationH();
            if (u < 0 || u >= h) {
                continue;
            }
            for (int kj = 0; kj < p.kernelW(); kj++) {
                int v = j * p.strideW() - p.paddingW() + kj * p.dilationW();
                if (v < 0 || v >= w) {
                    continue;
                }
                int at = base + u * w + v;
                if (best < 0 || x[at] > x[best] || Double.isNaN(x[at])) {
                    best = at;
                }
            }
        }
        return best;
    }

    private static double sum(double[] x, int base, int w, Window r, Window c) {
        double s = 0;
        for (int u = r.lo; u < r.hi; u++) {
            for (int v = c.lo; v < c.hi; v++) {
                s += x[base + u * w + v];
            }
        }
        return s;
    }

    /** PyTorch's {@code avg_pool2d} divisor: the padded window's area, or the count of real elements. */
    private static int divisor(Pool2d.Geometry p, Window r, Window c) {
        return p.countIncludePad() ? r.padded * c.padded : (r.hi - r.lo) * (c.hi - c.lo);
    }

    /**
     * One axis of one window: {@code [lo, hi)} in the real input, and {@code padded}, its length in the padded
     * input ({@code end - start} before clipping). The validated geometry (padding at most half the kernel, the
     * ceil-mode rule) makes every window hold at least one real element, dilated or not. Max pooling uses only
     * the window's taps ({@link #argMax}); average pooling, never dilated, its clipped range.
     */
    private record Window(int lo, int hi, int padded) {
        static Window of(int o, int k, int s, int p, int size) {
            int start = o * s - p;
            int end = Math.min(start + k, size + p);
            return new Window(Math.max(start, 0), Math.min(end, size), end - start);
        }
    }
}
