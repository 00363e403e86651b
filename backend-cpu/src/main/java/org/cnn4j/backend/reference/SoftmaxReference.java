package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ReferenceBackend.data;
import static org.cnn4j.backend.reference.ReferenceBackend.finish;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.Softmax;

/**
 * Softmax and log-softmax over axis 1 ({@link Softmax}). A tensor [N, C, ...] is walked as [n, c, inner] with
 * inner = the product of the axes after 1; each (n, k) is one distribution over c, at stride inner.
 */
final class SoftmaxReference {
    private SoftmaxReference() {
    }

    /** x, y: [N, C, inner...]; y over c at each (n, k), the maximum subtracted first. */
    static void forward(Softmax.Forward o) {
        double[] x = data(o.x());
        Shape s = o.x().shape();
        int nn = s.dim(0);
        int cc = s.dim(1);
        int inner = s.strideOf(1);
        double[] y = new double[x.length];
        for (int n = 0; n < nn; n++) {
            for (int k = 0; k < inner; k++) {
                int base = n * cc * inner + k;
                // Math.max carries a NaN through, so a NaN anywhere in the row makes the row NaN
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < cc; c++) {
                    max = Math.max(max, x[base + c * inner]);
                }
                double sum = 0;
                for (int c = 0; c < cc; c++) {
                    sum += Math.exp(x[base + c * inner] - max);
                }
                double logSum = Math.log(sum);
                for (int c = 0; c < cc; c++) {
                    int i = base + c * inner;
                    y[i] = o.softmax().log() ? x[i] - max - logSum : Math.exp(x[i] - max) / sum;
                }
            }
        }
        System.arraycopy(y, 0, data(o.y()), 0, y.length);
        finish(o.y());
    }

    /**
     * softmax:     dx_i = y_i * (dy_i - sum_j dy_j * y_j)
     * log-softmax: dx_i = dy_i - exp(y_i) * sum_j dy_j
     */
    static void backward(Softmax.Backward o) {
        double[] y = data(o.y());
        double[] dy = data(o.dy());
        Shape s = o.y().shape();
        int nn = s.dim(0);
        int cc = s.dim(1);
        int inner = s.strideOf(1);
        boolean log = o.softmax().log();
        double[] dx = new double[y.length];
        for (int n = 0; n < nn; n++) {
            for (int k = 0; k < inner; k++) {
                int base = n * cc * inner + k;
                double sum = 0;
                for (int c = 0; c < cc; c++) {
                    int i = base + c * inner;
                    sum += log ? dy[i] : dy[i] * y[i];
                }
                for (int c = 0; c < cc; c++) {
                    int i = base + c * inner;
                    dx[i] = log ? dy[i] - Math.exp(y[i]) * sum : y[i] * (dy[i] - sum);
                }
            }
        }
        System.arraycopy(dx, 0, data(o.dx()), 0, dx.length);
        finish(o.dx());
    }
}
