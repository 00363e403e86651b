package org.cnn4j.backend.cpu;

import static org.cnn4j.backend.cpu.CpuBackend.data;

import org.cnn4j.ops.Loss;

/**
 * Losses with mean reduction ({@link Loss}), sums in double. Softmax cross-entropy and hinge work row by row on
 * [N, C]; each row is read completely (into scratch) before its gradient is written, so dInput may share memory
 * with input or target.
 */
final class LossCpu {
    private LossCpu() {
    }

    static void forward(CpuBackend be, Loss.Forward o) {
        float[] x = data(o.input());
        float[] t = data(o.target());
        int size = x.length;
        double loss = switch (o.fn().kind()) {
            case SOFTMAX_CROSS_ENTROPY -> {
                int nn = o.input().shape().dim(0);
                int cc = o.input().shape().dim(1);
                double sum = 0;
                for (int n = 0; n < nn; n++) {
                    double lse = logSumExp(x, n * cc, cc);
                    for (int i = n * cc; i < (n + 1) * cc; i++) {
                        sum -= t[i] * (x[i] - lse);
                    }
                }
                yield sum / nn;
            }
            case MSE -> {
                double sum = 0;
                for (int i = 0; i < size; i++) {
                    double d = (double) x[i] - t[i];
                    sum += d * d;
                }
                yield sum / size;
            }
            case MAE -> {
                double sum = 0;
                for (int i = 0; i < size; i++) {
                    sum += Math.abs((double) x[i] - t[i]);
                }
                yield sum / size;
            }
            case HINGE -> {
                int nn = o.input().shape().dim(0);
                int cc = o.input().shape().dim(1);
                double margin = o.fn().margin();
                double sum = 0;
                for (int n = 0; n < nn; n++) {
                    double y = targetScore(x, t, n * cc, cc);
                    for (int i = n * cc; i < (n + 1) * cc; i++) {
                        if (t[i] == 0) {
                            sum += Math.max(0, margin - y + x[i]);
                        }
                    }
                }
                yield sum / ((double) nn * cc);
            }
        };
        data(o.loss())[0] = (float) loss;
    }

    static void backward(CpuBackend be, Loss.Backward o) {
        float[] x = data(o.input());
        float[] t = data(o.target());
        float[] d = data(o.dInput());
        int size = x.length;
        switch (o.fn().kind()) {
            case SOFTMAX_CROSS_ENTROPY -> {
                int nn = o.input().shape().dim(0);
                int cc = o.input().shape().dim(1);
                be.parallelFor(nn, 30L * cc, (from, to) -> {
                    double[] row = new double[cc];
                    for (int n = from; n < to; n++) {
                        int base = n * cc;
                        double lse = logSumExp(x, base, cc);
                        double targetSum = 0;
                        for (int c = 0; c < cc; c++) {
                            targetSum += t[base + c];
                        }
                        for (int c = 0; c < cc; c++) {
                            row[c] = (StrictMath.exp(x[base + c] - lse) * targetSum - t[base + c]) / nn;
                        }
                        for (int c = 0; c < cc; c++) {
                            d[base + c] = (float) row[c];
                        }
                    }
                });
            }
            case MSE -> be.parallelFor(size, 2, (from, to) -> {
                for (int i = from; i < to; i++) {
                    d[i] = (float) (2 * ((double) x[i] - t[i]) / size);
                }
            });
            case MAE -> be.parallelFor(size, 2, (from, to) -> {
                for (int i = from; i < to; i++) {
                    d[i] = (float) (Math.signum((double) x[i] - t[i]) / size);
                }
            });
            case HINGE -> {
                int nn = o.input().shape().dim(0);
                int cc = o.input().shape().dim(1);
                double margin = o.fn().margin();
                double unit = 1.0 / ((double) nn * cc);
                double[] row = new double[cc];
                for (int n = 0; n < nn; n++) {
                    int base = n * cc;
                    double y = targetScore(x, t, base, cc);
                    int active = 0;
                    for (int c = 0; c < cc; c++) {
                        boolean on = t[base + c] == 0 && margin - y + x[base + c] > 0;
                        row[c] = on ? unit : 0;
                        active += on ? 1 : 0;
                    }
                    for (int c = 0; c < cc; c++) {
                        row[c] -= t[base + c] * active * unit;
                    }
                    for (int c = 0; c < cc; c++) {
                        d[base + c] = (float) row[c];
                    }
                }
            }
        }
    }

    /** log(sum_c exp(x[off + c])) with the row maximum subtracted first. */
    private static double logSumExp(float[] x, int off, int cc) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < cc; c++) {
            max = Math.max(max, x[off + c]);
        }
        double sum = 0;
        for (int c = 0; c < cc; c++) {
            sum += StrictMath.exp(x[off + c] - max);
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
