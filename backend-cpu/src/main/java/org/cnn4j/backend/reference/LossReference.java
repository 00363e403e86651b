package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ReferenceBackend.data;
import static org.cnn4j.backend.reference.ReferenceBackend.finish;

import org.cnn4j.ops.Loss;

/**
 * Losses with mean reduction ({@link Loss}) and their gradients. Softmax cross-entropy and hinge see the input as
 * rows [N, C]; MSE and MAE average over every element.
 */
final class LossReference {
    private LossReference() {
    }

    /** loss: a scalar. */
    static void forward(Loss.Forward o) {
        double[] x = data(o.input());
        double[] t = data(o.target());
        double loss = switch (o.fn().kind()) {
            case SOFTMAX_CROSS_ENTROPY -> crossEntropy(x, t, o.input().shape().dim(0), o.input().shape().dim(1));
            case MSE -> {
                double sum = 0;
                for (int i = 0; i < x.length; i++) {
                    sum += (x[i] - t[i]) * (x[i] - t[i]);
                }
                yield sum / x.length;
            }
            case MAE -> {
                double sum = 0;
                for (int i = 0; i < x.length; i++) {
                    sum += Math.abs(x[i] - t[i]);
                }
                yield sum / x.length;
            }
            case HINGE -> hinge(x, t, o.fn().margin(), o.input().shape().dim(0), o.input().shape().dim(1));
        };
        data(o.loss())[0] = loss;
        finish(o.loss());
    }

    /** dInput = dloss/dinput, same shape as input. */
    static void backward(Loss.Backward o) {
        double[] x = data(o.input());
        double[] t = data(o.target());
        int size = x.length;
        // computed aside: dInput may share memory with input or target
        double[] d = new double[size];
        switch (o.fn().kind()) {
            case SOFTMAX_CROSS_ENTROPY ->
                    crossEntropyBackward(x, t, d, o.input().shape().dim(0), o.input().shape().dim(1));
            case MSE -> {
                for (int i = 0; i < size; i++) {
                    d[i] = 2 * (x[i] - t[i]) / size;
                }
            }
            case MAE -> {
                // signum(0) = 0: no gradient where input equals target, as PyTorch
                for (int i = 0; i < size; i++) {
                    d[i] = Math.signum(x[i] - t[i]) / size;
                }
            }
            case HINGE -> hingeBackward(x, t, d, o.fn().margin(), o.input().shape().dim(0),
                    o.input().shape().dim(1));
        }
        System.arraycopy(d, 0, data(o.dInput()), 0, size);
        finish(o.dInput());
    }

    /** log(sum_c exp(x[n, c])) of row n, with the row maximum subtracted first so no exp overflows. */
    private static double logSumExp(double[] x, int n, int cc) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < cc; c++) {
            max = Math.max(max, x[n * cc + c]);
        }
        double sum = 0;
        for (int c = 0; c < cc; c++) {
            sum += Math.exp(x[n * cc + c] - max);
        }
        return max + Math.log(sum);
    }

    /** -1/N sum_n sum_c t[n,c] * (x[n,c] - lse_n); x, t: [N, C]. */
    private static double crossEntropy(double[] x, double[] t, int nn, int cc) {
        double loss = 0;
        for (int n = 0; n < nn; n++) {
            double lse = logSumExp(x, n, cc);
            for (int c = 0; c < cc; c++) {
                int i = n * cc + c;
                // x - lse is finite for finite logits, so a zero target contributes exactly 0
                loss -= t[i] * (x[i] - lse);
            }
        }
        return loss / nn;
    }

    /** d[n,c] = (softmax(x[n])[c] * sum_c t[n,c] - t[n,c]) / N. */
    private static void crossEntropyBackward(double[] x, double[] t, double[] d, int nn, int cc) {
        for (int n = 0; n < nn; n++) {
            double lse = logSumExp(x, n, cc);
            double targetSum = 0;
            for (int c = 0; c < cc; c++) {
                targetSum += t[n * cc + c];
            }
            for (int c = 0; c < cc; c++) {
                int i = n * cc + c;
                d[i] = (Math.exp(x[i] - lse) * targetSum - t[i]) / nn;
            }
        }
    }

    /** y_n = sum_c t[n,c] * x[n,c], the score of row n's class. */
    private static double targetScore(double[] x, double[] t, int n, int cc) {
        double y = 0;
        for (int c = 0; c < cc; c++) {
            y += t[n * cc + c] * x[n * cc + c];
        }
        return y;
    }

    /** 1/N sum_n 1/C sum_{c: t[n,c] == 0} max(0, margin - y_n + x[n,c]); x, t: [N, C]. */
    private static double hinge(double[] x, double[] t, double margin, int nn, int cc) {
        double loss = 0;
        for (int n = 0; n < nn; n++) {
            double y = targetScore(x, t, n, cc);
            for (int c = 0; c < cc; c++) {
                int i = n * cc + c;
                if (t[i] == 0) {
                    loss += Math.max(0, margin - y + x[i]);
                }
            }
        }
        return loss / ((double) nn * cc);
    }

    /**
     * Each active term (t[n,c] == 0 and margin - y_n + x[n,c] > 0) adds 1/(NC) to d[n,c] and, through y_n,
     * -t[n,c'] / (NC) to every d[n,c']. At exactly 0 the term counts as inactive, as PyTorch.
     */
    private static void hingeBackward(double[] x, double[] t, double[] d, double margin, int nn, int cc) {
        double unit = 1.0 / ((double) nn * cc);
        for (int n = 0; n < nn; n++) {
            double y = targetScore(x, t, n, cc);
            int active = 0;
            for (int c = 0; c < cc; c++) {
                int i = n * cc + c;
                boolean on = t[i] == 0 && margin - y + x[i] > 0;
                d[i] = on ? unit : 0;
                active += on ? 1 : 0;
            }
            for (int c = 0; c < cc; c++) {
                d[n * cc + c] -= t[n * cc + c] * active * unit;
            }
        }
    }
}
