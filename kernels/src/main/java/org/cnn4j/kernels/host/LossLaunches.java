package org.cnn4j.kernels.host;

import org.cnn4j.ops.L2Penalty;
import org.cnn4j.ops.Loss;

/**
 * Losses (loss.k) and the L2 penalty: per-row or per-element terms, then one work-group sums them to the scalar
 * ({@link KernelHost#reduceScalar}).
 */
public final class LossLaunches {
    private LossLaunches() {
    }

    private static int kind(Loss fn) {
        return switch (fn.kind()) {
            case SOFTMAX_CROSS_ENTROPY -> 0;
            case MSE -> 1;
            case MAE -> 2;
            case HINGE -> 3;
        };
    }

    public static void forward(KernelHost b, Loss.Forward o) {
        int size = o.input().size();
        long input = b.buffer(o.input());
        long target = b.buffer(o.target());
        long loss = b.buffer(o.loss());
        switch (o.fn().kind()) {
            case MSE -> b.reduceScalar(input, target, loss, size, 2, 1.0 / size);
            case MAE -> b.reduceScalar(input, target, loss, size, 3, 1.0 / size);
            case SOFTMAX_CROSS_ENTROPY, HINGE -> {
                int n = o.input().shape().dim(0);
                int c = o.input().shape().dim(1);
                long rows = b.temp(n);
                try {
                    b.kernel("loss", "loss_rows_f32").p(input).p(target).p(rows).i(kind(o.fn()))
                            .i(n).i(c).f(o.fn().margin()).elements(n);
                    double scale = o.fn().kind() == Loss.Kind.HINGE ? 1.0 / ((double) n * c) : 1.0 / n;
                    b.reduceScalar(rows, rows, loss, n, 0, scale);
                } finally {
                    b.freeTemp(rows, n);
                }
            }
        }
    }

    public static void backward(KernelHost b, Loss.Backward o) {
        switch (o.fn().kind()) {
            case MSE, MAE -> {
                int total = o.input().size();
                b.kernel("loss", "loss_elements_backward_f32").p(o.input()).p(o.target()).p(o.dInput())
                        .i(kind(o.fn())).i(total).elements(total);
            }
            case SOFTMAX_CROSS_ENTROPY, HINGE -> {
                int n = o.input().shape().dim(0);
                int c = o.input().shape().dim(1);
                b.kernel("loss", "loss_rows_backward_f32").p(o.input()).p(o.target()).p(o.dInput())
                        .i(kind(o.fn())).i(n).i(c).f(o.fn().margin()).elements(n);
            }
        }
    }

    /** loss = coefficient / 2 * sum(weight^2). */
    public static void l2Forward(KernelHost b, L2Penalty.Forward o) {
        long w = b.buffer(o.weight());
        b.reduceScalar(w, w, b.buffer(o.loss()), o.weight().size(), 1, o.penalty().coefficient() / 2);
    }

    /** dWeight += coefficient * weight. */
    public static void l2Backward(KernelHost b, L2Penalty.Backward o) {
        int total = o.weight().size();
        b.kernel("elementwise", "axpy_f32").p(o.weight()).p(o.dWeight()).f(o.penalty().coefficient()).i(total)
                .elements(total);
    }
}
