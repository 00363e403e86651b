package org.cnn4j.ops;

import java.util.Map;
import org.cnn4j.core.DType;
import org.cnn4j.core.Tensor;

/**
 * Inverted dropout (PyTorch's {@code dropout} in training mode): each element is kept with probability
 * {@code 1 - p} and scaled by {@code 1 / (1 - p)}, or zeroed. Element {@code i} (flat index) is kept exactly when
 * {@code Philox.draw24(seed, i) >= threshold()}, so the mask is a pure function of seed and index: identical on
 * every backend, and recomputed by the backward instead of stored. With {@code p = 1} every element is zeroed.
 * Use a new seed per training step; in evaluation mode layers skip dropout.
 *
 * @param p    drop probability, in [0, 1]
 * @param seed the Philox key
 */
public record Dropout(double p, long seed) {
    public Dropout {
        Check.range("Dropout", "p", p, 0, 1, false);
    }

    /** Keep element {@code i} iff its 24-bit draw is at least this: {@code ceil(p * 2^24)}. */
    public int threshold() {
        return (int) Math.ceil(p * 16777216.0);
    }

    /** The factor applied to kept elements: {@code 1 / (1 - p)}, or 0 when {@code p = 1}. */
    public double scale() {
        return p >= 1 ? 0 : 1.0 / (1.0 - p);
    }

    /** Whether flat element {@code index} is kept. */
    public boolean keeps(long index) {
        return Philox.draw24(seed, index) >= threshold();
    }

    /**
     * {@code y[i] = keeps(i) ? x[i] * scale() : x[i] * 0}: a dropped element is 0 (signed as x), and NaN where x is
     * NaN or infinite, as PyTorch's {@code x * mask} gives; a NaN is never hidden by the mask.
     */
    public record Forward(Dropout dropout, Tensor x, Tensor y) implements Op {
        public Forward {
            Check.descriptor("Dropout.Forward", "dropout", dropout);
            String op = "Dropout.Forward";
            Check.present(op, "x", x);
            Check.sameShape(op, "y", y, "x", x);
            Check.dtype(op, Check.operands("x", x, "y", y));
        }

        @Override
        public DType dtype() {
            return x.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("x", x);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("y", y);
        }
    }

    /** {@code dx[i] = keeps(i) ? dy[i] * scale() : dy[i] * 0}, with the mask of the same seed (NaN stays NaN). */
    public record Backward(Dropout dropout, Tensor dy, Tensor dx) implements Op {
        public Backward {
            Check.descriptor("Dropout.Backward", "dropout", dropout);
            String op = "Dropout.Backward";
            Check.present(op, "dy", dy);
            Check.sameShape(op, "dx", dx, "dy", dy);
            Check.dtype(op, Check.operands("dy", dy, "dx", dx));
        }

        @Override
        public DType dtype() {
            return dy.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("dy", dy);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("dx", dx);
        }
    }
}
