package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ReferenceBackend.data;
import static org.cnn4j.backend.reference.ReferenceBackend.finish;

import org.cnn4j.ops.L2Penalty;

/** The L2 weight penalty ({@link L2Penalty}); its backward accumulates into an existing gradient. */
final class L2PenaltyReference {
    private L2PenaltyReference() {
    }

    /** loss = coefficient / 2 * sum(w^2), a scalar; w any shape. */
    static void forward(L2Penalty.Forward o) {
        double[] w = data(o.weight());
        double sum = 0;
        for (int i = 0; i < w.length; i++) {
            sum += w[i] * w[i];
        }
        data(o.loss())[0] = o.penalty().coefficient() / 2 * sum;
        finish(o.loss());
    }

    /** dWeight += coefficient * w, in place. */
    static void backward(L2Penalty.Backward o) {
        double[] w = data(o.weight());
        double[] dw = data(o.dWeight());
        double coefficient = o.penalty().coefficient();
        for (int i = 0; i < w.length; i++) {
            dw[i] += coefficient * w[i];
        }
        finish(o.dWeight());
    }
}
