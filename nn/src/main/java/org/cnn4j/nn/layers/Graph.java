package org.cnn4j.nn.layers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
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
import org.cnn4j.ops.Add;
import org.cnn4j.ops.Axpy;
import org.cnn4j.ops.Concat;

/**
 * Layers wired as a directed acyclic graph: skip connections, branches merged by addition or concatenation,
 * several outputs, and one layer applied at several places with its weights shared. PyTorch writes these as a
 * module's {@code forward}; here they are built once with a {@link Builder}, in the order of the computation:
 *
 * <pre>{@code
 * Graph.Builder g = Graph.builder(backend);
 * Graph.Node x = g.input();
 * Graph.Node h = g.apply("conv1", new Conv2d(backend, 64, 64, 3, 1, 1), x);
 * h = g.apply("bn1", new BatchNorm2d(backend, 64), h);
 * Graph block = g.build(g.apply("relu", relu, g.add(h, x)));   // a residual connection
 * }</pre>
 *
 * <p>Names. Every layer gets a name when it is first applied; its parameters and buffers appear under it in the
 * state dict, as PyTorch's attribute names do ({@code conv1.weight}, {@code downsample.0.running_mean}). A name may
 * contain dots, so a flat graph can carry a nested module's names ({@code fpn.inner_blocks.0}). Applying the same
 * layer again under the same name applies it with shared weights: the graph runs a {@link Layer#sharedCopy()
 * shared copy} there, and after backward adds the copy's gradients into the layer's, so a parameter's gradient is
 * the sum over the places it was used, as autograd gives. Only the first place's layer is in the state dict.
 *
 * <p>Forward runs the nodes in the order they were built (always a topological order); backward runs them in
 * reverse, summing the gradients of a node that feeds several others in a fixed order (the order of its consumers,
 * last built first), so the result is the same bits on every run. Merges write into the graph's {@link
 * org.cnn4j.nn.Workspace}, so a warm step allocates no tensors. Every node must lead to an output.
 *
 * <p>{@link #forward(Tensor)} and {@link #backward(Tensor)} are for graphs with one output (a graph is then a
 * {@link Layer} like any other and nests in a {@link Sequential}); {@link #forwardAll} and {@link #backwardAll}
 * take every output.
 */
public final class Graph extends Layer {
    /** A value in the graph under construction: the input, a layer's output, or a merge. */
    public static final class Node {
        private final Builder owner;
        private final int id;

        private Node(Builder owner, int id) {
            this.owner = owner;
            this.id = id;
        }

        /** The node's name (the layer's, with {@code #k} for the k-th place of a shared layer). */
        public String name() {
            return owner.nodes.get(id).name;
        }

        @Override
        public String toString() {
            return name();
        }
    }

    private enum Kind { INPUT, LAYER, ADD, CONCAT }

    /** One node: what it computes, from which nodes, and the workspace roles of its tensors. */
    private static final class Def {
        final String name;
        final Kind kind;
        final Layer layer;
        final boolean shared;
        final int[] in;
        final Concat cat;
        final String outRole;
        final String gradRole;
        final String[] splitRoles;

        Def(String name, Kind kind, Layer layer, boolean shared, int[] in, Concat cat) {
            this.name = name;
            this.kind = kind;
            this.layer = layer;
            this.shared = shared;
            this.in = in;
            this.cat = cat;
            this.outRole = "out:" + name;
            this.gradRole = "grad:" + name;
            this.splitRoles = new String[in.length];
            for (int i = 0; i < in.length; i++) {
                splitRoles[i] = "split:" + name + ":" + i;
            }
        }

        String describe() {
            return switch (kind) {
                case INPUT -> "input";
                case LAYER -> layer.describe();
                case ADD -> "add";
                case CONCAT -> "cat(dim=" + cat.axis() + ")";
            };
        }
    }

    /** Builds a graph node by node; owns the layers given to it until {@link #build} (closes them if not built). */
    public static final class Builder implements AutoCloseable {
        private final Backend backend;
        private final List<Def> nodes = new ArrayList<>();
        private final Map<String, Layer> owners = new LinkedHashMap<>();
        private final Map<String, Integer> uses = new LinkedHashMap<>();
        private final Map<String, Integer> mergeNames = new LinkedHashMap<>();
        private boolean done;

        private Builder(Backend backend) {
            this.backend = backend;
            nodes.add(new Def("input", Kind.INPUT, null, false, new int[0], null));
        }

        /** The graph's input. */
        public Node input() {
            return new Node(this, 0);
        }

        /**
         * Applies {@code layer}, named {@code name}, to {@code in}. A name already given to the same layer applies
         * it again with shared weights; a name given to another layer is an error.
         */
        public Node apply(String name, Layer layer, Node in) {
            open();
            check(in, "apply " + name);
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("Graph: a layer needs a non-empty name");
            }
            if (layer.backend() != backend) {
                throw new IllegalArgumentException("Graph: layer " + name + " is on backend '" + layer.backend().name()
                        + "', the graph on '" + backend.name() + "'");
            }
            Layer owner = owners.get(name);
            if (owner == null) {
                if (owners.containsValue(layer)) {
                    throw new IllegalArgumentException("Graph: " + layer.describe() + " is already named '"
                            + nameOf(layer) + "'; apply it again under that name to share its weights");
                }
                owners.put(name, layer);
                uses.put(name, 1);
                return add(new Def(name, Kind.LAYER, layer, false, new int[] {in.id}, null));
            }
            if (owner != layer) {
                throw new IllegalArgumentException("Graph: the name '" + name + "' is taken by " + owner.describe()
                        + ", so " + layer.describe() + " needs another name");
            }
            int k = uses.merge(name, 1, Integer::sum);
            Layer copy = layer.sharedCopy();
            return add(new Def(name + "#" + k, Kind.LAYER, copy, true, new int[] {in.id}, null));
        }

        /** {@code a + b (+ ...)}, element-wise, on inputs of one shape (a residual connection). */
        public Node add(Node... in) {
            return add(mergeName("add"), in);
        }

        /** {@link #add(Node...)} with a name for summaries. */
        public Node add(String name, Node... in) {
            open();
            if (in.length < 2) {
                throw new IllegalArgumentException("Graph: add " + name + " needs at least 2 inputs, got "
                        + in.length);
            }
            return add(new Def(unique(name), Kind.ADD, null, false, ids("add " + name, in), null));
        }

        /** Concatenation of the inputs along {@code axis} ({@code torch.cat(inputs, dim=axis)}). */
        public Node concat(int axis, Node... in) {
            return concat(mergeName("cat"), axis, in);
        }

        /** {@link #concat(int, Node...)} with a name for summaries. */
        public Node concat(String name, int axis, Node... in) {
            open();
            if (in.length < 1) {
                throw new IllegalArgumentException("Graph: concat " + name + " needs at least 1 input");
            }
            return add(new Def(unique(name), Kind.CONCAT, null, false, ids("concat " + name, in), new Concat(axis)));
        }

        /** The graph with {@code outputs}; every node must lead to one of them. */
        public Graph build(Node... outputs) {
            open();
            if (outputs.length == 0) {
                throw new IllegalArgumentException("Graph: build needs at least one output");
            }
            int[] out = ids("build", outputs);
            boolean[] used = new boolean[nodes.size()];
            for (int o : out) {
                used[o] = true;
            }
            for (int i = nodes.size() - 1; i >= 0; i--) {
                if (used[i]) {
                    for (int j : nodes.get(i).in) {
                        used[j] = true;
                    }
                }
            }
            for (int i = 0; i < nodes.size(); i++) {
                if (!used[i]) {
                    throw new IllegalArgumentException("Graph: node '" + nodes.get(i).name
                            + "' leads to no output (outputs: " + names(out) + ")");
                }
            }
            done = true;
            return new Graph(backend, List.copyOf(nodes), new LinkedHashMap<>(owners), out);
        }

        /** Closes the layers given to this builder when no graph was built from them. */
        @Override
        public void close() {
            if (done) {
                return;
            }
            done = true;
            for (Def d : nodes) {
                if (d.layer != null) {
                    d.layer.close();
                }
            }
        }

        private Node add(Def d) {
            nodes.add(d);
            return new Node(this, nodes.size() - 1);
        }

        private void open() {
            if (done) {
                throw new IllegalStateException("Graph: this builder has already built its graph (or was closed)");
            }
        }

        private void check(Node n, String where) {
            if (n == null || n.owner != this) {
                throw new IllegalArgumentException("Graph: " + where + " reads a node of another builder (or null)");
            }
        }

        private int[] ids(String where, Node[] in) {
            int[] ids = new int[in.length];
            for (int i = 0; i < in.length; i++) {
                check(in[i], where);
                ids[i] = in[i].id;
            }
            return ids;
        }

        private String mergeName(String kind) {
            int k = mergeNames.merge(kind, 1, Integer::sum);
            return k == 1 ? kind : kind + "_" + (k - 1);
        }

        private String unique(String name) {
            for (Def d : nodes) {
                if (d.name.equals(name)) {
                    throw new IllegalArgumentException("Graph: a node is already called '" + name + "'");
                }
            }
            if (owners.containsKey(name)) {
                throw new IllegalArgumentException("Graph: a layer is already called '" + name + "'");
            }
            return name;
        }

        private String nameOf(Layer layer) {
            for (Map.Entry<String, Layer> e : owners.entrySet()) {
                if (e.getValue() == layer) {
                    return e.getKey();
                }
            }
            return "?";
        }

        private String names(int[] ids) {
            List<String> s = new ArrayList<>();
            for (int i : ids) {
                s.add(nodes.get(i).name);
            }
            return String.join(", ", s);
        }
    }

    /** A builder of a graph on {@code backend}. */
    public static Builder builder(Backend backend) {
        return new Builder(backend);
    }

    private final List<Def> nodes;
    private final Map<String, Layer> owners;
    private final int[] outputs;
    /** Per node: the tensor it produced in the last forward. */
    private final Tensor[] values;
    /** Per node: the gradients flowing into it during backward, in the order they arrive. */
    private final List<List<Tensor>> contributions;
    /** The parameters of the shared copies in this tree, when this graph is the outermost container. */
    private List<Parameter> shared;

    private Graph(Backend backend, List<Def> nodes, Map<String, Layer> owners, int[] outputs) {
        super(backend);
        this.nodes = nodes;
        this.owners = owners;
        this.outputs = outputs;
        this.values = new Tensor[nodes.size()];
        this.contributions = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            contributions.add(new ArrayList<>(2));
        }
        for (Def d : nodes) {
            if (d.layer != null) {
                adopt(d.layer);
            }
        }
        train(true);
        needsInputGradient(true);
    }

    /** Number of outputs. */
    public int outputCount() {
        return outputs.length;
    }

    /** The names of the output nodes, in order. */
    public List<String> outputNames() {
        List<String> s = new ArrayList<>();
        for (int o : outputs) {
            s.add(nodes.get(o).name);
        }
        return s;
    }

    @Override
    public Map<String, Layer> children() {
        return Collections.unmodifiableMap(owners);
    }

    @Override
    public void initialize(Init init, SplittableRandom rng) {
        for (Layer l : owners.values()) {
            l.initialize(init, rng.split());
        }
    }

    @Override
    public void train(boolean on) {
        super.train(on);
        for (Def d : nodes) {
            if (d.layer != null) {
                d.layer.train(on);
            }
        }
    }

    /** Layers reading the graph's input compute an input gradient only when asked; the others always do. */
    @Override
    public void needsInputGradient(boolean on) {
        super.needsInputGradient(on);
        for (Def d : nodes) {
            if (d.layer != null) {
                d.layer.needsInputGradient(on || d.in[0] != 0);
            }
        }
    }

    /** The shapes of the outputs for an input of {@code input}; throws naming the node whose inputs do not fit. */
    public List<Shape> outputShapes(Shape input) {
        Shape[] s = shapes(input);
        List<Shape> out = new ArrayList<>();
        for (int o : outputs) {
            out.add(s[o]);
        }
        return out;
    }

    @Override
    public Shape outputShape(Shape input) {
        requireOneOutput("outputShape");
        return shapes(input)[outputs[0]];
    }

    private Shape[] shapes(Shape input) {
        Shape[] s = new Shape[nodes.size()];
        s[0] = input;
        for (int i = 1; i < nodes.size(); i++) {
            s[i] = shape(nodes.get(i), s);
        }
        return s;
    }

    private Shape shape(Def d, Shape[] s) {
        return switch (d.kind) {
            case INPUT -> throw new IllegalStateException("input node inside the graph");
            case LAYER -> d.layer.outputShape(s[d.in[0]]);
            case ADD -> {
                Shape first = s[d.in[0]];
                for (int j : d.in) {
                    if (!s[j].equals(first)) {
                        throw new IllegalArgumentException("Graph: add '" + d.name + "' needs inputs of one shape but "
                                + nodes.get(d.in[0]).name + " is " + first + " and " + nodes.get(j).name + " is "
                                + s[j]);
                    }
                }
                yield first;
            }
            case CONCAT -> {
                List<Shape> in = new ArrayList<>();
                for (int j : d.in) {
                    in.add(s[j]);
                }
                try {
                    yield d.cat.outputShape(in);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("Graph: concat '" + d.name + "' of " + names(d.in) + ": "
                            + e.getMessage(), e);
                }
            }
        };
    }

    @Override
    protected Shape trace(String name, List<String> from, Shape input, boolean shared, List<Trace> out) {
        Shape[] s = new Shape[nodes.size()];
        String[] step = new String[nodes.size()];
        s[0] = input;
        for (int i = 1; i < nodes.size(); i++) {
            Def d = nodes.get(i);
            String q = name.isEmpty() ? d.name : name + "." + d.name;
            List<String> in = new ArrayList<>();
            List<Shape> inShapes = new ArrayList<>();
            for (int j : d.in) {
                if (j == 0) {
                    in.addAll(from);
                } else {
                    in.add(step[j]);
                }
                inShapes.add(s[j]);
            }
            if (d.kind == Kind.LAYER) {
                s[i] = traceChild(d.layer, q, in, s[d.in[0]], shared || d.shared, out);
                step[i] = out.getLast().name();
            } else {
                s[i] = shape(d, s);
                out.add(new Trace(q, null, d.describe(), in, inShapes, s[i], shared));
                step[i] = q;
            }
        }
        return s[outputs[0]];
    }

    @Override
    public Tensor forward(Tensor x) {
        requireOneOutput("forward");
        run(x);
        return values[outputs[0]];
    }

    /** Runs the graph on {@code x} and returns every output, in the order given to {@link Builder#build}. */
    public List<Tensor> forwardAll(Tensor x) {
        run(x);
        Tensor[] out = new Tensor[outputs.length];
        for (int k = 0; k < outputs.length; k++) {
            out[k] = values[outputs[k]];
        }
        return Arrays.asList(out);
    }

    private void run(Tensor x) {
        values[0] = x;
        for (int i = 1; i < nodes.size(); i++) {
            Def d = nodes.get(i);
            values[i] = switch (d.kind) {
                case INPUT -> throw new IllegalStateException("input node inside the graph");
                case LAYER -> d.layer.forward(values[d.in[0]]);
                case ADD -> sum(d, d.outRole, values, d.in);
                case CONCAT -> {
                    Tensor[] in = new Tensor[d.in.length];
                    Shape[] s = new Shape[d.in.length];
                    for (int k = 0; k < in.length; k++) {
                        in[k] = values[d.in[k]];
                        s[k] = in[k].shape();
                    }
                    Tensor y = workspace.get(d.outRole, concatShape(d, s));
                    run(new Concat.Forward(d.cat, Arrays.asList(in), y));
                    yield y;
                }
            };
        }
    }

    private Shape concatShape(Def d, Shape[] s) {
        try {
            return d.cat.outputShape(Arrays.asList(s));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Graph: concat '" + d.name + "' of " + names(d.in) + ": "
                    + e.getMessage(), e);
        }
    }

    /** The sum of {@code t[ids]} into the workspace tensor {@code role}: {@code a + b}, then {@code += c}, ... */
    private Tensor sum(Def d, String role, Tensor[] t, int[] ids) {
        Tensor first = t[ids[0]];
        for (int j : ids) {
            if (!t[j].shape().equals(first.shape())) {
                throw new IllegalArgumentException("Graph: add '" + d.name + "' needs inputs of one shape but "
                        + nodes.get(ids[0]).name + " is " + first.shape() + " and " + nodes.get(j).name + " is "
                        + t[j].shape());
            }
        }
        Tensor y = workspace.get(role, first.shape());
        run(new Add.Run(Add.sum(), first, t[ids[1]], y));
        for (int k = 2; k < ids.length; k++) {
            run(new Axpy.Run(ONE, t[ids[k]], y));
        }
        return y;
    }

    private static final Axpy ONE = new Axpy(1);

    @Override
    public Tensor backward(Tensor dy) {
        requireOneOutput("backward");
        return backwardAll(List.of(dy));
    }

    /**
     * Backward from the gradients of every output ({@code dys}, in output order, each the shape of its output);
     * writes the parameter gradients (for a shared layer, the sum over its places) and returns {@code dL/dx}, or
     * null when no input gradient was asked for.
     */
    public Tensor backwardAll(List<Tensor> dys) {
        if (dys.size() != outputs.length) {
            throw new IllegalArgumentException("Graph: backward needs " + outputs.length + " output gradients ("
                    + outputNames() + "), got " + dys.size());
        }
        for (List<Tensor> c : contributions) {
            c.clear();
        }
        for (int k = 0; k < outputs.length; k++) {
            Tensor dy = dys.get(k);
            Tensor y = values[outputs[k]];
            if (dy == null || y == null || !dy.shape().equals(y.shape())) {
                throw new IllegalArgumentException("Graph: the gradient of output " + nodes.get(outputs[k]).name
                        + " must have its shape " + (y == null ? "(no forward yet)" : y.shape()) + " but is "
                        + (dy == null ? "null" : dy.shape()));
            }
            contributions.get(outputs[k]).add(dy);
        }
        for (int i = nodes.size() - 1; i >= 1; i--) {
            Def d = nodes.get(i);
            Tensor g = gradient(i);
            switch (d.kind) {
                case INPUT -> throw new IllegalStateException("input node inside the graph");
                case LAYER -> {
                    Tensor dx = d.layer.backward(g);
                    backwardDone(d.layer);
                    if (dx != null) {
                        contributions.get(d.in[0]).add(dx);
                    } else if (d.in[0] != 0) {
                        throw new IllegalStateException("Graph: layer " + d.name + " returned no input gradient");
                    }
                }
                case ADD -> {
                    for (int j : d.in) {
                        if (j != 0 || needsInputGradient()) {
                            contributions.get(j).add(g);
                        }
                    }
                }
                case CONCAT -> {
                    Tensor[] dx = new Tensor[d.in.length];
                    for (int k = 0; k < dx.length; k++) {
                        dx[k] = workspace.get(d.splitRoles[k], values[d.in[k]].shape());
                    }
                    run(new Concat.Backward(d.cat, g, Arrays.asList(dx)));
                    for (int k = 0; k < dx.length; k++) {
                        if (d.in[k] != 0 || needsInputGradient()) {
                            contributions.get(d.in[k]).add(dx[k]);
                        }
                    }
                }
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
        return needsInputGradient() ? gradient(0) : null;
    }

    /** The gradient flowing into node {@code i}: its one contribution, or their sum in arrival order. */
    private Tensor gradient(int i) {
        List<Tensor> c = contributions.get(i);
        if (c.isEmpty()) {
            throw new IllegalStateException("Graph: no gradient reached node " + nodes.get(i).name);
        }
        if (c.size() == 1) {
            return c.getFirst();
        }
        Tensor y = workspace.get(nodes.get(i).gradRole, c.getFirst().shape());
        run(new Add.Run(Add.sum(), c.get(0), c.get(1), y));
        for (int k = 2; k < c.size(); k++) {
            run(new Axpy.Run(ONE, c.get(k), y));
        }
        return y;
    }

    private void requireOneOutput(String what) {
        if (outputs.length != 1) {
            throw new IllegalStateException("Graph: " + what + " needs a graph with one output but this one has "
                    + outputs.length + " (" + outputNames() + "); use the *All variant");
        }
    }

    private String names(int[] ids) {
        List<String> s = new ArrayList<>();
        for (int i : ids) {
            s.add(nodes.get(i).name);
        }
        return String.join(", ", s);
    }

    @Override
    protected void sharedParameters(List<Parameter> out) {
        for (Def d : nodes) {
            if (d.layer != null) {
                sharedParametersOf(d.layer, out);
            }
        }
    }

    /** A graph of the same nodes whose layers are all shared copies (for a graph applied at several places). */
    @Override
    public Graph sharedCopy() {
        List<Def> copy = new ArrayList<>();
        Map<String, Layer> copyOwners = new LinkedHashMap<>();
        IdentityHashMap<Layer, Layer> made = new IdentityHashMap<>();
        try {
            for (Def d : nodes) {
                Layer l = d.layer == null ? null : made.computeIfAbsent(d.layer, Layer::sharedCopy);
                copy.add(new Def(d.name, d.kind, l, true, d.in, d.cat));
            }
            for (Map.Entry<String, Layer> e : owners.entrySet()) {
                copyOwners.put(e.getKey(), made.get(e.getValue()));
            }
        } catch (RuntimeException e) {
            for (Layer l : made.values()) {
                l.close();
            }
            throw e;
        }
        Graph g = new Graph(backend, copy, copyOwners, outputs);
        g.train(isTraining());
        return g;
    }

    @Override
    public String describe() {
        return "Graph(" + owners.size() + " layers, " + (nodes.size() - 1) + " nodes, " + outputs.length
                + (outputs.length == 1 ? " output)" : " outputs)");
    }

    @Override
    public void close() {
        List<Layer> all = new ArrayList<>();
        for (Def d : nodes) {
            if (d.layer != null) {
                all.add(d.layer);
            }
        }
        closeAll(all);
    }
}
