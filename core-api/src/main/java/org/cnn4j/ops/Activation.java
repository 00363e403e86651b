package org.cnn4j.ops;

import java.util.Map;
import java.util.Objects;
import org.cnn4j.core.DType;
import org.cnn4j.core.Tensor;

/**
 * Element-wise activations, with PyTorch's definitions and gradients at the kinks.
 *
 * <pre>
 *   RELU        y = max(x, 0)                          dx = dy * (x > 0)
 *   LEAKY_RELU  y = x > 0 ? x : alpha * x              dx = dy * (x > 0 ? 1 : alpha)     (alpha: negative_slope)
 *   ELU         y = x > 0 ? x : alpha * (exp(x) - 1)   dx = dy * (x > 0 ? 1 : alpha * exp(x))
 *   SIGMOID     y = 1 / (1 + exp(-x))                  dx = dy * y * (1 - y)
 *   TANH        y = tanh(x)                            dx = dy * (1 - y^2)
 * </pre>
 * NaN propagates through each, forward and backward (a NaN in x, y or dy gives NaN in dx).
 *
 * @param kind  the function
 * @param alpha the slope for LEAKY_RELU, the scale for ELU, ignored otherwise; finite
 */
public record Activation(Kind kind, double alpha) {
    /** The activation functions. */
    public enum Kind { RELU, LEAKY_RELU, ELU, SIGMOID, TANH }

    public Activation {
        Objects.requireNonNull(kind, "kind");
        Check.finite("Activation", "alpha", alpha);
    }

    public static Activation relu() {
        return new Activation(Kind.RELU, 0);
    }

    /** PyTorch's default negative slope is 0.01. */
    public static Activation leakyRelu(double negativeSlope) {
        return new Activation(Kind.LEAKY_RELU, negativeSlope);
    }

    /** PyTorch's default alpha is 1.0. */
    public static Activation elu(double alpha) {
        return new Activation(Kind.ELU, alpha);
    }

    public static Activation sigmoid() {
        return new Activation(Kind.SIGMOID, 0);
    }

    public static Activation tanh() {
        return new Activation(Kind.TANH, 0);
    }

    /** {@code y = f(x)}. */
    public record Forward(Activation act, Tensor x, Tensor y) implements Op {
        public Forward {
            Check.descriptor("Activation.Forward", "act", act);
            String op = "Activation.Forward";
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

    /** {@code dx = dy * f'(x)}, given both {@code x} and the forward's output {@code y}. */
    public record Backward(Activation act, Tensor x, Tensor y, Tensor dy, Tensor dx) implements Op {
        public Backward {
            Check.descriptor("Activation.Backward", "act", act);
            String op = "Activation.Backward";
            Check.present(op, "x", x);
            Check.sameShape(op, "y", y, "x", x);
            Check.sameShape(op, "dy", dy, "x", x);
            Check.sameShape(op, "dx", dx, "x", x);
            Check.dtype(op, Check.operands("x", x, "y", y, "dy", dy, "dx", dx));
        }

        @Override
        public DType dtype() {
            return x.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("x", x, "y", y, "dy", dy);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("dx", dx);
        }
    }
}
