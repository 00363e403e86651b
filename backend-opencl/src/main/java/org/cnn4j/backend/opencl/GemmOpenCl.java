package org.cnn4j.backend.opencl;

import static org.cnn4j.backend.opencl.OpenClBackend.mem;

import org.cnn4j.ops.Gemm;
import org.cnn4j.ops.Linear;

/** GEMM and the fully connected layer on the tiled GEMM kernel (gemm.k). */
final class GemmOpenCl {
    private GemmOpenCl() {
    }

    /** One matrix product, no batching. */
    private static void plain(OpenClBackend b, boolean ta, boolean tb, int m, int n, int k, double alpha,
            double beta, long a, long bm, long c) {
        b.host.gemm(ta, tb, m, n, k, alpha, beta, 1, 1, a, 0, 0, 0, bm, 0, 0, 0, c, 0, 0, 0);
    }

    static void run(OpenClBackend b, Gemm.Run o) {
        Gemm g = o.gemm();
        int m = o.c().shape().dim(0);
        int n = o.c().shape().dim(1);
        int k = g.transA() ? o.a().shape().dim(0) : o.a().shape().dim(1);
        plain(b, g.transA(), g.transB(), m, n, k, g.alpha(), g.beta(), mem(o.a()), mem(o.b()), mem(o.c()));
    }

    /** y [N, OUT] = x [N, IN] * weight^T + bias. */
    static void linearForward(OpenClBackend b, Linear.Forward o) {
        int n = o.x().shape().dim(0);
        int in = o.x().shape().dim(1);
        int out = o.weight().shape().dim(0);
        plain(b, false, true, n, out, in, 1, 0, mem(o.x()), mem(o.weight()), mem(o.y()));
        if (o.bias() != null) {
            int total = o.y().size();
            b.kernel("conv2d", "bias_add_f32").p(o.y()).p(o.bias()).i(out).i(1).i(total).elements(total);
        }
    }

    /** dx [N, IN] = dy [N, OUT] * weight [OUT, IN]. */
    static void linearBackwardData(OpenClBackend b, Linear.BackwardData o) {
        int n = o.dx().shape().dim(0);
        int in = o.dx().shape().dim(1);
        int out = o.weight().shape().dim(0);
        plain(b, false, false, n, in, out, 1, 0, mem(o.dy()), mem(o.weight()), mem(o.dx()));
    }

    /** dWeight [OUT, IN] = dy^T * x; dBias = sum over N of dy. */
    static void linearBackwardWeights(OpenClBackend b, Linear.BackwardWeights o) {
        int n = o.x().shape().dim(0);
        int in = o.x().shape().dim(1);
        int out = o.dWeight().shape().dim(0);
        plain(b, true, false, out, in, n, 1, 0, mem(o.dy()), mem(o.x()), mem(o.dWeight()));
        if (o.dBias() != null) {
            b.host.channelSum(mem(o.dy()), mem(o.dBias()), n, out, 1);
        }
    }
}
