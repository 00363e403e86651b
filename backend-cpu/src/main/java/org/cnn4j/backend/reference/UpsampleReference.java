package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ReferenceBackend.data;
import static org.cnn4j.backend.reference.ReferenceBackend.finish;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.Upsample;

/**
 * Nearest-neighbour upsampling ({@link Upsample}): every output cell copies the input cell
 * {@code (src(oh), src(ow))} of its plane ({@link Upsample#sourceIndex}, PyTorch's {@code nearest_idx}); the
 * backward scatters each output cell's gradient back onto that input cell, summed in double.
 */
final class UpsampleReference {
    private UpsampleReference() {
    }

    /** x [N, C, H, W], y [N, C, OH, OW]. */
    static void forward(Upsample.Forward o) {
        double[] x = data(o.x());
        double[] y = data(o.y());
        Shape xs = o.x().shape();
        Shape ys = o.y().shape();
        int h = xs.dim(2);
        int w = xs.dim(3);
        int oh = ys.dim(2);
        int ow = ys.dim(3);
        float sh = o.up().indexScaleH(h, oh);
        float sw = o.up().indexScaleW(w, ow);
        for (int plane = 0; plane < xs.dim(0) * xs.dim(1); plane++) {
            for (int i = 0; i < oh; i++) {
                int si = Upsample.sourceIndex(i, h, oh, sh);
                for (int j = 0; j < ow; j++) {
                    int sj = Upsample.sourceIndex(j, w, ow, sw);
                    y[(plane * oh + i) * ow + j] = x[(plane * h + si) * w + sj];
                }
            }
        }
        finish(o.y());
    }

    /** dx[n, c, h, w] = sum of dy over the output cells that copied (h, w); overwritten. */
    static void backward(Upsample.Backward o) {
        double[] dy = data(o.dy());
        Shape xs = o.dx().shape();
        Shape ys = o.dy().shape();
        int h = xs.dim(2);
        int w = xs.dim(3);
        int oh = ys.dim(2);
        int ow = ys.dim(3);
        float sh = o.up().indexScaleH(h, oh);
        float sw = o.up().indexScaleW(w, ow);
        double[] dx = new double[xs.size()];
        for (int plane = 0; plane < xs.dim(0) * xs.dim(1); plane++) {
            for (int i = 0; i < oh; i++) {
                int si = Upsample.sourceIndex(i, h, oh, sh);
                for (int j = 0; j < ow; j++) {
                    int sj = Upsample.sourceIndex(j, w, ow, sw);
                    dx[(plane * h + si) * w + sj] += dy[(plane * oh + i) * ow + j];
                }
            }
        }
        System.arraycopy(dx, 0, data(o.dx()), 0, dx.length);
        finish(o.dx());
    }
}
