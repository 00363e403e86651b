package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ReferenceBackend.data;
import static org.cnn4j.backend.reference.ReferenceBackend.finish;

import org.cnn4j.ops.Activation;

/**
 * Element-wise activations ({@link Activation}), PyTorch's definitions. NaN propagates: a NaN in {@code x}
 * gives NaN in {@code y}, and a NaN in {@code x}, {@code y} or {@code dy} gives NaN in {@code dx} (the
 * derivative at NaN is NaN). Each element is read before it is written, so {@code y} may share memory with
 * {@code x}, and {@code dx} with {@code dy}.
 */
final class ActivationReference {
    private ActivationReference() {
    }

    /** {@code y = f(x)}, any shape. */
    static void forward(Activation.Forward o) {
        double[] x = data(o.x());
        double[] y = data(o.y());
        for (int i = 0; i < x.length; i++) {
            y[i] = value(o.act(), x[i]);
        }
        finish(o.y());
    }

    /** {@code dx = dy * f'(x)}, any shape; sigmoid and tanh take the derivative from {@code y}. */
    static void backward(Activation.Backward o) {
        double[] x = data(o.x());
        double[] y = data(o.y());
        double[] dy = data(o.dy());
        double[] dx = data(o.dx());
        for (int i = 0; i < x.length; i++) {
            dx[i] = dy[i] * derivative(o.act(), x[i], y[i]);
        }
        finish(o.dx());
    }

    /** f(x). */
    static double value(Activation act, double x) {
        double alpha = act.alpha();
        return switch (act.kind()) {
            // Math.max returns NaN for a NaN argument, as torch.relu does
            case RELU -> Math.max(x, 0);
            case LEAKY_RELU -> x > 0 ? x : alpha * x;
            // expm1 keeps exp(x) - 1 accurate near 0
            case ELU -> x > 0 ? x : alpha * Math.expm1(x);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case TANH -> Math.tanh(x);
        };
    }

    /** f'(x), from x or from y = f(x); NaN when x (or y) is NaN. */
    static double derivative(Activation act, double x, double y) {
        double alpha = act.alpha();
        if (Double.isNaN(x)) {
            return Double.NaN;
        }
        return switch (act.kind()) {
            case RELU -> x > 0 ? 1 : 0;
            case LEAKY_RELU -> x > 0 ? 1 : alpha;
            case ELU -> x > 0 ? 1 : alpha * Math.exp(x);
            case SIGMOID -> y * (1 - y);
            case TANH -> 1 - y * y;
        };
    }
}
