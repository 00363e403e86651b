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

/**
 * Layers run in order, PyTorch's {@code nn.Sequential}. Children are named by position ({@code 0}, {@code 1},
 * ...) unless given a name; state-dict names are prefixed with them ({@code 0.weight}, {@code bn.running_mean}).
 * The sequential owns its children and closes them.
 */
public final class Sequential extends Layer {
    private final Map<String, Layer> layers = new LinkedHashMap<>();
    private final List<Layer> order = new ArrayList<>();

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
    public Map<String, Parameter> parameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (Map.Entry<String, Layer> e : layers.entrySet()) {
            for (Map.Entry<String, Parameter> p : e.getValue().parameters().entrySet()) {
                out.put(e.getKey() + "." + p.getKey(), p.getValue());
            }
        }
        return out;
    }

    @Override
    public Map<String, Tensor> buffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Layer> e : layers.entrySet()) {
            for (Map.Entry<String, Tensor> b : e.getValue().buffers().entrySet()) {
                out.put(e.getKey() + "." + b.getKey(), b.getValue());
            }
        }
        return out;
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
            if (g == null && i > 0) {
                throw new IllegalStateException("layer " + i + " returned no input gradient");
            }
        }
        return g;
    }

    @Override
    public String describe() {
        return "Sequential(" + order.size() + " layers)";
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (Layer l : order) {
            try {
                l.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        super.close();
        if (first != null) {
            throw first;
        }
    }
}
