package org.cnn4j.backend.cpu;

import static org.cnn4j.backend.cpu.CpuBackend.data;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.BatchNorm;

/**
 * Batch normalization over channel axis 1 of [N, C] or [N, C, H, W]: channels spread over the workers, statistics
 * and gradient sums in double over four accumulators (two passes for the variance), the normalization one fused
 * pass.
 */
final class BatchNormCpu {
    private BatchNormCpu() {
    }

    /** Elements after the channel axis (H*W, or 1). */
    private static int inner(Shape s) {
        return s.rank() == 4 ? s.dim(2) * s.dim(3) : 1;
    }

    static void forwardTraining(CpuBackend be, BatchNorm.ForwardTraining o) {
        Shape s = o.x().shape();
        int nn = s.dim(0);
        int cc = s.dim(1);
        int in = inner(s);
        long m = (long) nn * in;
        float[] x = data(o.x());
        float[] y = data(o.y());
        float[] gamma = data(o.gamma());
        float[] beta = data(o.beta());
        float[] rm = data(o.runningMean());
        float[] rv = data(o.runningVar());
        float[] sm = data(o.savedMean());
        float[] si = data(o.savedInvStd());
        double eps = o.bn().epsilon();
        double mom = o.bn().momentum();
        boolean vector = be.config().vector();
        be.parallelFor(cc, 4 * m, (from, to) -> {
            for (int c = from; c < to; c++) {
                double sum = 0;
                for (int n = 0; n < nn; n++) {
                    sum += Reductions.sum(vector, x, (n * cc + c) * in, in);
                }
                double mean = sum / m;
                double sq = 0;
                for (int n = 0; n < nn; n++) {
                    sq += Reductions.sumSquaredDeviation(vector, x, (n * cc + c) * in, in, mean);
                }
                double var = sq / m;
                double invStd = 1.0 / Math.sqrt(var + eps);
                // the mean as a float pair: x - mu is exact for x near the mean, so a channel whose mean is
                // large against its spread (1000 +- 0.05) keeps its precision; (float) mean alone is off by half
                // an ulp of the mean, which invStd magnifies
                float mu = (float) mean;
                float muLo = (float) (mean - mu);
                float scale = (float) (gamma[c] * invStd);
                float shift = beta[c];
                for (int n = 0; n < nn; n++) {
                    int off = (n * cc + c) * in;
                    for (int i = 0; i < in; i++) {
                        y[off + i] = ((x[off + i] - mu) - muLo) * scale + shift;
                    }
                }
                rm[c] = (float) ((1 - mom) * rm[c] + mom * mean);
                rv[c] = (float) ((1 - mom) * rv[c] + mom * var * m / (m - 1));
                sm[c] = (float) mean;
                si[c] = (float) invStd;
            }
        });
    }

    static void forwardInference(CpuBackend be, BatchNorm.ForwardInference o) {
        Shape s = o.x().shape();
        int nn = s.dim(0);
        int cc = s.dim(1);
        int in = inner(s);
        float[] x = data(o.x());
        float[] y = data(o.y());
        float[] gamma = data(o.gamma());
        float[] beta = data(o.beta());
        float[] rm = data(o.runningMean());
        float[] rv = data(o.runningVar());
        double eps = o.bn().epsilon();
        be.parallelFor(nn * cc, in, (from, to) -> {
            for (int plane = from; plane < to; plane++) {
                int c = plane % cc;
                double invStd = 1.0 / Math.sqrt(rv[c] + eps);
                float mu = rm[c];
                float scale = (float) (gamma[c] * invStd);
                float shift = beta[c];
                int off = plane * in;
                for (int i = 0; i < in; i++) {
                    y[off + i] = (x[off + i] - mu) * scale + shift;
                }
            }
        });
    }

    /**
     * With xhat = (x - mean) * invStd: dBeta = sum dy, dGamma = sum dy * xhat,
     * dx = gamma * invStd * (dy - dBeta / m - xhat * dGamma / m).
     */
    static void backward(CpuBackend be, BatchNorm.Backward o) {
        Shape s = o.x().shape();
        int nn = s.dim(0);
        int cc = s.dim(1);
        int in = inner(s);
        long m = (long) nn * in;
        float[] x = data(o.x());
        float[] dy = data(o.dy());
        float[] gamma = data(o.gamma());
        float[] sm = data(o.savedMean());
        float[] si = data(o.savedInvStd());
        float[] dx = data(o.dx());
        float[] dg = data(o.dGamma());
        float[] db = data(o.dBeta());
        boolean vector = be.config().vector();
        be.parallelFor(cc, 4 * m, (from, to) -> {
            for (int c = from; c < to; c++) {
                double mean = sm[c];
                double invStd = si[c];
                double sumDy = 0;
                double sumDyXhat = 0;
                for (int n = 0; n < nn; n++) {
                    int off = (n * cc + c) * in;
                    sumDy += Reductions.sum(vector, dy, off, in);
                    sumDyXhat += Reductions.sumProductDeviation(vector, dy, x, off, in, mean);
                }
                sumDyXhat *= invStd;
                double k = gamma[c] * invStd;
                // dx = k * dy - k * sumDy / m - k * sumDyXhat / m * invStd * (x - mean)
                float a = (float) k;
                float b = (float) (-k * sumDy / m);
                float cx = (float) (-k * sumDyXhat / m * invStd);
                float mu = (float) mean;
                for (int n = 0; n < nn; n++) {
                    int off = (n * cc + c) * in;
                    for (int i = 0; i < in; i++) {
                        dx[off + i] = a * dy[off + i] + cx * (x[off + i] - mu) + b;
                    }
                }
                dg[c] = (float) sumDyXhat;
                db[c] = (float) sumDy;
            }
        });
    }

    /**
     * The inference-mode backward, with the running statistics as constants and invStd = 1 / sqrt(runningVar +
     * epsilon): dBeta = sum dy, dGamma = invStd * sum dy * (x - runningMean), dx = gamma * invStd * dy.
     */
    static void backwardInference(CpuBackend be, BatchNorm.BackwardInference o) {
        Shape s = o.x().shape();
        int nn = s.dim(0);
        int cc = s.dim(1);
        int in = inner(s);
        long m = (long) nn * in;
        float[] x = data(o.x());
        float[] dy = data(o.dy());
        float[] gamma = data(o.gamma());
        float[] rm = data(o.runningMean());
        float[] rv = data(o.runningVar());
        float[] dx = data(o.dx());
        float[] dg = data(o.dGamma());
        float[] db = data(o.dBeta());
        double eps = o.bn().epsilon();
        boolean vector = be.config().vector();
        be.parallelFor(cc, 3 * m, (from, to) -> {
            for (int c = from; c < to; c++) {
                double mean = rm[c];
                double invStd = 1 / Math.sqrt(rv[c] + eps);
                double sumDy = 0;
                double sumDyXc = 0;
                for (int n = 0; n < nn; n++) {
                    int off = (n * cc + c) * in;
                    sumDy += Reductions.sum(vector, dy, off, in);
                    sumDyXc += Reductions.sumProductDeviation(vector, dy, x, off, in, mean);
                }
                float k = (float) (gamma[c] * invStd);
                for (int n = 0; n < nn; n++) {
                    int off = (n * cc + c) * in;
                    for (int i = 0; i < in; i++) {
                        dx[off + i] = k * dy[off + i];
                    }
                }
                dg[c] = (float) (sumDyXc * invStd);
                db[c] = (float) sumDy;
            }
        });
    }
}
