package org.cnn4j.ops;

import java.util.Map;
import org.cnn4j.core.DType;
import org.cnn4j.core.Tensor;

/**
 * Softmax or log-softmax over axis 1 (the channels) of a tensor of rank at least 2, computed stably
 * (the maximum is subtracted first), as PyTorch's {@code softmax(x, dim=1)} / {@code log_softmax(x, dim=1)}. For
 * {@code [N, C]} each row is one distribution; for {@code [N, C, H, W]} (and any rank above 2) each position
 * {@code (n, h, w)} holds one distribution over its {@code C} channels, at stride {@code H*W}.
 *
 * <pre>
 *   softmax:     y_i = exp(x_i - max) / sum_j exp(x_j - max)      dx_i = y_i * (dy_i - sum_j dy_j * y_j)
 *   log-softmax: y_i = x_i - max - log(sum_j exp(x_j - max))      dx_i = dy_i - exp(y_i) * sum_j dy_j
 * </pre>
 *
 * @param log true for log-softmax
 */
public record Softmax(boolean log) {
    public static Softmax softmax() {
        return new Softmax(false);
    }

    public static Softmax logSoftmax() {
        return new Softmax(true);
    }

    /** {@code y = softmax(x)} over axis 1. */
    public record Forward(Softmax softmax, Tensor x, Tensor y) implements Op {
        public Forward {
            Check.descriptor("Softmax.Forward", "softmax", softmax);
            String op = "Softmax.Forward";
            Check.minRank(op, "x", x, 2);
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

    /** {@code dx} from the forward's output {@code y} and {@code dy}. */
    public record Backward(Softmax softmax, Tensor y, Tensor dy, Tensor dx) implements Op {
        public Backward {
            Check.descriptor("Softmax.Backward", "softmax", softmax);
            String op = "Softmax.Backward";
            Check.minRank(op, "y", y, 2);
            Check.sameShape(op, "dy", dy, "y", y);
            Check.sameShape(op, "dx", dx, "y", y);
            Check.dtype(op, Check.operands("y", y, "dy", dy, "dx", dx));
        }

        @Override
        public DType dtype() {
            return y.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("y", y, "dy", dy);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("dx", dx);
        }
    }
}
