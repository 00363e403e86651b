package org.cnn4j.backend.opencl;

import static org.cnn4j.backend.opencl.OpenClBackend.mem;

import org.cnn4j.ops.L2Penalty;
import org.cnn4j.ops.Loss;

/**
 * Losses (loss.k) and the L2 penalty: per-row or per-element terms, then one work-group sums them to the scalar
 * (reduce_scalar_f32). Reduction modes: 0 sum, 1 sum of squares, 2 sum of squared differences, 3 sum of absolute
 * differences.
 */
final class LossOpenCl {
    private LossOpenCl() {
    }

    private static int kind(Loss fn) {
        return switch (fn.kind()) {
            case SOFTMAX_CROSS_ENTROPY -> 0;
            case MSE -> 1;
            case MAE -> 2;
            case HINGE -> 3;
        };
    }

    static void forward(OpenClBackend b, Loss.Forward o) {
        int size = o.input().size();
        switch (o.fn().kind()) {
            case MSE -> b.reduceScalar(mem(o.input()), mem(o.target()), mem(o.loss()), size, 2, 1.0 / size);
            case MAE -> b.reduceScalar(mem(o.input()), mem(o.target()), mem(o.loss()), size, 3, 1.0 / size);
            case SOFTMAX_CROSS_ENTROPY, HINGE -> {
                int n = o.input().shape().dim(0);
                int c = o.input().shape().dim(1);
                long rows = b.scratch(n);
                try {
                    b.kernel("loss", "loss_rows_f32").mem(o.input()).mem(o.target()).mem(rows).i(kind(o.fn()))
                            .i(n).i(c).f(o.fn().margin()).elements(n);
                    double scale = o.fn().kind() == Loss.Kind.HINGE ? 1.0 / ((double) n * c) : 1.0 / n;
                    b.reduceScalar(rows, rows, mem(o.loss()), n, 0, scale);
                } finally {
                    b.recycle(rows, (long) n * Float.BYTES);
                }
            }
        }
    }

    static void backward(OpenClBackend b, Loss.Backward o) {
        switch (o.fn().kind()) {
            case MSE, MAE -> {
                int total = o.input().size();
                b.kernel("loss", "loss_elements_backward_f32").mem(o.input()).mem(o.target()).mem(o.dInput())
                        .i(kind(o.fn())).i(total).elements(total);
            }
            case SOFTMAX_CROSS_ENTROPY, HINGE -> {
                int n = o.input().shape().dim(0);
                int c = o.input().shape().dim(1);
                b.kernel("loss", "loss_rows_backward_f32").mem(o.input()).mem(o.target()).mem(o.dInput())
                        .i(kind(o.fn())).i(n).i(c).f(o.fn().margin()).elements(n);
            }
        }
    }

    /** loss = coefficient / 2 * sum(weight^2). */
    static void l2Forward(OpenClBackend b, L2Penalty.Forward o) {
        b.reduceScalar(mem(o.weight()), mem(o.weight()), mem(o.loss()), o.weight().size(), 1,
                o.penalty().coefficient() / 2);
    }

    /** dWeight += coefficient * weight. */
    static void l2Backward(OpenClBackend b, L2Penalty.Backward o) {
        int total = o.weight().size();
        b.kernel("elementwise", "axpy_f32").mem(o.weight()).mem(o.dWeight()).f(o.penalty().coefficient()).i(total)
                .elements(total);
    }
}
