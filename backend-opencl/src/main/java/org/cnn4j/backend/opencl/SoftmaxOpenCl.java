package org.cnn4j.backend.opencl;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.Softmax;

/** Softmax and log-softmax over axis 1 (softmax.k): one work-item per row of [outer, C, inner]. */
final class SoftmaxOpenCl {
    private SoftmaxOpenCl() {
    }

    static void forward(OpenClBackend b, Softmax.Forward o) {
        Shape x = o.x().shape();
        int c = x.dim(1);
        int inner = x.size() / (x.dim(0) * c);
        int rows = x.dim(0) * inner;
        b.kernel("softmax", "softmax_forward_f32").mem(o.x()).mem(o.y()).i(c).i(inner).i(rows)
                .i(o.softmax().log() ? 1 : 0).elements(rows);
    }

    static void backward(OpenClBackend b, Softmax.Backward o) {
        Shape y = o.y().shape();
        int c = y.dim(1);
        int inner = y.size() / (y.dim(0) * c);
        int rows = y.dim(0) * inner;
        b.kernel("softmax", "softmax_backward_f32").mem(o.y()).mem(o.dy()).mem(o.dx()).i(c).i(inner).i(rows)
                .i(o.softmax().log() ? 1 : 0).elements(rows);
    }
}
