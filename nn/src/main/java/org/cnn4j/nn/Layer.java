package org.cnn4j.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Op;

/**
 * A layer: parameters and buffers on one {@link Backend}, a forward and a backward pass.
 *
 * <p>Contract. {@link #forward} returns a tensor the layer owns (or its input, for layers that do nothing in the
 * current mode); it stays valid until the next {@code forward} with the same input shape. The layer keeps what
 * its backward needs (usually the input and output), so the caller must not change the input before
 * {@link #backward}. {@code backward(dy)} writes the gradients of the parameters (overwriting them) and returns
 * {@code dL/dx}, or {@code null} when {@link #needsInputGradient(boolean) no input gradient} was asked for.
 * Activations come from a {@link Workspace}: allocated once per input shape, then reused.
 *
 * <p>Names follow PyTorch's {@code state_dict}: a layer's own tensors are {@code weight}, {@code bias},
 * {@code running_mean}, {@code running_var}; containers prefix their children's names ({@code 0.weight}).
 */
public abstract class Layer implements AutoCloseable {
    protected final Backend backend;
    protected final Workspace workspace;
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    /** Buffers another layer owns (a shared copy's running statistics): not closed by this layer. */
    private final java.util.Set<String> borrowedBuffers = new java.util.HashSet<>();
    private boolean training = true;
    /** True once a container holds this layer: then the outermost container sums the shared gradients. */
    private boolean nested;
    /** Told of each leaf whose backward has run, or null; see {@link #onBackwardDone}. */
    private java.util.function.Consumer<Layer> backwardDone;
    private boolean inputGradient = true;

    protected Layer(Backend backend) {
        this.backend = backend;
        this.workspace = new Workspace(backend);
    }

    public final Backend backend() {
        return backend;
    }

    /** The output shape for an input of {@code input}; throws when the input does not fit. */
    public abstract Shape outputShape(Shape input);

    /** {@code y = f(x)}. */
    public abstract Tensor forward(Tensor x);

    /** {@code dL/dx} from {@code dL/dy}, after a training-mode {@link #forward}; writes the parameter gradients. */
    public abstract Tensor backward(Tensor dy);

    /** Training mode (batch statistics, dropout) or inference mode (running statistics, no dropout). */
    public void train(boolean on) {
        this.training = on;
    }

    public final boolean isTraining() {
        return training;
    }

    /** Whether {@link #backward} must compute the input gradient (false for the first layer of a model). */
    public void needsInputGradient(boolean on) {
        this.inputGradient = on;
    }

    public final boolean needsInputGradient() {
        return inputGradient;
    }

    /** Re-initialises the parameters (and resets the buffers) with {@code init}, drawing from {@code rng}. */
    public void initialize(Init init, SplittableRandom rng) {
    }

    /**
     * The learned tensors by state-dict name, in declaration order: a leaf's own ({@code weight}), a container's
     * children's prefixed with their names ({@code 0.weight}, {@code layer1.0.conv1.weight}).
     */
    public Map<String, Parameter> parameters() {
        return children().isEmpty() ? java.util.Collections.unmodifiableMap(params)
                : prefixed(children(), Layer::parameters);
    }

    /** The non-learned state by state-dict name (running statistics). */
    public Map<String, Tensor> buffers() {
        return children().isEmpty() ? java.util.Collections.unmodifiableMap(buffers)
                : prefixed(children(), Layer::buffers);
    }

    private static <T> Map<String, T> prefixed(Map<String, Layer> children,
            java.util.function.Function<Layer, Map<String, T>> of) {
        Map<String, T> out = new LinkedHashMap<>();
        for (Map.Entry<String, Layer> c : children.entrySet()) {
            for (Map.Entry<String, T> e : of.apply(c.getValue()).entrySet()) {
                out.put(c.getKey() + "." + e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /** Closes every layer of {@code layers}, then this layer; rethrows the first failure once all are closed. */
    protected final void closeAll(Iterable<? extends Layer> layers) {
        RuntimeException first = null;
        for (Layer l : layers) {
            try {
                l.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        close0();
        if (first != null) {
            throw first;
        }
    }

    /** The directly contained layers by name; empty for leaves. */
    public Map<String, Layer> children() {
        return Map.of();
    }

    /**
     * A copy of this layer for a second place in a graph: the same configuration, the parameters
     * {@link Parameter#sharing shared} (same values, own gradients, which the graph sums into the owner's after
     * backward), the buffers shared (batch-norm running statistics update at every place, as PyTorch's module
     * does), and its own activations. Layers that cannot be shared throw, naming themselves.
     */
    public Layer sharedCopy() {
        throw new UnsupportedOperationException(describe() + " cannot be applied at several places of a graph; "
                + "create one layer per place");
    }

    /** This layer's applications in forward order for an input of {@code input}: leaves and merges, with shapes. */
    public final List<Trace> trace(Shape input) {
        List<Trace> out = new ArrayList<>();
        trace("", List.of(), input, false, out);
        return List.copyOf(out);
    }

    /**
     * Appends the steps of this layer, named {@code name}, reading the steps {@code from}, to {@code out} and
     * returns its output shape. A leaf appends itself; containers override this to append their children's.
     */
    protected Shape trace(String name, List<String> from, Shape input, boolean shared, List<Trace> out) {
        Shape y = outputShape(input);
        out.add(new Trace(name, this, describe(), from, List.of(input), y, shared));
        return y;
    }

    /**
     * Calls {@code listener} with each leaf under this layer as soon as its backward has run in a container's
     * backward, in backward order (null: no listener). The leaf's own parameters' gradients are then final, unless
     * a shared copy adds to them at the end of the outermost backward. Data-parallel training starts summing them
     * over the replicas from here while the rest of backward runs.
     */
    public final void onBackwardDone(java.util.function.Consumer<Layer> listener) {
        this.backwardDone = listener;
        for (Layer c : children().values()) {
            c.onBackwardDone(listener);
        }
    }

    /** For containers: after {@code child}'s backward, tells the listener of it when it is a leaf. */
    protected final void backwardDone(Layer child) {
        if (backwardDone != null && child.children().isEmpty()) {
            backwardDone.accept(child);
        }
    }

    /** Marks {@code child} as held by a container (see {@link #sumSharedGradients}). */
    protected static void adopt(Layer child) {
        child.nested = true;
    }

    /** True when a container holds this layer. */
    protected final boolean isNested() {
        return nested;
    }

    /**
     * Appends the parameters in this layer's tree that share another parameter's value (those of
     * {@link #sharedCopy() shared copies}), in a fixed order. Containers override this to visit every layer they
     * run, shared copies included.
     */
    protected void sharedParameters(List<Parameter> out) {
        for (Parameter p : parameters().values()) {
            if (p.owner() != null) {
                out.add(p);
            }
        }
    }

    /**
     * The parameters under this layer that shared copies also write gradients for (their gradient is final only
     * once the outermost container has summed the copies' into it, at the end of its backward).
     */
    public final java.util.Set<Parameter> parametersWithSharedCopies() {
        List<Parameter> copies = new ArrayList<>();
        sharedParameters(copies);
        java.util.Set<Parameter> owners = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Parameter p : copies) {
            owners.add(p.owner());
        }
        return owners;
    }

    /** {@link #sharedParameters(List)} of a child, for containers. */
    protected static void sharedParametersOf(Layer child, List<Parameter> out) {
        child.sharedParameters(out);
    }

    /**
     * Adds each shared parameter's gradient into its owner's, in order. The outermost container calls this at the
     * end of its backward, once every place has written its gradient, so each owner ends with the sum over its
     * places.
     */
    protected final void sumSharedGradients(List<Parameter> shared) {
        for (Parameter p : shared) {
            run(new org.cnn4j.ops.Axpy.Run(ONE, p.grad(), p.owner().grad()));
        }
    }

    private static final org.cnn4j.ops.Axpy ONE = new org.cnn4j.ops.Axpy(1);

    /** {@link #trace(String, List, Shape, boolean, List)} of a child, for containers. */
    protected static Shape traceChild(Layer child, String name, List<String> from, Shape input, boolean shared,
            List<Trace> out) {
        return child.trace(name, from, input, shared, out);
    }

    /** A short description for summaries ({@code Conv2d(1, 6, kernel=(5, 5), ...)}). */
    public String describe() {
        return getClass().getSimpleName();
    }

    /** Number of trainable values. */
    public final long trainableCount() {
        long n = 0;
        for (Parameter p : parameters().values()) {
            n += p.shape().size();
        }
        return n;
    }

    /** Number of buffer values (non-trainable). */
    public final long bufferCount() {
        long n = 0;
        for (Tensor t : buffers().values()) {
            n += t.size();
        }
        return n;
    }

    /** The leaves under this layer with their qualified names (this layer itself when it is a leaf). */
    public final List<Map.Entry<String, Layer>> leaves() {
        List<Map.Entry<String, Layer>> out = new ArrayList<>();
        collectLeaves("", this, out);
        return out;
    }

    private static void collectLeaves(String prefix, Layer l, List<Map.Entry<String, Layer>> out) {
        if (l.children().isEmpty()) {
            out.add(Map.entry(prefix, l));
            return;
        }
        for (Map.Entry<String, Layer> e : l.children().entrySet()) {
            collectLeaves(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
        }
    }

    protected final Parameter addParameter(String name, Shape shape, boolean decays) {
        Parameter p = Parameter.allocate(backend, name, shape, decays);
        params.put(name, p);
        return p;
    }

    /** Registers a parameter sharing {@code owner}'s value under the owner's name (for {@link #sharedCopy()}). */
    protected final Parameter shareParameter(Parameter owner) {
        Parameter p = Parameter.sharing(backend, owner);
        params.put(p.name(), p);
        return p;
    }

    /** Registers {@code owned}, a buffer of another layer, under {@code name}; it is not closed with this layer. */
    protected final Tensor shareBuffer(String name, Tensor owned) {
        buffers.put(name, owned);
        borrowedBuffers.add(name);
        return owned;
    }

    protected final Tensor addBuffer(String name, Shape shape) {
        Tensor t = backend.allocate(shape);
        buffers.put(name, t);
        return t;
    }

    protected final void run(Op op) {
        backend.execute(op);
    }

    /** Fills a tensor with {@code value} on the host and uploads it (initialisation only). */
    protected static void fill(Tensor t, float value) {
        if (t.backend() instanceof MetaBackend) {
            return;
        }
        float[] v = new float[t.size()];
        java.util.Arrays.fill(v, value);
        t.copyFrom(v);
    }

    protected static void requireRank(String layer, Shape s, int rank) {
        if (s.rank() != rank) {
            throw new IllegalArgumentException(layer + ": input must have rank " + rank + " but has shape " + s);
        }
    }

    @Override
    public void close() {
        close0();
    }

    /** Closes this layer's own parameters, buffers and workspace. */
    private void close0() {
        for (Parameter p : params.values()) {
            p.close();
        }
        for (Map.Entry<String, Tensor> b : buffers.entrySet()) {
            if (!borrowedBuffers.contains(b.getKey())) {
                b.getValue().close();
            }
        }
        workspace.close();
    }
}
