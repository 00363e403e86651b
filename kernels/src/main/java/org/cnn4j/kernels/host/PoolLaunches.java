package org.cnn4j.kernels.host;

import org.cnn4j.ops.Pool2d;

/** Max and average pooling (pool2d.k): one work-item per output, the backward one per input (a gather). */
public final class PoolLaunches {
    private PoolLaunches() {
    }

    private static KernelHost.Launch args(KernelHost.Launch l, Pool2d.Geometry g) {
        return l.i(g.max() ? 0 : 1).i(g.inH()).i(g.inW()).i(g.outH()).i(g.outW())
                .i(g.kernelH()).i(g.kernelW()).i(g.strideH()).i(g.strideW())
                .i(g.paddingH()).i(g.paddingW()).i(g.dilationH()).i(g.dilationW())
                .i(g.countIncludePad() ? 1 : 0);
    }

    public static void forward(KernelHost b, Pool2d.Forward o) {
        int total = o.y().size();
        args(b.kernel("pool2d", "pool2d_forward_f32").p(o.x()).p(o.y()), o.geometry()).i(total).elements(total);
    }

    public static void backward(KernelHost b, Pool2d.Backward o) {
        int total = o.dx().size();
        args(b.kernel("pool2d", "pool2d_backward_f32").p(o.x()).p(o.dy()).p(o.dx()), o.geometry())
                .i(total).elements(total);
    }
}
