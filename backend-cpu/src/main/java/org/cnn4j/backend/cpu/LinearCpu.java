package org.cnn4j.backend.cpu;

import static org.cnn4j.backend.cpu.CpuBackend.data;

import org.cnn4j.ops.Gemm;
import org.cnn4j.ops.Linear;

/**
 * Fully connected layer and plain GEMM on {@link Sgemm}. The bias is written into y first and the GEMM
 * accumulates onto it (beta = 1); the transposes are strides, never copies.
 */
final class LinearCpu {
    private LinearCpu() {
    }

    /** y [N, OUT] = x [N, IN] * weight^T [IN, OUT] + bias. */
    static void forward(CpuBackend be, Linear.Forward o) {
        int n = o.x().shape().dim(0);
        int in = o.x().shape().dim(1);
        int out = o.weight().shape().dim(0);
        float[] y = data(o.y());
        float beta = 0f;
        if (o.bias() != null) {
            float[] bias = data(o.bias());
            for (int r = 0; r < n; r++) {
                System.arraycopy(bias, 0, y, r * out, out);
            }
            beta = 1f;
        }
        be.sgemm.gemm(n, out, in, 1f, data(o.x()), 0, in, 1, data(o.weight()), 0, 1, in, beta, y, 0, out);
    }

    /** dx [N, IN] = dy [N, OUT] * weight [OUT, IN]. */
    static void backwardData(CpuBackend be, Linear.BackwardData o) {
        int n = o.dx().shape().dim(0);
        int in = o.dx().shape().dim(1);
        int out = o.weight().shape().dim(0);
        be.sgemm.gemm(n, in, out, 1f, data(o.dy()), 0, out, 1, data(o.weight()), 0, in, 1, 0f, data(o.dx()), 0, in);
    }

    /** dWeight [OUT, IN] = dy^T [OUT, N] * x [N, IN]; dBias = column sums of dy (in double). */
    static void backwardWeights(CpuBackend be, Linear.BackwardWeights o) {
        int n = o.x().shape().dim(0);
        int in = o.x().shape().dim(1);
        int out = o.dWeight().shape().dim(0);
        float[] dy = data(o.dy());
        be.sgemm.gemm(out, in, n, 1f, dy, 0, 1, out, data(o.x()), 0, in, 1, 0f, data(o.dWeight()), 0, in);
        if (o.dBias() != null) {
            float[] db = data(o.dBias());
            double[] s = new double[out];
            for (int r = 0; r < n; r++) {
                for (int j = 0; j < out; j++) {
                    s[j] += dy[r * out + j];
                }
            }
            for (int j = 0; j < out; j++) {
                db[j] = (float) s[j];
            }
        }
    }

    /** c = alpha * op(a) * op(b) + beta * c on row-major matrices. */
    static void gemm(CpuBackend be, Gemm.Run o) {
        Gemm g = o.gemm();
        int m = o.c().shape().dim(0);
        int n = o.c().shape().dim(1);
        int k = g.transA() ? o.a().shape().dim(0) : o.a().shape().dim(1);
        int aRs = g.transA() ? 1 : k;
        int aCs = g.transA() ? m : 1;
        int bRs = g.transB() ? 1 : n;
        int bCs = g.transB() ? k : 1;
        float[] c = data(o.c());
        // alpha = 0 still multiplies (NaN or infinity in a or b gives NaN), as the reference does
        be.sgemm.gemm(m, n, k, (float) g.alpha(), data(o.a()), 0, aRs, aCs, data(o.b()), 0, bRs, bCs,
                (float) g.beta(), c, 0, n);
    }
}
