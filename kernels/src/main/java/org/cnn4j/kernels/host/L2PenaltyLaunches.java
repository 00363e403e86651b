package org.cnn4j.kernels.host;

import org.cnn4j.ops.L2Penalty;

/**
 * The L2 weight penalty ({@link L2Penalty}) on the shared kernels it needs no kernel of its own for: the loss is
 * reduce.k's sum of squares scaled by {@code coefficient / 2} ({@link KernelHost#reduceScalar}, one work-group),
 * the gradient elementwise.k's {@code axpy_f32}, {@code dWeight += coefficient * weight}.
 */
public final class L2PenaltyLaunches {
    private L2PenaltyLaunches() {
    }

    /** loss = coefficient / 2 * sum(weight^2). */
    public static void forward(KernelHost b, L2Penalty.Forward o) {
        long w = b.buffer(o.weight());
        b.reduceScalar(w, w, b.buffer(o.loss()), o.weight().size(), 1, o.penalty().coefficient() / 2);
    }

    /** dWeight += coefficient * weight. */
    public static void backward(KernelHost b, L2Penalty.Backward o) {
        int total = o.weight().size();
        b.kernel("elementwise", "axpy_f32").p("x", o.weight()).p("y", o.dWeight())
                .f("alpha", o.penalty().coefficient()).i("total", total).elements(total);
    }
}
