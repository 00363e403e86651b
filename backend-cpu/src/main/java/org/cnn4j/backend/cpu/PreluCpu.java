package org.cnn4j.backend.cpu;

import static org.cnn4j.backend.cpu.CpuBackend.data;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.Prelu;

/**
 * PReLU over [N, C, inner...] (rank 1: one row with a shared slope): (n, c) planes over the workers; the slope
 * gradient summed per channel in double, then over planes.
 */
final class PreluCpu {
    private PreluCpu() {
    }

    /** [planes = N*C, channels C, inner]. */
    private static int[] layout(Shape x) {
        if (x.rank() == 1) {
            return new int[] {1, 1, x.size()};
        }
        return new int[] {x.dim(0) * x.dim(1), x.dim(1), x.strideOf(1)};
    }

    static void forward(CpuBackend be, Prelu.Forward o) {
        float[] x = data(o.x());
        float[] w = data(o.weight());
        float[] y = data(o.y());
        int[] l = layout(o.x().shape());
        int cc = l[1];
        int in = l[2];
        boolean shared = w.length == 1;
        be.parallelFor(l[0], in, (from, to) -> {
            for (int plane = from; plane < to; plane++) {
                float slope = w[shared ? 0 : plane % cc];
                int off = plane * in;
                for (int i = off; i < off + in; i++) {
                    float v = x[i];
                    y[i] = v > 0 ? v : slope * v;
                }
            }
        });
    }

    static void backward(CpuBackend be, Prelu.Backward o) {
        float[] x = data(o.x());
        float[] w = data(o.weight());
        float[] dy = data(o.dy());
        float[] dx = data(o.dx());
        float[] dw = data(o.dWeight());
        int[] l = layout(o.x().shape());
        int planes = l[0];
        int cc = l[1];
        int in = l[2];
        boolean shared = w.length == 1;
        double[] planeSums = new double[planes];
        be.parallelFor(planes, in, (from, to) -> {
            for (int plane = from; plane < to; plane++) {
                float slope = w[shared ? 0 : plane % cc];
                int off = plane * in;
                double s = 0;
                for (int i = off; i < off + in; i++) {
                    float v = x[i];
                    float g = dy[i];
                    if (v > 0) {
                        dx[i] = g;
                    } else {
                        s += (double) v * g;
                        dx[i] = g * slope;
                    }
                }
                planeSums[plane] = s;
            }
        });
        double[] sums = new double[dw.length];
        for (int plane = 0; plane < planes; plane++) {
            sums[shared ? 0 : plane % cc] += planeSums[plane];
        }
        for (int i = 0; i < dw.length; i++) {
            dw[i] = (float) sums[i];
        }
    }
}
