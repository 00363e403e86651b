package org.cnn4j.nn;

import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;

/**
 * A learned tensor and its gradient, both on one backend and owned by the layer that declares it. Each
 * {@code backward} overwrites {@link #grad()} (gradients are not accumulated across calls); the optimizer reads
 * it and updates {@link #value()} in place.
 */
public final class Parameter implements AutoCloseable {
    private final String name;
    private final Tensor value;
    private final Tensor grad;
    /** True for weights that take weight decay / an L2 penalty (conv and linear kernels, not biases or BN). */
    private final boolean decays;

    Parameter(String name, Tensor value, Tensor grad, boolean decays) {
        this.name = name;
        this.value = value;
        this.grad = grad;
        this.decays = decays;
    }

    /** A zero parameter of {@code shape} and its zero gradient on {@code backend}. */
    public static Parameter allocate(Backend backend, String name, Shape shape, boolean decays) {
        Tensor v = backend.allocate(shape);
        try {
            return new Parameter(name, v, backend.allocate(shape), decays);
        } catch (RuntimeException e) {
            v.close();
            throw e;
        }
    }

    /** The name inside its layer ({@code weight}, {@code bias}). */
    public String name() {
        return name;
    }

    public Tensor value() {
        return value;
    }

    public Tensor grad() {
        return grad;
    }

    public Shape shape() {
        return value.shape();
    }

    public boolean decays() {
        return decays;
    }

    @Override
    public void close() {
        value.close();
        grad.close();
    }
}
