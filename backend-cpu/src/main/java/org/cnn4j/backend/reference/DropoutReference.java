package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ReferenceBackend.data;
import static org.cnn4j.backend.reference.ReferenceBackend.finish;

import org.cnn4j.ops.Dropout;

/**
 * Inverted dropout ({@link Dropout}): flat element i is kept iff {@code Dropout.keeps(i)} (its Philox draw is at
 * least the threshold) and then scaled by {@code scale()}; a dropped element is multiplied by 0: 0 for a finite
 * input, NaN for a NaN or infinite one (as PyTorch's {@code x * mask}). The backward recomputes the same mask.
 */
final class DropoutReference {
    private DropoutReference() {
    }

    /** y = keeps(i) ? x * scale : x * 0, any shape. */
    static void forward(Dropout.Forward o) {
        apply(o.dropout(), data(o.x()), data(o.y()));
        finish(o.y());
    }

    /** dx = keeps(i) ? dy * scale : dy * 0, the forward's mask. */
    static void backward(Dropout.Backward o) {
        apply(o.dropout(), data(o.dy()), data(o.dx()));
        finish(o.dx());
    }

    private static void apply(Dropout d, double[] in, double[] out) {
        double scale = d.scale();
        for (int i = 0; i < in.length; i++) {
            out[i] = d.keeps(i) ? in[i] * scale : in[i] * 0.0; // 0, or NaN for a NaN or infinite input
        }
    }
}
