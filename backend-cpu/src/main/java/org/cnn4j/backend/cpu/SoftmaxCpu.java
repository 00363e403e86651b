package org.cnn4j.backend.cpu;

import static org.cnn4j.backend.cpu.CpuBackend.data;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.Softmax;

/**
 * Softmax and log-softmax over axis 1 of [N, C, inner...], stable (maximum subtracted), sums in double; each
 * (n, inner position) row is independent and rows are spread over the workers. A row is read completely before
 * it is written, so y may share memory with x.
 */
final class SoftmaxCpu {
    private SoftmaxCpu() {
    }

    static void forward(CpuBackend be, Softmax.Forward o) {
        Shape s = o.x().shape();
        int nn = s.dim(0);
        int cc = s.dim(1);
        int in = s.strideOf(1);
        float[] x = data(o.x());
        float[] y = data(o.y());
        boolean log = o.softmax().log();
        be.parallelFor(nn * in, 20L * cc, (from, to) -> {
            for (int row = from; row < to; row++) {
                int base = (row / in) * cc * in + row % in;
                float max = Float.NEGATIVE_INFINITY;
                for (int c = 0; c < cc; c++) {
                    max = Math.max(max, x[base + c * in]);
                }
                double sum = 0;
                for (int c = 0; c < cc; c++) {
                    sum += StrictMath.exp((double) x[base + c * in] - max);
                }
                if (log) {
                    double shift = max + StrictMath.log(sum);
                    for (int c = 0; c < cc; c++) {
                        int i = base + c * in;
                        y[i] = (float) (x[i] - shift);
                    }
                } else {
                    double inv = 1.0 / sum;
                    for (int c = 0; c < cc; c++) {
                        int i = base + c * in;
                        y[i] = (float) (StrictMath.exp((double) x[i] - max) * inv);
                    }
                }
            }
        });
    }

    static void backward(CpuBackend be, Softmax.Backward o) {
        Shape s = o.y().shape();
        int nn = s.dim(0);
        int cc = s.dim(1);
        int in = s.strideOf(1);
        float[] y = data(o.y());
        float[] dy = data(o.dy());
        float[] dx = data(o.dx());
        boolean log = o.softmax().log();
        be.parallelFor(nn * in, 20L * cc, (from, to) -> {
            for (int row = from; row < to; row++) {
                int base = (row / in) * cc * in + row % in;
                double sum = 0;
                for (int c = 0; c < cc; c++) {
                    int i = base + c * in;
                    sum += log ? dy[i] : (double) dy[i] * y[i];
                }
                for (int c = 0; c < cc; c++) {
                    int i = base + c * in;
                    dx[i] = (float) (log ? dy[i] - StrictMath.exp(y[i]) * sum : y[i] * (dy[i] - sum));
                }
            }
        });
    }
}
