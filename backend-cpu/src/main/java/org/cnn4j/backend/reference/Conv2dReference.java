package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ReferenceBackend.data;
import static org.cnn4j.backend.reference.ReferenceBackend.finish;

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
        Conv2d.Geometry g = o.geometry();
        double[] x = data(o.x());
        double[] w = data(o.weight());
        double[] bias = o.bias() == null ? null : data(o.bias());
        double[] y = data(o.y());
        // x [N, C, H, W], w [K, CG, KH, KW], y [N, K, OH, OW]
        for (int n = 0; n < g.batch(); n++) {
            for (int k = 0; k < g.outChannels(); k++) {
                // output channel k reads the CG input channels of its group, from c0 on
                int c0 = (k / g.outPerGroup()) * g.inPerGroup();
                for (int oh = 0; oh < g.outH(); oh++) {
                    for (int ow = 0; ow < g.outW(); ow++) {
                        double s = bias == null ? 0 : bias[k];
                        for (int c = 0; c < g.inPerGroup(); c++) {
                            for (int i = 0; i < g.kernelH(); i++) {
                                // input row under kernel row i; the padding is zeros, multiplied like any
                                // input (0 * NaN or 0 * inf in the weight is NaN, as im2col and PyTorch give)
                                int h = oh * g.strideH() - g.paddingH() + i * g.dilationH();
                                boolean rowIn = h >= 0 && h < g.inH();
                                for (int j = 0; j < g.kernelW(); j++) {
                                    int wi = ow * g.strideW() - g.paddingW() + j * g.dilationW();
                                    double xv = rowIn && wi >= 0 && wi < g.inW() ? x[xIndex(g, n, c0 + c, h, wi)] : 0.0;
                                    s += xv * w[wIndex(g, k, c, i, j)];
                                }
                            }
                        }
                        y[yIndex(g, n, k, oh, ow)] = s;
                    }
                }
            }
        }
        finish(o.y());
    }

    static void backwardData(Conv2d.BackwardData o) {
        Conv2d.Geometry g = o.geometry();
        double[] dy = data(o.dy());
        double[] w = data(o.weight());
        // dx [N, C, H, W] += dy[n,k,oh,ow] * w[k,c',i,j] at every tap the forward read; overlapping taps add up,
        // so the sums run in a fresh array that is copied over dx at the end.
        double[] dx = new double[o.dx().size()];
        for (int n = 0; n < g.batch(); n++) {
            for (int k = 0; k < g.outChannels(); k++) {
                int c0 = (k / g.outPerGroup()) * g.inPerGroup();
                for (int oh = 0; oh < g.outH(); oh++) {
                    for (int ow = 0; ow < g.outW(); ow++) {
                        // the forward's loop nest, with the product sent back instead of summed in
                        double d = dy[yIndex(g, n, k, oh, ow)];
                        for (int c = 0; c < g.inPerGroup(); c++) {
                            for (int i = 0; i < g.kernelH(); i++) {
                                int h = oh * g.strideH() - g.paddingH() + i * g.dilationH();
                                if (h < 0 || h >= g.inH()) {
                                    continue;
                                }
                                for (int j = 0; j < g.kernelW(); j++) {
                                    int wi = ow * g.strideW() - g.paddingW() + j * g.dilationW();
                                    if (wi < 0 || wi >= g.inW()) {
                                        continue;
                                    }
                                    dx[xIndex(g, n, c0 + c, h, wi)] += d * w[wIndex(g, k, c, i, j)];
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
        Conv2d.Geometry g = o.geometry();
        double[] x = data(o.x());
        double[] dy = data(o.dy());
        double[] dw = data(o.dWeight());
        // dw[k,c',i,j] = sum_{n, oh, ow} dy[n,k,oh,ow] * x[n, g*CG + c', oh*sh - ph + i*dh, ow*sw - pw + j*dw]
        for (int k = 0; k < g.outChannels(); k++) {
            int c0 = (k / g.outPerGroup()) * g.inPerGroup();
            for (int c = 0; c < g.inPerGroup(); c++) {
                for (int i = 0; i < g.kernelH(); i++) {
                    for (int j = 0; j < g.kernelW(); j++) {
                        double s = 0;
                        // every output position; where tap (i, j) met the padding it read a zero (so a NaN
                        // or infinite dy there makes the sum NaN, as im2col and PyTorch give)
                        for (int n = 0; n < g.batch(); n++) {
                            for (int oh = 0; oh < g.outH(); oh++) {
                                int h = oh * g.strideH() - g.paddingH() + i * g.dilationH();
                                boolean rowIn = h >= 0 && h < g.inH();
                                for (int ow = 0; ow < g.outW(); ow++) {
                                    int wi = ow * g.strideW() - g.paddingW() + j * g.dilationW();
                                    double xv = rowIn && wi >= 0 && wi < g.inW() ? x[xIndex(g, n, c0 + c, h, wi)] : 0.0;
                                    s += dy[yIndex(g, n, k, oh, ow)] * xv;
                                }
                            }
                        }
                        dw[wIndex(g, k, c, i, j)] = s;
                    }
                }
            }
        }
        finish(o.dWeight());
        if (o.dBias() != null) {
            // dBias[k] = sum_{n, oh, ow} dy[n,k,oh,ow]
            double[] db = data(o.dBias());
            for (int k = 0; k < g.outChannels(); k++) {
                double s = 0;
                for (int n = 0; n < g.batch(); n++) {
                    for (int oh = 0; oh < g.outH(); oh++) {
                        for (int ow = 0; ow < g.outW(); ow++) {
                            s += dy[yIndex(g, n, k, oh, ow)];
                        }
                    }
                }
                db[k] = s;
            }
            finish(o.dBias());
        }
    }

    // x [N, C, H, W], weight [K, CG, KH, KW], y [N, K, OH, OW], all row-major
    private static int xIndex(Conv2d.Geometry g, int n, int c, int h, int w) {
        return ((n * g.inChannels() + c) * g.inH() + h) * g.inW() + w;
    }

    private static int wIndex(Conv2d.Geometry g, int k, int c, int i, int j) {
        return ((k * g.inPerGroup() + c) * g.kernelH() + i) * g.kernelW() + j;
    }

    private static int yIndex(Conv2d.Geometry g, int n, int k, int oh, int ow) {
        return ((n * g.outChannels() + k) * g.outH() + oh) * g.outW() + ow;
    }
}
