package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ReferenceBackend.data;
import static org.cnn4j.backend.reference.ReferenceBackend.finish;

import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.BatchNorm;

/**
 * Batch normalization per channel (axis 1) of {@code [N, C]} or {@code [N, C, H, W]}, as PyTorch's
 * {@code BatchNorm1d/2d}. Both layouts are {@code [N, C, S]} with {@code S = H*W} (1 for {@code [N, C]}), and
 * every statistic of channel c runs over its {@code m = N*S} values:
 *
 * <pre>
 *   mean = sum(x) / m,  var = sum((x - mean)^2) / m,  invStd = 1 / sqrt(var + epsilon),  xhat = (x - mean) * invStd
 *   y = gamma * xhat + beta
 *   dBeta = sum(dy),  dGamma = sum(dy * xhat),  dx = gamma * invStd / m * (m*dy - dBeta - xhat * dGamma)
 * </pre>
 */
final class BatchNormReference {
    private BatchNormReference() {
    }

    static void forwardTraining(BatchNorm.ForwardTraining o) {
        Layout l = new Layout(o.x());
        double[] x = data(o.x());
        double[] gamma = data(o.gamma());
        double[] beta = data(o.beta());
        double[] runMean = data(o.runningMean());
        double[] runVar = data(o.runningVar());
        double[] y = data(o.y());
        double[] savedMean = data(o.savedMean());
        double[] savedInvStd = data(o.savedInvStd());
        double momentum = o.bn().momentum();
        for (int c = 0; c < l.c; c++) {
            // batch statistics in two passes: the mean, then the biased variance around it
            double sum = 0;
            for (int n = 0; n < l.n; n++) {
                for (int s = 0; s < l.s; s++) {
                    sum += x[l.index(n, c, s)];
                }
            }
            double mean = sum / l.m;
            double sq = 0;
            for (int n = 0; n < l.n; n++) {
                for (int s = 0; s < l.s; s++) {
                    double d = x[l.index(n, c, s)] - mean;
                    sq += d * d;
                }
            }
            double var = sq / l.m;
            double invStd = 1 / Math.sqrt(var + o.bn().epsilon());
            // y = gamma * xhat + beta, normalised with the biased variance
            for (int n = 0; n < l.n; n++) {
                for (int s = 0; s < l.s; s++) {
                    int i = l.index(n, c, s);
                    y[i] = gamma[c] * (x[i] - mean) * invStd + beta[c];
                }
            }
            savedMean[c] = mean;
            savedInvStd[c] = invStd;
            // running averages in place; the variance enters unbiased, var * m / (m - 1)
            runMean[c] = (1 - momentum) * runMean[c] + momentum * mean;
            runVar[c] = (1 - momentum) * runVar[c] + momentum * var * l.m / (l.m - 1);
        }
        finish(o.y());
        finish(o.savedMean());
        finish(o.savedInvStd());
        finish(o.runningMean());
        finish(o.runningVar());
    }

    static void forwardInference(BatchNorm.ForwardInference o) {
        Layout l = new Layout(o.x());
        double[] x = data(o.x());
        double[] gamma = data(o.gamma());
        double[] beta = data(o.beta());
        double[] runMean = data(o.runningMean());
        double[] runVar = data(o.runningVar());
        double[] y = data(o.y());
        // y = gamma * (x - runningMean) / sqrt(runningVar + epsilon) + beta
        for (int c = 0; c < l.c; c++) {
            double invStd = 1 / Math.sqrt(runVar[c] + o.bn().epsilon());
            for (int n = 0; n < l.n; n++) {
                for (int s = 0; s < l.s; s++) {
                    int i = l.index(n, c, s);
                    y[i] = gamma[c] * (x[i] - runMean[c]) * invStd + beta[c];
                }
            }
        }
        finish(o.y());
    }

    static void backward(BatchNorm.Backward o) {
        Layout l = new Layout(o.x());
        double[] x = data(o.x());
        double[] dy = data(o.dy());
        double[] gamma = data(o.gamma());
        double[] savedMean = data(o.savedMean());
        double[] savedInvStd = data(o.savedInvStd());
        double[] dx = data(o.dx());
        double[] dGamma = data(o.dGamma());
        double[] dBeta = data(o.dBeta());
        for (int c = 0; c < l.c; c++) {
            // xhat is recomputed from x and the statistics the training forward saved
            double mean = savedMean[c];
            double invStd = savedInvStd[c];
            // the two reductions over the channel: sum(dy) and sum(dy * xhat)
            double sumDy = 0;
            double sumDyXhat = 0;
            for (int n = 0; n < l.n; n++) {
                for (int s = 0; s < l.s; s++) {
                    int i = l.index(n, c, s);
                    sumDy += dy[i];
                    sumDyXhat += dy[i] * (x[i] - mean) * invStd;
                }
            }
            // dx = gamma * invStd / m * (m*dy - sum(dy) - xhat * sum(dy * xhat)), through mean and var as well
            double scale = gamma[c] * invStd / l.m;
            for (int n = 0; n < l.n; n++) {
                for (int s = 0; s < l.s; s++) {
                    int i = l.index(n, c, s);
                    double xhat = (x[i] - mean) * invStd;
                    dx[i] = scale * (l.m * dy[i] - sumDy - xhat * sumDyXhat);
                }
            }
            dGamma[c] = sumDyXhat;
            dBeta[c] = sumDy;
        }
        finish(o.dx());
        finish(o.dGamma());
        finish(o.dBeta());
    }

    /**
     * The inference-mode backward: the running statistics are constants, so {@code dx = dy * gamma * invStd},
     * {@code dGamma = sum(dy * (x - runningMean) * invStd)}, {@code dBeta = sum(dy)}, with
     * {@code invStd = 1 / sqrt(runningVar + epsilon)}.
     */
    static void backwardInference(BatchNorm.BackwardInference o) {
        Layout l = new Layout(o.x());
        double[] x = data(o.x());
        double[] dy = data(o.dy());
        double[] gamma = data(o.gamma());
        double[] runMean = data(o.runningMean());
        double[] runVar = data(o.runningVar());
        double[] dx = data(o.dx());
        double[] dGamma = data(o.dGamma());
        double[] dBeta = data(o.dBeta());
        for (int c = 0; c < l.c; c++) {
            double invStd = 1 / Math.sqrt(runVar[c] + o.bn().epsilon());
            double sumDy = 0;
            double sumDyXhat = 0;
            for (int n = 0; n < l.n; n++) {
                for (int s = 0; s < l.s; s++) {
                    int i = l.index(n, c, s);
                    sumDy += dy[i];
                    sumDyXhat += dy[i] * (x[i] - runMean[c]) * invStd;
                    dx[i] = dy[i] * gamma[c] * invStd;
                }
            }
            dGamma[c] = sumDyXhat;
            dBeta[c] = sumDy;
        }
        finish(o.dx());
        finish(o.dGamma());
        finish(o.dBeta());
    }

    /** {@code [N, C]} or {@code [N, C, H, W]} seen as {@code [N, C, S]}; {@code m = N*S} values per channel. */
    private static final class Layout {
        final int n, c, s, m;

        Layout(Tensor x) {
            Shape shape = x.shape();
            n = shape.dim(0);
            c = shape.dim(1);
            s = shape.size() / (n * c);
            m = n * s;
        }

        int index(int n, int c, int s) {
            return (n * this.c + c) * this.s + s;
        }
    }
}
