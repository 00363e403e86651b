package org.cnn4j.kernels.host;

import org.cnn4j.ops.Gemm;
import org.cnn4j.ops.Linear;

/** GEMM and the fully connected layer on the tiled GEMM kernel (gemm.k), the bias on conv2d.k and reduce.k. */
public final class LinearLaunches {
    private LinearLaunches() {
    }

    /** One matrix product, no batching. */
    private static void plain(KernelHost b, boolean ta, boolean tb, int m, int n, int k, double alpha,
            double beta, long a, long bm, long c) {
        b.gemm(ta, tb, m, n, k, alpha, beta, 1, 1, a, 0, 0, 0, bm, 0, 0, 0, c, 0, 0, 0);
    }

    public static void gemm(KernelHost b, Gemm.Run o) {
        Gemm g = o.gemm();
        int m = o.c().shape().dim(0);
        int n = o.c().shape().dim(1);
        int k = g.transA() ? o.a().shape().dim(0) : o.a().shape().dim(1);
        plain(b, g.transA(), g.transB(), m, n, k, g.alpha(), g.beta(), b.buffer(o.a()), b.buffer(o.b()),
                b.buffer(o.c()));
    }

    /** y [N, OUT] = x [N, IN] * weight^T + bias. */
    public static void forward(KernelHost b, Linear.Forward o) {
        int n = o.x().shape().dim(0);
        int in = o.x().shape().dim(1);
        int out = o.weight().shape().dim(0);
        plain(b, false, true, n, out, in, 1, 0, b.buffer(o.x()), b.buffer(o.weight()), b.buffer(o.y()));
        if (o.bias() != null) {
            int total = o.y().size();
            b.kernel("conv2d", "bias_add_f32").p("y", o.y()).p("bias", o.bias()).i("K", out).i("inner", 1)
                    .i("total", total).elements(total);
        }
    }

    /** dx [N, IN] = dy [N, OUT] * weight [OUT, IN]. */
    public static void backwardData(KernelHost b, Linear.BackwardData o) {
        int n = o.dx().shape().dim(0);
        int in = o.dx().shape().dim(1);
        int out = o.weight().shape().dim(0);
        plain(b, false, false, n, in, out, 1, 0, b.buffer(o.dy()), b.buffer(o.weight()), b.buffer(o.dx()));
    }

    /** dWeight [OUT, IN] = dy^T * x; dBias = sum over N of dy. */
    public static void backwardWeights(KernelHost b, Linear.BackwardWeights o) {
        int n = o.x().shape().dim(0);
        int in = o.x().shape().dim(1);
        int out = o.dWeight().shape().dim(0);
        plain(b, true, false, out, in, n, 1, 0, b.buffer(o.dy()), b.buffer(o.x()), b.buffer(o.dWeight()));
        if (o.dBias() != null) {
            b.channelSum(b.buffer(o.dy()), b.buffer(o.dBias()), n, out, 1);
        }
    }
}
