package org.cnn4j.nn.layers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Init;
import org.cnn4j.nn.Layer;
import org.cnn4j.nn.Parameter;
import org.cnn4j.nn.Trace;

/**
 * Layers run in order, PyTorch's {@code nn.Sequential}. Children are named by position ({@code 0}, {@code 1},
 * ...) unless given a name; state-dict names are prefixed with them ({@code 0.weight}, {@code bn.running_mean}).
 * The sequential owns its children and closes them.
 */
public final class Sequential extends Layer {
    private final Map<String, Layer> layers = new LinkedHashMap<>();
    private final List<Layer> order = new ArrayList<>();
    /** The parameters of the shared copies in this tree, when this sequential is the outermost container. */
    private List<Parameter> shared;

    public Sequential(Backend backend) {
        super(backend);
    }

    /** Appends {@code layer} under its position as name. */
    public Sequential add(Layer layer) {
        return add(Integer.toString(order.size()), layer);
    }

    /** Appends {@code layer} under {@code name}. */
    public Sequential add(String name, Layer layer) {
        if (layer.backend() != backend) {
            throw new IllegalArgumentException("layer " + name + " is on backend '" + layer.backend().name()
                    + "', this sequential on '" + backend.name() + "'");
        }
        if (layers.putIfAbsent(name, layer) != null) {
            throw new IllegalArgumentException("a layer is already called '" + name + "'");
        }
        order.add(layer);
        adopt(layer);
        shared = null;
        layer.train(isTraining());
        return this;
    }

    public Layer get(int i) {
        return order.get(i);
    }

    public int size() {
        return order.size();
    }

    @Override
    public Map<String, Layer> children() {
        return Collections.unmodifiableMap(layers);
    }

    @Override
    public void initialize(Init init, SplittableRandom rng) {
        for (Layer l : order) {
            l.initialize(init, rng.split());
        }
    }

    @Override
    public void train(boolean on) {
        super.train(on);
        for (Layer l : order) {
            l.train(on);
        }
    }

    /** The first layer gets no input gradient unless asked; the others always compute theirs. */
    @Override
    public void needsInputGradient(boolean on) {
        super.needsInputGradient(on);
        for (int i = 0; i < order.size(); i++) {
            order.get(i).needsInputGradient(i > 0 || on);
        }
    }

    @Override
    public Shape outputShape(Shape input) {
        Shape s = input;
        for (Layer l : order) {
            s = l.outputShape(s);
        }
        return s;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor t = x;
        for (int i = 0; i < order.size(); i++) {
            t = order.get(i).forward(t);
        }
        return t;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor g = dy;
        for (int i = order.size() - 1; i >= 0; i--) {
            g = order.get(i).backward(g);
            backwardDone(order.get(i));
            if (g == null && i > 0) {
                throw new IllegalStateException("layer " + i + " returned no input gradient");
            }
        }
        if (!isNested()) {
            if (shared == null) {
                List<Parameter> s = new ArrayList<>();
                sharedParameters(s);
                shared = List.copyOf(s);
            }
            sumSharedGradients(shared);
        }
        return g;
    }

    @Override
    protected Shape trace(String name, List<String> from, Shape input, boolean shared, List<Trace> out) {
        Shape s = input;
        List<String> in = from;
        for (Map.Entry<String, Layer> e : layers.entrySet()) {
            s = traceChild(e.getValue(), name.isEmpty() ? e.getKey() : name + "." + e.getKey(), in, s, shared, out);
            in = List.of(out.getLast().name());
        }
        return s;
    }

    @Override
    protected void sharedParameters(List<Parameter> out) {
        for (Layer l : order) {
            sharedParametersOf(l, out);
        }
    }

    /** A copy whose children are their shared copies, under the same names. */
    @Override
    public Sequential sharedCopy() {
        Sequential copy = new Sequential(backend);
        try {
            for (Map.Entry<String, Layer> e : layers.entrySet()) {
                copy.add(e.getKey(), e.getValue().sharedCopy());
            }
            copy.train(isTraining());
            return copy;
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        }
    }

    @Override
    public String describe() {
        return "Sequential(" + order.size() + " layers)";
    }

    @Override
    public void close() {
        closeAll(order);
    }
}
