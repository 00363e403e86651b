package org.cnn4j.kernels.host;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.Pool2d;

/** Max and average pooling (pool2d.k): one work-item per output, the backward one per input (a gather). */
public final class Pool2dLaunches {
    private Pool2dLaunches() {
    }

    private static KernelHost.Launch args(KernelHost.Launch l, Pool2d p, Shape x, Shape y) {
        return l.i("mode", p.mode() == Pool2d.Mode.MAX ? 0 : 1).i("H", x.dim(2)).i("W", x.dim(3))
                .i("OH", y.dim(2)).i("OW", y.dim(3)).i("kh", p.kernel().h()).i("kw", p.kernel().w())
                .i("sh", p.stride().h()).i("sw", p.stride().w()).i("ph", p.padding().h()).i("pw", p.padding().w())
                .i("dh", p.dilation().h()).i("dw", p.dilation().w()).i("countIncludePad", p.countIncludePad() ? 1 : 0);
    }

    public static void forward(KernelHost b, Pool2d.Forward o) {
        int total = o.y().size();
        args(b.kernel("pool2d", "pool2d_forward_f32").p("x", o.x())
                .p("y", o.y()), o.pool(), o.x().shape(), o.y().shape()).i("total", total).elements(total);
    }

    public static void backward(KernelHost b, Pool2d.Backward o) {
        int total = o.dx().size();
        args(b.kernel("pool2d", "pool2d_backward_f32").p("x", o.x()).p("dy", o.dy())
                .p("dx", o.dx()), o.pool(), o.x().shape(), o.dy().shape()).i("total", total).elements(total);
    }
}
