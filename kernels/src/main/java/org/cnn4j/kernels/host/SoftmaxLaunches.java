package org.cnn4j.kernels.host;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.Softmax;

/** Softmax and log-softmax over axis 1 (softmax.k): one work-item per row of [outer, C, inner]. */
public final class SoftmaxLaunches {
    private SoftmaxLaunches() {
    }

    public static void forward(KernelHost b, Softmax.Forward o) {
        Shape x = o.x().shape();
        int c = x.dim(1);
        int inner = x.size() / (x.dim(0) * c);
        int rows = x.dim(0) * inner;
        b.kernel("softmax", "softmax_forward_f32").p("x", o.x()).p("y", o.y()).i("C", c).i("inner", inner)
                .i("rows", rows).i("logMode", o.softmax().log() ? 1 : 0).elements(rows);
    }

    public static void backward(KernelHost b, Softmax.Backward o) {
        Shape y = o.y().shape();
        int c = y.dim(1);
        int inner = y.size() / (y.dim(0) * c);
        int rows = y.dim(0) * inner;
        b.kernel("softmax", "softmax_backward_f32").p("y", o.y()).p("dy", o.dy()).p("dx", o.dx()).i("C", c)
                .i("inner", inner).i("rows", rows).i("logMode", o.softmax().log() ? 1 : 0).elements(rows);
    }
}
