package org.cnn4j.kernels.host;

import org.cnn4j.ops.Pool2d;

/** Max and average pooling (pool2d.k): one work-item per output, the backward one per input (a gather). */
public final class Pool2dLaunches {
    private Pool2dLaunches() {
    }

    private static KernelHost.Launch args(KernelHost.Launch l, Pool2d.Geometry g) {
        return l.i("mode", g.max() ? 0 : 1).i("H", g.inH()).i("W", g.inW()).i("OH", g.outH()).i("OW", g.outW())
                .i("kh", g.kernelH()).i("kw", g.kernelW()).i("sh", g.strideH()).i("sw", g.strideW())
                .i("ph", g.paddingH()).i("pw", g.paddingW()).i("dh", g.dilationH()).i("dw", g.dilationW())
                .i("countIncludePad", g.countIncludePad() ? 1 : 0);
    }

    public static void forward(KernelHost b, Pool2d.Forward o) {
        int total = o.y().size();
        args(b.kernel("pool2d", "pool2d_forward_f32").p("x", o.x()).p("y", o.y()), o.geometry())
                .i("total", total).elements(total);
    }

    public static void backward(KernelHost b, Pool2d.Backward o) {
        int total = o.dx().size();
        args(b.kernel("pool2d", "pool2d_backward_f32").p("x", o.x()).p("dy", o.dy()).p("dx", o.dx()), o.geometry())
                .i("total", total).elements(total);
    }
}
