package org.cnn4j.nn;

import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;

/**
 * A learned tensor and its gradient, both on one backend and owned by the layer that declares it. Each
 * {@code backward} overwrites {@link #grad()} (gradients are not accumulated across calls); the optimizer reads
 * it and updates {@link #value()} in place.
 *
 * <p>A layer applied at several places of a graph has one shared copy per extra place (see
 * {@link Layer#sharedCopy()}): its parameters {@link #sharing share} the owner's value and have a gradient of their
 * own, which the graph adds into the owner's after its backward, so the owner's gradient is the sum over the
 * places, as in PyTorch. Only owners appear in a model's {@code parameters()}.
 */
public final class Parameter implements AutoCloseable {
    private final String name;
    private final Tensor value;
    private final Tensor grad;
    /** True for weights that take weight decay / an L2 penalty (conv and linear kernels, not biases or BN). */
    private final boolean decays;
    /** The parameter whose value this one shares, or null when this one owns its value. */
    private final Parameter owner;

    Parameter(String name, Tensor value, Tensor grad, boolean decays, Parameter owner) {
        this.name = name;
        this.value = value;
        this.grad = grad;
        this.decays = decays;
        this.owner = owner;
    }

    /** A zero parameter of {@code shape} and its zero gradient on {@code backend}. */
    public static Parameter allocate(Backend backend, String name, Shape shape, boolean decays) {
        Tensor v = backend.allocate(shape);
        try {
            return new Parameter(name, v, backend.allocate(shape), decays, null);
        } catch (RuntimeException e) {
            v.close();
            throw e;
        }
    }

    /** A parameter with {@code owner}'s value (the same tensor) and a zero gradient of its own on {@code backend}. */
    public static Parameter sharing(Backend backend, Parameter owner) {
        Parameter root = owner.owner == null ? owner : owner.owner;
        return new Parameter(root.name, root.value, backend.allocate(root.shape()), root.decays, root);
    }

    /** The parameter whose value this one shares, or null when it owns its value. */
    public Parameter owner() {
        return owner;
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
        if (owner == null) {
            value.close();
        }
        grad.close();
    }
}
