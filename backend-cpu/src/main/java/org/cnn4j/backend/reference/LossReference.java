package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ReferenceBackend.data;
import static org.cnn4j.backend.reference.ReferenceBackend.finish;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.Loss;

/**
 * Losses ({@link Loss}) and their gradients, in double. The element losses (MSE, MAE, BCE with logits, sigmoid
 * focal, smooth L1) work element by element with an optional weight; softmax cross-entropy and hinge work on rows
 * over axis 1: row r of input [N, C, d1, ...] is n = r / inner, position p = r % inner (inner = d1 * ... * dk),
 * its class c at (n * C + c) * inner + p.
 */
final class LossReference {
    private LossReference() {
    }

    /** loss: a scalar for MEAN and SUM, the per-element or per-row losses for NONE. */
    static void forward(Loss.Forward o) {
        Loss fn = o.fn();
        double[] x = data(o.input());
        double[] t = data(o.target());
        double[] out = data(o.loss());
        if (fn.kind().elementwise()) {
            double[] w = o.weight() == null ? null : data(o.weight());
            double sum = 0;
            for (int i = 0; i < x.length; i++) {
                double l = element(fn, x[i], t[i]) * (w == null ? 1 : w[i]);
                if (fn.reduction() == Loss.Reduction.NONE) {
                    out[i] = l;
                }
                sum += l;
            }
            reduce(fn, out, sum, x.length);
        } else {
            Rows g = new Rows(o.input().shape());
            boolean indices = o.classIndices();
            double sum = 0;
            long count = 0;
            for (int r = 0; r < g.rows; r++) {
                double l;
                if (fn.kind() == Loss.Kind.HINGE) {
                    l = hinge(x, t, fn.margin(), r, g.c) / g.c;
                } else if (indices) {
                    int y = classOf(t[r], fn.ignoreIndex(), g.c);
                    count += y == IGNORED ? 0 : 1;
                    l = y == IGNORED ? 0 : y == INVALID ? Double.NaN : logSumExp(x, g, r) - x[g.at(r, y)];
                } else {
                    l = crossEntropy(x, t, g, r);
                }
                if (fn.reduction() == Loss.Reduction.NONE) {
                    out[r] = l;
                }
                sum += l;
            }
            // MEAN: hinge's l[n] already holds 1/C, so its mean over N is 1/(N*C) of the sum of the terms
            reduce(fn, out, sum, indices ? count : g.rows);
        }
        finish(o.loss());
    }

    private static void reduce(Loss fn, double[] out, double sum, long count) {
        switch (fn.reduction()) {
            case MEAN -> out[0] = sum / count; // 0/0 = NaN when every target is ignored, as PyTorch
            case SUM -> out[0] = sum / fn.divisor();
            case NONE -> { }
        }
    }

    /** dInput = dloss/dinput (or dLoss times it, for NONE), same shape as input. */
    static void backward(Loss.Backward o) {
        Loss fn = o.fn();
        double[] x = data(o.input());
        double[] t = data(o.target());
        double[] up = o.dLoss() == null ? null : data(o.dLoss());
        int size = x.length;
        // computed aside: dInput may share memory with input or target
        double[] d = new double[size];
        if (fn.kind().elementwise()) {
            double[] w = o.weight() == null ? null : data(o.weight());
            double scale = switch (fn.reduction()) {
                case MEAN -> 1.0 / size;
                case SUM -> 1.0 / fn.divisor();
                case NONE -> 1;
            };
            for (int i = 0; i < size; i++) {
                double f = (up == null ? scale : up[i]) * (w == null ? 1 : w[i]);
                d[i] = f * gradient(fn, x[i], t[i]);
            }
        } else {
            Rows g = new Rows(o.input().shape());
            boolean indices = o.classIndices();
            long count = g.rows;
            if (indices) {
                count = 0;
                for (int r = 0; r < g.rows; r++) {
                    count += classOf(t[r], fn.ignoreIndex(), g.c) == IGNORED ? 0 : 1;
                }
            }
            double scale = switch (fn.reduction()) {
                case MEAN -> 1.0 / count;
                case SUM -> 1.0 / fn.divisor();
                case NONE -> 1;
            };
            for (int r = 0; r < g.rows; r++) {
                double f = up == null ? scale : up[r];
                if (fn.kind() == Loss.Kind.HINGE) {
                    hingeBackward(x, t, d, fn.margin(), f / g.c, r, g.c);
                } else if (indices) {
                    int y = classOf(t[r], fn.ignoreIndex(), g.c);
                    double lse = logSumExp(x, g, r);
                    for (int c = 0; c < g.c; c++) {
                        int i = g.at(r, c);
                        // an ignored row is exactly 0 (also when MEAN's count is 0, as PyTorch)
                        d[i] = y == IGNORED ? 0 : y == INVALID ? Double.NaN
                                : f * (Math.exp(x[i] - lse) - (c == y ? 1 : 0));
                    }
                } else {
                    double lse = logSumExp(x, g, r);
                    double targetSum = 0;
                    for (int c = 0; c < g.c; c++) {
                        targetSum += t[g.at(r, c)];
                    }
                    for (int c = 0; c < g.c; c++) {
                        int i = g.at(r, c);
                        d[i] = f * (Math.exp(x[i] - lse) * targetSum - t[i]);
                    }
                }
            }
        }
        System.arraycopy(d, 0, data(o.dInput()), 0, size);
        finish(o.dInput());
    }

    /** The rows over axis 1 of input [N, C, d1, ...]. */
    private record Rows(int rows, int c, int inner) {
        Rows(Shape s) {
            this(s.dim(0) * inner(s), s.dim(1), inner(s));
        }

        static int inner(Shape s) {
            int inner = 1;
            for (int i = 2; i < s.rank(); i++) {
                inner *= s.dim(i);
            }
            return inner;
        }

        /** The index of class c of row r. */
        int at(int r, int cls) {
            return ((r / inner) * c + cls) * inner + r % inner;
        }
    }

    static final int IGNORED = -1;
    static final int INVALID = -2;

    /** The class of a class-index target: IGNORED, INVALID (not an integer in [0, C)), or the index. */
    static int classOf(double v, int ignoreIndex, int classes) {
        if (v == ignoreIndex) {
            return IGNORED;
        }
        return v >= 0 && v < classes && v == Math.floor(v) ? (int) v : INVALID;
    }

    /** The loss of one element. */
    static double element(Loss fn, double x, double t) {
        return switch (fn.kind()) {
            case MSE -> (x - t) * (x - t);
            case MAE -> Math.abs(x - t);
            case BCE_WITH_LOGITS -> bce(x, t);
            case SMOOTH_L1 -> {
                double a = Math.abs(x - t);
                yield a < fn.beta() ? 0.5 * a * a / fn.beta() : a - 0.5 * fn.beta();
            }
            case SIGMOID_FOCAL -> {
                double m = sigmoid(x) * (1 - t) + sigmoid(-x) * t;
                yield alphaT(fn, t) * bce(x, t) * Math.pow(m, fn.gamma());
            }
            case SOFTMAX_CROSS_ENTROPY, HINGE -> throw new IllegalStateException(fn.kind() + " is not elementwise");
        };
    }

    /** d element(x, t) / dx. */
    static double gradient(Loss fn, double x, double t) {
        return switch (fn.kind()) {
            case MSE -> 2 * (x - t);
            // signum(0) = 0: no gradient where input equals target, as PyTorch
            case MAE -> Math.signum(x - t);
            case BCE_WITH_LOGITS -> sigmoid(x) - t;
            case SMOOTH_L1 -> {
                double dd = x - t;
                yield Math.abs(dd) < fn.beta() ? dd / fn.beta() : Math.signum(dd);
            }
            case SIGMOID_FOCAL -> {
                // l = ce m^gamma, m = p (1 - t) + q t (q = 1 - p), dm/dx = p q (1 - 2t), and p q / m <= 1:
                // dl/dx = (p - t) m^gamma + ce gamma m^gamma (p q / m) (1 - 2t), the second term 0 where m = 0
                double p = sigmoid(x);
                double q = sigmoid(-x);
                double m = p * (1 - t) + q * t;
                double mg = Math.pow(m, fn.gamma());
                double g = (p - t) * mg;
                if (fn.gamma() > 0 && m > 0) {
                    g += bce(x, t) * fn.gamma() * mg * (p * q / m) * (1 - 2 * t);
                }
                yield alphaT(fn, t) * g;
            }
            case SOFTMAX_CROSS_ENTROPY, HINGE -> throw new IllegalStateException(fn.kind() + " is not elementwise");
        };
    }

    private static double alphaT(Loss fn, double t) {
        return fn.alpha() >= 0 ? fn.alpha() * t + (1 - fn.alpha()) * (1 - t) : 1;
    }

    /** max(x, 0) - x t + log1p(exp(-|x|)): no overflow for any finite x. */
    static double bce(double x, double t) {
        return Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
    }

    static double sigmoid(double x) {
        if (x >= 0) {
            return 1 / (1 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1 + e);
    }

    /** log(sum_c exp(x[row r, c])), with the row maximum subtracted first so no exp overflows. */
    private static double logSumExp(double[] x, Rows g, int r) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < g.c; c++) {
            max = Math.max(max, x[g.at(r, c)]);
        }
        double sum = 0;
        for (int c = 0; c < g.c; c++) {
            sum += Math.exp(x[g.at(r, c)] - max);
        }
        return max + Math.log(sum);
    }

    /** -sum_c t[r,c] * (x[r,c] - lse_r). */
    private static double crossEntropy(double[] x, double[] t, Rows g, int r) {
        double lse = logSumExp(x, g, r);
        double loss = 0;
        for (int c = 0; c < g.c; c++) {
            int i = g.at(r, c);
            // x - lse is finite for finite logits, so a zero target contributes exactly 0
            loss -= t[i] * (x[i] - lse);
        }
        return loss;
    }

    /** y_n = sum_c t[n,c] * x[n,c], the score of row n's class. */
    private static double targetScore(double[] x, double[] t, int n, int cc) {
        double y = 0;
        for (int c = 0; c < cc; c++) {
            y += t[n * cc + c] * x[n * cc + c];
        }
        return y;
    }

    /** sum_{c: t[n,c] == 0} max(0, margin - y_n + x[n,c]) of row n of [N, C]. */
    private static double hinge(double[] x, double[] t, double margin, int n, int cc) {
        double y = targetScore(x, t, n, cc);
        double loss = 0;
        for (int c = 0; c < cc; c++) {
            int i = n * cc + c;
            if (t[i] == 0) {
                loss += Math.max(0, margin - y + x[i]);
            }
        }
        return loss;
    }

    /**
     * Each active term (t[n,c] == 0 and margin - y_n + x[n,c] > 0) adds unit to d[n,c] and, through y_n,
     * -t[n,c'] unit to every d[n,c']. At exactly 0 the term counts as inactive, as PyTorch.
     */
    private static void hingeBackward(double[] x, double[] t, double[] d, double margin, double unit, int n,
            int cc) {
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
