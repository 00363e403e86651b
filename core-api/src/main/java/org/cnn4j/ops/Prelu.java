package org.cnn4j.ops;

import static org.cnn4j.ops.Check.fail;

import java.util.Map;
import org.cnn4j.core.DType;
import org.cnn4j.core.Tensor;

/**
 * Parametric ReLU with a learned slope, PyTorch's {@code PReLU}: {@code y = x > 0 ? x : weight[c] * x}, where
 * {@code weight} has one element (shared) or one per channel (axis 1 of {@code x}, rank at least 2).
 *
 * <pre>
 *   dx      = dy * (x > 0 ? 1 : weight[c])
 *   dWeight = sum over the elements that share the slope of (x > 0 ? 0 : x * dy)
 * </pre>
 */
public final class Prelu {
    private Prelu() {
    }

    private static void checkWeight(String op, Tensor x, Tensor weight) {
        Check.minRank(op, "x", x, 1);
        Check.rank(op, "weight", weight, 1);
        int n = weight.shape().dim(0);
        if (n != 1 && (x.shape().rank() < 2 || n != x.shape().dim(1))) {
            throw fail(op, "weight " + weight.shape() + " must have 1 element or one per channel of x " + x.shape());
        }
    }

    /** {@code y = prelu(x, weight)}. */
    public record Forward(Tensor x, Tensor weight, Tensor y) implements Op {
        public Forward {
            String op = "Prelu.Forward";
            checkWeight(op, x, weight);
            Check.sameShape(op, "y", y, "x", x);
            Check.dtype(op, Check.operands("x", x, "weight", weight, "y", y));
        }

        @Override
        public DType dtype() {
            return x.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("x", x, "weight", weight);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("y", y);
        }
    }

    /** {@code dx} and {@code dWeight} (overwritten) from {@code x}, {@code weight} and {@code dy}. */
    public record Backward(Tensor x, Tensor weight, Tensor dy, Tensor dx, Tensor dWeight) implements Op {
        public Backward {
            String op = "Prelu.Backward";
            checkWeight(op, x, weight);
            Check.sameShape(op, "dy", dy, "x", x);
            Check.sameShape(op, "dx", dx, "x", x);
            Check.sameShape(op, "dWeight", dWeight, "weight", weight);
            Check.dtype(op, Check.operands("x", x, "weight", weight, "dy", dy, "dx", dx, "dWeight", dWeight));
        }

        @Override
        public DType dtype() {
            return x.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("x", x, "weight", weight, "dy", dy);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("dx", dx, "dWeight", dWeight);
        }
    }
}
