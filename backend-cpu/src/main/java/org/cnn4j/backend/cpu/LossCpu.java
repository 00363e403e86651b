package org.cnn4j.backend.cpu;

import static org.cnn4j.backend.cpu.CpuBackend.data;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.Loss;

/**
 * Losses ({@link Loss}), terms and sums in double. The element losses work element by element with an optional
 * weight; softmax cross-entropy and hinge work on rows over axis 1 (row r of [N, C, d1, ...]: n = r / inner,
 * position r % inner, class c at (n * C + c) * inner + r % inner). Each row is read completely (into scratch)
 * before its gradient is written, so dInput may share memory with input or target.
 */
final class LossCpu {
    private LossCpu() {
    }

    static void forward(CpuBackend be, Loss.Forward o) {
        Loss fn = o.fn();
        float[] x = data(o.input());
        float[] t = data(o.target());
        float[] out = data(o.loss());
        boolean none = fn.reduction() == Loss.Reduction.NONE;
        if (fn.kind().elementwise()) {
            float[] w = o.weight() == null ? null : data(o.weight());
            double sum = 0;
            for (int i = 0; i < x.length; i++) {
                double l = element(fn, x[i], t[i]) * (w == null ? 1 : w[i]);
                if (none) {
                    out[i] = (float) l;
                }
                sum += l;
            }
            reduce(fn, out, sum, x.length);
            return;
        }
        Shape s = o.input().shape();
        int cc = s.dim(1);
        int inner = inner(s);
        int rows = s.dim(0) * inner;
        boolean indices = o.classIndices();
        double sum = 0;
        long count = 0;
        for (int r = 0; r < rows; r++) {
            int base = (r / inner) * cc * inner + r % inner;
            double l;
            if (fn.kind() == Loss.Kind.HINGE) {
                double y = targetScore(x, t, base, cc);
                l = 0;
                for (int i = base; i < base + cc; i++) {
                    if (t[i] == 0) {
                        l += Math.max(0, fn.margin() - y + x[i]);
                    }
                }
                l /= cc;
            } else if (indices) {
                int y = classOf(t[r], fn.ignoreIndex(), cc);
                count += y == IGNORED ? 0 : 1;
                l = y == IGNORED ? 0 : y == INVALID ? Double.NaN
                        : logSumExp(x, base, cc, inner) - x[base + y * inner];
            } else {
                double lse = logSumExp(x, base, cc, inner);
                l = 0;
                for (int c = 0; c < cc; c++) {
                    int i = base + c * inner;
                    l -= t[i] * (x[i] - lse);
                }
            }
            if (none) {
                out[r] = (float) l;
            }
            sum += l;
        }
        reduce(fn, out, sum, indices ? count : rows);
    }

    private static void reduce(Loss fn, float[] out, double sum, long count) {
        switch (fn.reduction()) {
            case MEAN -> out[0] = (float) (sum / count);
            case SUM -> out[0] = (float) (sum / fn.divisor());
            case NONE -> { }
        }
    }

    static void backward(CpuBackend be, Loss.Backward o) {
        Loss fn = o.fn();
        float[] x = data(o.input());
        float[] t = data(o.target());
        float[] d = data(o.dInput());
        float[] up = o.dLoss() == null ? null : data(o.dLoss());
        int size = x.length;
        if (fn.kind().elementwise()) {
            float[] w = o.weight() == null ? null : data(o.weight());
            double scale = switch (fn.reduction()) {
                case MEAN -> 1.0 / size;
                case SUM -> 1.0 / fn.divisor();
                case NONE -> 1;
            };
            be.parallelFor(size, 20, (from, to) -> {
                for (int i = from; i < to; i++) {
                    double f = (up == null ? scale : up[i]) * (w == null ? 1 : w[i]);
                    d[i] = (float) (f * gradient(fn, x[i], t[i]));
                }
            });
            return;
        }
        Shape s = o.input().shape();
        int cc = s.dim(1);
        int inner = inner(s);
        int rows = s.dim(0) * inner;
        boolean indices = o.classIndices();
        long count = rows;
        if (indices) {
            count = 0;
            for (int r = 0; r < rows; r++) {
                count += classOf(t[r], fn.ignoreIndex(), cc) == IGNORED ? 0 : 1;
            }
        }
        double scale = switch (fn.reduction()) {
            case MEAN -> 1.0 / count;
            case SUM -> 1.0 / fn.divisor();
            case NONE -> 1;
        };
        boolean hinge = fn.kind() == Loss.Kind.HINGE;
        be.parallelFor(rows, 30L * cc, (from, to) -> {
            double[] row = new double[cc];
            for (int r = from; r < to; r++) {
                int base = (r / inner) * cc * inner + r % inner;
                double f = up == null ? scale : up[r];
                if (hinge) {
                    double unit = f / cc;
                    double y = targetScore(x, t, base, cc);
                    int active = 0;
                    for (int c = 0; c < cc; c++) {
                        boolean on = t[base + c] == 0 && fn.margin() - y + x[base + c] > 0;
                        row[c] = on ? unit : 0;
                        active += on ? 1 : 0;
                    }
                    for (int c = 0; c < cc; c++) {
                        row[c] -= t[base + c] * active * unit;
                    }
                } else if (indices) {
                    int y = classOf(t[r], fn.ignoreIndex(), cc);
                    double lse = logSumExp(x, base, cc, inner);
                    for (int c = 0; c < cc; c++) {
                        // an ignored row is exactly 0 (also when MEAN's count is 0, as PyTorch)
                        row[c] = y == IGNORED ? 0 : y == INVALID ? Double.NaN
                                : f * (StrictMath.exp(x[base + c * inner] - lse) - (c == y ? 1 : 0));
                    }
                } else {
                    double lse = logSumExp(x, base, cc, inner);
                    double targetSum = 0;
                    for (int c = 0; c < cc; c++) {
                        targetSum += t[base + c * inner];
                    }
                    for (int c = 0; c < cc; c++) {
                        int i = base + c * inner;
                        row[c] = f * (StrictMath.exp(x[i] - lse) * targetSum - t[i]);
                    }
                }
                for (int c = 0; c < cc; c++) {
                    d[base + c * inner] = (float) row[c];
                }
            }
        });
    }

    private static int inner(Shape s) {
        int inner = 1;
        for (int i = 2; i < s.rank(); i++) {
            inner *= s.dim(i);
        }
        return inner;
    }

    private static final int IGNORED = -1;
    private static final int INVALID = -2;

    /** The class of a class-index target: IGNORED, INVALID (not an integer in [0, C)), or the index. */
    private static int classOf(float v, int ignoreIndex, int classes) {
        if (v == ignoreIndex) {
            return IGNORED;
        }
        return v >= 0 && v < classes && v == Math.floor(v) ? (int) v : INVALID;
    }

    private static double element(Loss fn, double x, double t) {
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
                yield alphaT(fn, t) * bce(x, t) * StrictMath.pow(m, fn.gamma());
            }
            case SOFTMAX_CROSS_ENTROPY, HINGE -> throw new IllegalStateException(fn.kind() + " is not elementwise");
        };
    }

    private static double gradient(Loss fn, double x, double t) {
        return switch (fn.kind()) {
            case MSE -> 2 * (x - t);
            case MAE -> Math.signum(x - t);
            case BCE_WITH_LOGITS -> sigmoid(x) - t;
            case SMOOTH_L1 -> {
                double dd = x - t;
                yield Math.abs(dd) < fn.beta() ? dd / fn.beta() : Math.signum(dd);
            }
            case SIGMOID_FOCAL -> {
                // dl/dx = (p - t) m^gamma + ce gamma m^gamma (p q / m) (1 - 2t); p q / m <= 1; 0 where m = 0
                double p = sigmoid(x);
                double q = sigmoid(-x);
                double m = p * (1 - t) + q * t;
                double mg = StrictMath.pow(m, fn.gamma());
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

    /** max(x, 0) - x t + log1p(exp(-|x|)). */
    private static double bce(double x, double t) {
        return Math.max(x, 0) - x * t + StrictMath.log1p(StrictMath.exp(-Math.abs(x)));
    }

    private static double sigmoid(double x) {
        if (x >= 0) {
            return 1 / (1 + StrictMath.exp(-x));
        }
        double e = StrictMath.exp(x);
        return e / (1 + e);
    }

    /** log(sum_c exp(x[base + c * stride])) with the row maximum subtracted first. */
    private static double logSumExp(float[] x, int base, int cc, int stride) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < cc; c++) {
            max = Math.max(max, x[base + c * stride]);
        }
        double sum = 0;
        for (int c = 0; c < cc; c++) {
            sum += StrictMath.exp(x[base + c * stride] - max);
        }
        return max + StrictMath.log(sum);
    }

    /** y_n = sum_c t[n,c] * x[n,c]. */
    private static double targetScore(float[] x, float[] t, int off, int cc) {
        double y = 0;
        for (int c = 0; c < cc; c++) {
            y += (double) t[off + c] * x[off + c];
        }
        return y;
    }
}
