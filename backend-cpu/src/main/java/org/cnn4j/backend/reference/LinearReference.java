package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ReferenceBackend.data;
import static org.cnn4j.backend.reference.ReferenceBackend.finish;

import org.cnn4j.ops.Linear;

/**
 * Fully connected layer, PyTorch's {@code linear}, from the formulas of {@link Linear}:
 *
 * <pre>
 *   x [N, IN], weight [OUT, IN], bias [OUT], y [N, OUT]
 *   y[n,o] = bias[o] + sum_i x[n,i] * weight[o,i]
 *   dx[n,i] = sum_o dy[n,o] * weight[o,i],   dWeight[o,i] = sum_n dy[n,o] * x[n,i],   dBias[o] = sum_n dy[n,o]
 * </pre>
 */
final class LinearReference {
    private LinearReference() {
    }

    static void forward(Linear.Forward o) {
        int n = o.x().shape().dim(0);
        int in = o.x().shape().dim(1);
        int out = o.weight().shape().dim(0);
        double[] x = data(o.x());
        double[] w = data(o.weight());
        double[] bias = o.bias() == null ? null : data(o.bias());
        double[] y = data(o.y());
        for (int b = 0; b < n; b++) {
            for (int j = 0; j < out; j++) {
                double s = bias == null ? 0 : bias[j];
                for (int i = 0; i < in; i++) {
                    s += x[b * in + i] * w[j * in + i];
                }
                y[b * out + j] = s;
            }
        }
        finish(o.y());
    }

    static void backwardData(Linear.BackwardData o) {
        int n = o.dx().shape().dim(0);
        int in = o.dx().shape().dim(1);
        int out = o.weight().shape().dim(0);
        double[] dy = data(o.dy());
        double[] w = data(o.weight());
        double[] dx = data(o.dx());
        // dx [N, IN] = dy [N, OUT] * weight [OUT, IN]
        for (int b = 0; b < n; b++) {
            for (int i = 0; i < in; i++) {
                double s = 0;
                for (int j = 0; j < out; j++) {
                    s += dy[b * out + j] * w[j * in + i];
                }
                dx[b * in + i] = s;
            }
        }
        finish(o.dx());
    }

    static void backwardWeights(Linear.BackwardWeights o) {
        int n = o.x().shape().dim(0);
        int in = o.x().shape().dim(1);
        int out = o.dWeight().shape().dim(0);
        double[] x = data(o.x());
        double[] dy = data(o.dy());
        double[] dw = data(o.dWeight());
        // dWeight [OUT, IN] = dy^T [OUT, N] * x [N, IN]
        for (int j = 0; j < out; j++) {
            for (int i = 0; i < in; i++) {
                double s = 0;
                for (int b = 0; b < n; b++) {
                    s += dy[b * out + j] * x[b * in + i];
                }
                dw[j * in + i] = s;
            }
        }
        finish(o.dWeight());
        if (o.dBias() != null) {
            // dBias [OUT]: dy summed over the batch
            double[] db = data(o.dBias());
            for (int j = 0; j < out; j++) {
                double s = 0;
                for (int b = 0; b < n; b++) {
                    s += dy[b * out + j];
                }
                db[j] = s;
            }
            finish(o.dBias());
        }
    }
}
