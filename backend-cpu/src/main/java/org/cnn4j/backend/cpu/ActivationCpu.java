package org.cnn4j.backend.cpu;

import static org.cnn4j.backend.cpu.CpuBackend.data;

import org.cnn4j.ops.Activation;

/**
 * Element-wise activations and their gradients ({@link Activation}), in chunks over the workers; sigmoid, tanh
 * and ELU forward run on {@link VectorMath} when the vector path is on. NaN propagates
 * as in the reference: the derivative at a NaN input is NaN. Each element is read before it is written, so
 * outputs may share memory with inputs.
 */
final class ActivationCpu {
    private ActivationCpu() {
    }

    /** Rough cost of one element, for the parallel threshold. */
    private static long cost(Activation.Kind k) {
        return switch (k) {
            case RELU, LEAKY_RELU -> 1;
            case ELU, SIGMOID, TANH -> 20;
        };
    }

    static void forward(CpuBackend be, Activation.Forward o) {
        float[] x = data(o.x());
        float[] y = data(o.y());
        float alpha = (float) o.act().alpha();
        Activation.Kind kind = o.act().kind();
        boolean vector = be.config().vector();
        be.parallelFor(x.length, cost(kind), (from, to) -> {
            switch (kind) {
                case RELU -> {
                    // Math.max keeps NaN and compiles to a vector max: no branch to mispredict on random signs
                    for (int i = from; i < to; i++) {
                        y[i] = Math.max(x[i], 0f);
                    }
                }
                case LEAKY_RELU -> {
                    for (int i = from; i < to; i++) {
                        float v = x[i];
                        y[i] = Math.max(v, 0f) + alpha * Math.min(v, 0f);
                    }
                }
                case ELU -> {
                    if (vector) {
                        VectorMath.elu(x, y, alpha, from, to);
                        return;
                    }
                    for (int i = from; i < to; i++) {
                        y[i] = FloatMath.elu(x[i], alpha);
                    }
                }
                case SIGMOID -> {
                    if (vector) {
                        VectorMath.sigmoid(x, y, from, to);
                        return;
                    }
                    for (int i = from; i < to; i++) {
                        y[i] = FloatMath.sigmoid(x[i]);
                    }
                }
                case TANH -> {
                    if (vector) {
                        VectorMath.tanh(x, y, from, to);
                        return;
                    }
                    for (int i = from; i < to; i++) {
                        y[i] = FloatMath.tanh(x[i]);
                    }
                }
            }
        });
    }

    static void backward(CpuBackend be, Activation.Backward o) {
        float[] x = data(o.x());
        float[] y = data(o.y());
        float[] dy = data(o.dy());
        float[] dx = data(o.dx());
        float alpha = (float) o.act().alpha();
        double a = o.act().alpha();
        Activation.Kind kind = o.act().kind();
        be.parallelFor(x.length, cost(kind), (from, to) -> {
            switch (kind) {
                case RELU -> {
                    // step = signum(max(x, 0)): 1 for x > 0, 0 otherwise, NaN for NaN; branch-free
                    for (int i = from; i < to; i++) {
                        dx[i] = dy[i] * Math.signum(Math.max(x[i], 0f));
                    }
                }
                case LEAKY_RELU -> {
                    for (int i = from; i < to; i++) {
                        float step = Math.signum(Math.max(x[i], 0f));
                        dx[i] = dy[i] * (step + alpha * (1f - step));
                    }
                }
                case ELU -> {
                    for (int i = from; i < to; i++) {
                        dx[i] = x[i] > 0 ? dy[i] : (float) (dy[i] * a * StrictMath.exp(x[i]));
                    }
                }
                case SIGMOID -> {
                    for (int i = from; i < to; i++) {
                        double s = y[i];
                        dx[i] = x[i] != x[i] ? Float.NaN : (float) (dy[i] * s * (1 - s));
                    }
                }
                case TANH -> {
                    for (int i = from; i < to; i++) {
                        double t = y[i];
                        dx[i] = x[i] != x[i] ? Float.NaN : (float) (dy[i] * (1 - t * t));
                    }
                }
            }
        });
    }
}
