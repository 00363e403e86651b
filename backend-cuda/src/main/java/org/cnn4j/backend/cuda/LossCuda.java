package org.cnn4j.backend.cuda;

import static org.cnn4j.backend.cuda.CudaBackend.ptr;

import org.cnn4j.ops.L2Penalty;
import org.cnn4j.ops.Loss;

/**
 * Losses (loss.k) and the L2 penalty: per-row or per-element terms, then one block sums them to the scalar
 * (reduce_scalar_f32). Reduction modes: 0 sum, 1 sum of squares, 2 sum of squared differences, 3 sum of absolute
 * differences. Not yet run on a GPU.
 */
final class LossCuda {
    private LossCuda() {
    }

    private static int kind(Loss fn) {
        return switch (fn.kind()) {
            case SOFTMAX_CROSS_ENTROPY -> 0;
            case MSE -> 1;
            case MAE -> 2;
            case HINGE -> 3;
        };
    }

    static void forward(CudaBackend b, Loss.Forward o) {
        int size = o.input().size();
        switch (o.fn().kind()) {
            case MSE -> b.reduceScalar(ptr(o.input()), ptr(o.target()), ptr(o.loss()), size, 2, 1.0 / size);
            case MAE -> b.reduceScalar(ptr(o.input()), ptr(o.target()), ptr(o.loss()), size, 3, 1.0 / size);
            case SOFTMAX_CROSS_ENTROPY, HINGE -> {
                int n = o.input().shape().dim(0);
                int c = o.input().shape().dim(1);
                long rows = b.temp(n);
                try {
                    b.kernel("loss", "loss_rows_f32").p(o.input()).p(o.target()).p(rows).i(kind(o.fn()))
                            .i(n).i(c).f(o.fn().margin()).elements(n);
                    double scale = o.fn().kind() == Loss.Kind.HINGE ? 1.0 / ((double) n * c) : 1.0 / n;
                    b.reduceScalar(rows, rows, ptr(o.loss()), n, 0, scale);
                } finally {
                    b.freeTemp(rows, n);
                }
            }
        }
    }

    static void backward(CudaBackend b, Loss.Backward o) {
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
    static void l2Forward(CudaBackend b, L2Penalty.Forward o) {
        b.reduceScalar(ptr(o.weight()), ptr(o.weight()), ptr(o.loss()), o.weight().size(), 1,
                o.penalty().coefficient() / 2);
    }

    /** dWeight += coefficient * weight. */
    static void l2Backward(CudaBackend b, L2Penalty.Backward o) {
        int total = o.weight().size();
        b.kernel("elementwise", "axpy_f32").p(o.weight()).p(o.dWeight()).f(o.penalty().coefficient()).i(total)
                .elements(total);
    }
}
