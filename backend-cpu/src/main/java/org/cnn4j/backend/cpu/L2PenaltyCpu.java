package org.cnn4j.backend.cpu;

import static org.cnn4j.backend.cpu.CpuBackend.data;

import org.cnn4j.ops.L2Penalty;

/**
 * The L2 weight penalty ({@link L2Penalty}): the loss summed in double; the backward accumulates into an existing
 * gradient, each element in double and rounded once, in chunks over the workers.
 */
final class L2PenaltyCpu {
    private L2PenaltyCpu() {
    }

    /** loss = coefficient / 2 * sum(w^2). */
    static void forward(CpuBackend be, L2Penalty.Forward o) {
        float[] w = data(o.weight());
        double sum = 0;
        for (float v : w) {
            sum += (double) v * v;
        }
        data(o.loss())[0] = (float) (o.penalty().coefficient() / 2 * sum);
    }

    /** dWeight += coefficient * w, in place. */
    static void backward(CpuBackend be, L2Penalty.Backward o) {
        float[] w = data(o.weight());
        float[] dw = data(o.dWeight());
        double coefficient = o.penalty().coefficient();
        be.parallelFor(w.length, 2, (from, to) -> {
            for (int i = from; i < to; i++) {
                dw[i] = (float) (dw[i] + coefficient * w[i]);
            }
        });
    }
}
