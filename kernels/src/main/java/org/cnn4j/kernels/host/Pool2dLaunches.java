package org.cnn4j.kernels.host;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.Pool2d;

/** Max and average pooling (pool2d.k): one work-item per output, the backward one per input (a gather). */
public final class Pool2dLaunches {
    private Pool2dLaunches() {
    }

    private static KernelHost.Launch args(KernelHost.Launch l, Pool2d p, Shape x, Shape y) {
        return l.i(p.mode() == Pool2d.Mode.MAX ? 0 : 1).i(x.dim(2)).i(x.dim(3)).i(y.dim(2)).i(y.dim(3))
                .i(p.kernel().h()).i(p.kernel().w()).i(p.stride().h()).i(p.stride().w())
                .i(p.padding().h()).i(p.padding().w()).i(p.dilation().h()).i(p.dilation().w())
                .i(p.countIncludePad() ? 1 : 0);
    }

    public static void forward(KernelHost b, Pool2d.Forward o) {
        int total = o.y().size();
        args(b.kernel("pool2d", "pool2d_forward_f32").p(o.x()).p(o.y()), o.pool(), o.x().shape(), o.y().shape())
                .i(total).elements(total);
    }

    public static void backward(KernelHost b, Pool2d.Backward o) {
        int total = o.dx().size();
        args(b.kernel("pool2d", "pool2d_backward_f32").p(o.x()).p(o.dy()).p(o.dx()), o.pool(), o.x().shape(),
                o.dy().shape()).i(total).elements(total);
    }
}
