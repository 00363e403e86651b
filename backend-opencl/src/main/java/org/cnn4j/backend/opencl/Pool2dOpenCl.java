package org.cnn4j.backend.opencl;

import org.cnn4j.ops.Pool2d;

/** Max and average pooling (pool2d.k): one work-item per output, the backward one per input (a gather). */
final class Pool2dOpenCl {
    private Pool2dOpenCl() {
    }

    private static OpenClBackend.Launch args(OpenClBackend.Launch l, Pool2d p, int h, int w, int oh, int ow) {
        return l.i(p.mode() == Pool2d.Mode.MAX ? 0 : 1).i(h).i(w).i(oh).i(ow).i(p.kernel().h()).i(p.kernel().w())
                .i(p.stride().h()).i(p.stride().w()).i(p.padding().h()).i(p.padding().w())
                .i(p.countIncludePad() ? 1 : 0);
    }

    static void forward(OpenClBackend b, Pool2d.Forward o) {
        var x = o.x().shape();
        var y = o.y().shape();
        int total = o.y().size();
        args(b.kernel("pool2d", "pool2d_forward_f32").mem(o.x()).mem(o.y()), o.pool(), x.dim(2), x.dim(3),
                y.dim(2), y.dim(3)).i(total).elements(total);
    }

    static void backward(OpenClBackend b, Pool2d.Backward o) {
        var x = o.x().shape();
        var y = o.dy().shape();
        int total = o.dx().size();
        args(b.kernel("pool2d", "pool2d_backward_f32").mem(o.x()).mem(o.dy()).mem(o.dx()), o.pool(), x.dim(2),
                x.dim(3), y.dim(2), y.dim(3)).i(total).elements(total);
    }
}
