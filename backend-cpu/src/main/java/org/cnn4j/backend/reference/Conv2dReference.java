package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ReferenceBackend.data;
import static org.cnn4j.backend.reference.ReferenceBackend.finish;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.Conv2d;

/**
 * 2-D convolution (cross-correlation) over NCHW, written from the formula of {@link Conv2d}:
 *
 * <pre>
 *   y[n,k,oh,ow] = bias[k] + sum_{c', i, j} x[n, g*CG + c', oh*sh - ph + i*dh, ow*sw - pw + j*dw] * w[k, c', i, j]
 *   g = k / KG (the group of output channel k), CG = C / groups, KG = K / groups, padding reads as zero
 *   (a zero that is multiplied: a NaN or infinite weight on a tap in the padding makes the output NaN, as IEEE
 *   arithmetic on the zero-padded input gives, and as im2col and PyTorch's CPU convolution do)
 * </pre>
 * The two backward passes walk the same index map in the other directions. {@code backwardData} is its
 * transpose: every {@code dy} element is scattered back along the taps that produced it, which is the full
 * convolution of {@code dy} with the kernel rotated by 180 degrees. {@code backwardFilter} correlates {@code x}
 * with {@code dy} over the batch and the output positions.
 */
final class Conv2dReference {
    private Conv2dReference() {
    }

    static void forward(Conv2d.Forward o) {
        Geometry g = new Geometry(o.conv(), o.x().shape(), o.weight().shape(), o.y().shape());
        double[] x = data(o.x());
        double[] w = data(o.weight());
        double[] bias = o.bias() == null ? null : data(o.bias());
        double[] y = data(o.y());
        // x [N, C, H, W], w [K, CG, KH, KW], y [N, K, OH, OW]
        for (int n = 0; n < g.n; n++) {
            for (int k = 0; k < g.k; k++) {
                // output channel k reads the CG input channels of its group, from c0 on
                int c0 = (k / g.kg) * g.cg;
                for (int oh = 0; oh < g.oh; oh++) {
                    for (int ow = 0; ow < g.ow; ow++) {
                        double s = bias == null ? 0 : bias[k];
                        for (int c = 0; c < g.cg; c++) {
                            for (int i = 0; i < g.kh; i++) {
                                // input row under kernel row i; the padding is zeros, multiplied like any
                                // input (0 * NaN or 0 * inf in the weight is NaN, as im2col and PyTorch give)
                                int h = oh * g.sh - g.ph + i * g.dh;
                                boolean rowIn = h >= 0 && h < g.h;
                                for (int j = 0; j < g.kw; j++) {
                                    int wi = ow * g.sw - g.pw + j * g.dw;
                                    double xv = rowIn && wi >= 0 && wi < g.w ? x[g.xIndex(n, c0 + c, h, wi)] : 0.0;
                                    s += xv * w[g.wIndex(k, c, i, j)];
                                }
                            }
                        }
                        y[g.yIndex(n, k, oh, ow)] = s;
                    }
                }
            }
        }
        finish(o.y());
    }

    static void backwardData(Conv2d.BackwardData o) {
        Geometry g = new Geometry(o.conv(), o.dx().shape(), o.weight().shape(), o.dy().shape());
        double[] dy = data(o.dy());
        double[] w = data(o.weight());
        // dx [N, C, H, W] += dy[n,k,oh,ow] * w[k,c',i,j] at every tap the forward read; overlapping taps add up,
        // so the sums run in a fresh array that is copied over dx at the end.
        double[] dx = new double[o.dx().size()];
        for (int n = 0; n < g.n; n++) {
            for (int k = 0; k < g.k; k++) {
                int c0 = (k / g.kg) * g.cg;
                for (int oh = 0; oh < g.oh; oh++) {
                    for (int ow = 0; ow < g.ow; ow++) {
                        // the forward's loop nest, with the product sent back instead of summed in
                        double d = dy[g.yIndex(n, k, oh, ow)];
                        for (int c = 0; c < g.cg; c++) {
                            for (int i = 0; i < g.kh; i++) {
                                int h = oh * g.sh - g.ph + i * g.dh;
                                if (h < 0 || h >= g.h) {
                                    continue;
                                }
                                for (int j = 0; j < g.kw; j++) {
                                    int wi = ow * g.sw - g.pw + j * g.dw;
                                    if (wi < 0 || wi >= g.w) {
                                        continue;
                                    }
                                    dx[g.xIndex(n, c0 + c, h, wi)] += d * w[g.wIndex(k, c, i, j)];
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

    static void backwardFilter(Conv2d.BackwardFilter o) {
        Geometry g = new Geometry(o.conv(), o.x().shape(), o.dWeight().shape(), o.dy().shape());
        double[] x = data(o.x());
        double[] dy = data(o.dy());
        double[] dw = data(o.dWeight());
        // dw[k,c',i,j] = sum_{n, oh, ow} dy[n,k,oh,ow] * x[n, g*CG + c', oh*sh - ph + i*dh, ow*sw - pw + j*dw]
        for (int k = 0; k < g.k; k++) {
            int c0 = (k / g.kg) * g.cg;
            for (int c = 0; c < g.cg; c++) {
                for (int i = 0; i < g.kh; i++) {
                    for (int j = 0; j < g.kw; j++) {
                        double s = 0;
                        // every output position; where tap (i, j) met the padding it read a zero (so a NaN
                        // or infinite dy there makes the sum NaN, as im2col and PyTorch give)
                        for (int n = 0; n < g.n; n++) {
                            for (int oh = 0; oh < g.oh; oh++) {
                                int h = oh * g.sh - g.ph + i * g.dh;
                                boolean rowIn = h >= 0 && h < g.h;
                                for (int ow = 0; ow < g.ow; ow++) {
                                    int wi = ow * g.sw - g.pw + j * g.dw;
                                    double xv = rowIn && wi >= 0 && wi < g.w ? x[g.xIndex(n, c0 + c, h, wi)] : 0.0;
                                    s += dy[g.yIndex(n, k, oh, ow)] * xv;
                                }
                            }
                        }
                        dw[g.wIndex(k, c, i, j)] = s;
                    }
                }
            }
        }
        finish(o.dWeight());
        if (o.dBias() != null) {
            // dBias[k] = sum_{n, oh, ow} dy[n,k,oh,ow]
            double[] db = data(o.dBias());
            for (int k = 0; k < g.k; k++) {
                double s = 0;
                for (int n = 0; n < g.n; n++) {
                    for (int oh = 0; oh < g.oh; oh++) {
                        for (int ow = 0; ow < g.ow; ow++) {
                            s += dy[g.yIndex(n, k, oh, ow)];
                        }
                    }
                }
                db[k] = s;
            }
            finish(o.dBias());
        }
    }

    /** The sizes of one convolution, named as in the formula, and the row-major offsets of its three tensors. */
    private static final class Geometry {
        final int n, c, h, w;
        final int k, cg, kg, kh, kw;
        final int oh, ow;
        final int sh, sw, ph, pw, dh, dw;

        Geometry(Conv2d conv, Shape x, Shape weight, Shape y) {
            n = x.dim(0);
            c = x.dim(1);
            h = x.dim(2);
            w = x.dim(3);
            k = weight.dim(0);
            cg = weight.dim(1);
            kg = k / conv.groups();
            kh = weight.dim(2);
            kw = weight.dim(3);
            oh = y.dim(2);
            ow = y.dim(3);
            sh = conv.stride().h();
            sw = conv.stride().w();
            ph = conv.padding().h();
            pw = conv.padding().w();
            dh = conv.dilation().h();
            dw = conv.dilation().w();
        }

        // x [N, C, H, W], weight [K, CG, KH, KW], y [N, K, OH, OW], all row-major
        int xIndex(int n, int c, int h, int w) {
            return ((n * this.c + c) * this.h + h) * this.w + w;
        }

        int wIndex(int k, int c, int i, int j) {
            return ((k * cg + c) * kh + i) * kw + j;
        }

        int yIndex(int n, int k, int oh, int ow) {
            return ((n * this.k + k) * this.oh + oh) * this.ow + ow;
        }
    }
}
