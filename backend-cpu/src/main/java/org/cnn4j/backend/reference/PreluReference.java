package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ReferenceBackend.data;
import static org.cnn4j.backend.reference.ReferenceBackend.finish;

import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Prelu;

/**
 * Parametric ReLU ({@link Prelu}): {@code y = x > 0 ? x : weight[c] * x}, with one shared slope or one per channel
 * (axis 1). The tensor is walked as {@code [n, c, inner]}: n = dim 0, c = dim 1, inner = the product of the rest.
 */
final class PreluReference {
    private PreluReference() {
    }

    /** x, y: [n, c, inner...]; weight: [1] or [c]. */
    static void forward(Prelu.Forward o) {
        double[] x = data(o.x());
        double[] w = data(o.weight());
        double[] y = data(o.y());
        Layout l = layout(o.x().shape(), o.weight());
        for (int n = 0; n < l.n; n++) {
            for (int c = 0; c < l.c; c++) {
                double slope = w[l.shared ? 0 : c];
                for (int k = 0; k < l.inner; k++) {
                    int i = (n * l.c + c) * l.inner + k;
                    y[i] = x[i] > 0 ? x[i] : slope * x[i];
                }
            }
        }
        finish(o.y());
    }

    /** dx = dy * (x > 0 ? 1 : weight[c]); dWeight[c] = sum of x * dy where x <= 0 (overwritten). */
    static void backward(Prelu.Backward o) {
        double[] x = data(o.x());
        double[] w = data(o.weight());
        double[] dy = data(o.dy());
        Layout l = layout(o.x().shape(), o.weight());
        double[] dx = new double[x.length];
        double[] dw = new double[w.length];
        for (int n = 0; n < l.n; n++) {
            for (int c = 0; c < l.c; c++) {
                int s = l.shared ? 0 : c;
                for (int k = 0; k < l.inner; k++) {
                    int i = (n * l.c + c) * l.inner + k;
                    dx[i] = dy[i] * (x[i] > 0 ? 1 : w[s]);
                    dw[s] += x[i] > 0 ? 0 : x[i] * dy[i];
                }
            }
        }
        // computed aside: dx may share memory with dy
        System.arraycopy(dx, 0, data(o.dx()), 0, dx.length);
        System.arraycopy(dw, 0, data(o.dWeight()), 0, dw.length);
        finish(o.dx());
        finish(o.dWeight());
    }

    private record Layout(int n, int c, int inner, boolean shared) {
    }

    /** Rank 1 is one row of channels-less elements: [1, 1, size] with a shared slope. */
    private static Layout layout(Shape x, Tensor weight) {
        boolean shared = weight.size() == 1;
        if (x.rank() == 1) {
            return new Layout(1, 1, x.size(), shared);
        }
        return new Layout(x.dim(0), x.dim(1), x.strideOf(1), shared);
    }
}
