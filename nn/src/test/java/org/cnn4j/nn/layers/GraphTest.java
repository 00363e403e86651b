package org.cnn4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.cnn4j.backend.cpu.CpuBackend;
import org.cnn4j.backend.reference.ReferenceBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Init;
import org.cnn4j.nn.Layer;
import org.cnn4j.nn.Parameter;
import org.cnn4j.nn.models.ResNets;
import org.cnn4j.ops.Op;
import org.junit.jupiter.api.Test;

/**
 * Graphs: residual blocks, concatenation, several outputs and shared layers, forward and backward. Gradients are
 * checked by central finite differences in double precision (a backend whose tensors are float64 by default, on
 * the reference), so a wrong sum over the places of a shared layer or over the consumers of a node shows as a
 * relative error far above the 1e-6 the check allows.
 */
class GraphTest {
    /** The reference backend, allocating float64 unless asked otherwise, so layers hold doubles. */
    static final class Float64 implements Backend {
        final ReferenceBackend ref = new ReferenceBackend();

        @Override
        public String name() {
            return ref.name();
        }

        @Override
        public String device() {
            return ref.device();
        }

        @Override
        public boolean supports(DType dtype) {
            return ref.supports(dtype);
        }

        @Override
        public boolean supports(Op op) {
            return ref.supports(op);
        }

        @Override
        public Tensor allocate(Shape shape, DType dtype) {
            return ref.allocate(shape, dtype);
        }

        @Override
        public Tensor allocate(Shape shape) {
            return ref.allocate(shape, DType.FLOAT64);
        }

        @Override
        public void execute(Op op) {
            ref.execute(op);
        }

        @Override
        public void synchronize() {
            ref.synchronize();
        }

        @Override
        public long liveTensors() {
            return ref.liveTensors();
        }

        @Override
        public long liveBytes() {
            return ref.liveBytes();
        }

        @Override
        public long memoryLimit() {
            return ref.memoryLimit();
        }

        @Override
        public boolean isClosed() {
            return ref.isClosed();
        }

        @Override
        public void close() {
            ref.close();
        }
    }

    /** L = sum_k sum_i w_k[i] * y_k[i] with fixed random weights w_k: dL/dy_k = w_k. */
    private static double loss(List<Tensor> ys, List<double[]> w) {
        double l = 0;
        for (int k = 0; k < ys.size(); k++) {
            double[] y = ys.get(k).toDoubleArray();
            for (int i = 0; i < y.length; i++) {
                l += w.get(k)[i] * y[i];
            }
        }
        return l;
    }

    private static double[] random(int n, SplittableRandom r) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextDouble(-1, 1);
        }
        return v;
    }

    /**
     * Checks every parameter gradient and the input gradient of {@code g} against central differences of
     * {@link #loss}, with the graph in training mode (batch statistics), at a few entries of each tensor.
     */
    private static void gradientCheck(Backend b, Graph g, Shape in) {
        SplittableRandom r = new SplittableRandom(3);
        g.initialize(Init.KAIMING_UNIFORM, new SplittableRandom(5));
        for (Parameter p : g.parameters().values()) { // non-trivial batch-norm affine parameters
            if (p.shape().rank() == 1) {
                p.value().copyFrom(random(p.shape().size(), r));
            }
        }
        Tensor x = b.fromArray(in, DType.FLOAT64, random(in.size(), r));
        List<Shape> outs = g.outputShapes(in);
        List<double[]> w = new ArrayList<>();
        List<Tensor> dys = new ArrayList<>();
        for (Shape s : outs) {
            double[] v = random(s.size(), r);
            w.add(v);
            dys.add(b.fromArray(s, DType.FLOAT64, v));
        }
        Function<Void, Double> f = unused -> loss(g.forwardAll(x), w);
        f.apply(null);
        Tensor dx = g.backwardAll(dys);
        List<String> failures = new ArrayList<>();
        check("input", x, dx.toDoubleArray(), f, failures);
        for (Map.Entry<String, Parameter> e : g.parameters().entrySet()) {
            check(e.getKey(), e.getValue().value(), e.getValue().grad().toDoubleArray(), f, failures);
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        x.close();
        dys.forEach(Tensor::close);
    }

    private static void check(String name, Tensor t, double[] analytic, Function<Void, Double> f,
            List<String> failures) {
        double[] v = t.toDoubleArray();
        double h = 1e-5;
        int step = Math.max(1, v.length / 7);
        for (int i = 0; i < v.length; i += step) {
            double keep = v[i];
            v[i] = keep + h;
            t.copyFrom(v);
            double up = f.apply(null);
            v[i] = keep - h;
            t.copyFrom(v);
            double down = f.apply(null);
            v[i] = keep;
            t.copyFrom(v);
            double numeric = (up - down) / (2 * h);
            double err = Math.abs(numeric - analytic[i]) / Math.max(1, Math.abs(numeric));
            if (err > 1e-6) {
                failures.add(name + "[" + i + "]: analytic " + analytic[i] + ", finite differences " + numeric);
            }
        }
    }

    @Test
    void residualBlocksPassFiniteDifferences() {
        try (Float64 b = new Float64();
                Graph basic = ResNets.basicBlock(b, 3, 4, 2);
                Graph same = ResNets.basicBlock(b, 4, 4, 1);
                Graph bottleneck = ResNets.bottleneck(b, 4, 2, 1)) {
            gradientCheck(b, basic, Shape.of(2, 3, 5, 5));
            gradientCheck(b, same, Shape.of(2, 4, 3, 3));
            gradientCheck(b, bottleneck, Shape.of(2, 4, 3, 3));
        }
    }

    /**
     * A head shared over two pyramid levels and a layer used twice on one path, merged by concatenation and
     * addition, with two outputs: the shared parameters' gradients are the sums over their places.
     */
    private static Graph pyramid(Backend b) {
        try (Graph.Builder g = Graph.builder(b)) {
            Graph.Node x = g.input();
            Conv2d stem = new Conv2d(b, 2, 3, 3, 1, 1);
            Graph.Node c = g.apply("stem", stem, x);
            Graph.Node p1 = g.apply("down", new Conv2d(b, 3, 3, 3, 2, 1), c);
            Graph.Node side = g.apply("side", new Conv2d(b, 3, 3, 1, 1, 0), c);
            Graph.Node merged = g.add(c, side);
            Sequential head = new Sequential(b).add(new Conv2d(b, 3, 3, 3, 1, 1)).add(Activation.tanh(b))
                    .add(new Conv2d(b, 3, 2, 1, 1, 0));
            Graph.Node o1 = g.apply("head", head, merged);
            Graph.Node o2 = g.apply("head", head, p1);
            Graph.Node twice = g.apply("stem", stem, x);
            Graph.Node cat = g.concat(1, o1, twice);
            return g.build(cat, o2);
        }
    }

    @Test
    void sharedLayersConcatAndSeveralOutputsPassFiniteDifferences() {
        try (Float64 b = new Float64(); Graph g = pyramid(b)) {
            assertEquals(List.of(Shape.of(2, 5, 6, 6), Shape.of(2, 2, 3, 3)), g.outputShapes(Shape.of(2, 2, 6, 6)));
            assertEquals(List.of("stem", "down", "side", "head"), List.copyOf(g.children().keySet()));
            assertEquals(List.of("stem.weight", "stem.bias", "down.weight", "down.bias", "side.weight", "side.bias", "head.0.weight",
                    "head.0.bias", "head.2.weight", "head.2.bias"), List.copyOf(g.parameters().keySet()));
            gradientCheck(b, g, Shape.of(2, 2, 6, 6));
        }
    }

    @Test
    void unusedNodesNameClashesAndMismatchedShapesAreClearErrors() {
        try (Backend b = new ReferenceBackend()) {
            try (Graph.Builder g = Graph.builder(b)) {
                Graph.Node x = g.input();
                g.apply("dead", Activation.relu(b), x);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.build(x));
                assertTrue(e.getMessage().contains("'dead' leads to no output"), e.getMessage());
            }
            try (Graph.Builder g = Graph.builder(b)) {
                Graph.Node x = g.input();
                g.apply("a", Activation.relu(b), x);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> g.apply("a", Activation.tanh(b), x));
                assertTrue(e.getMessage().contains("'a' is taken by ReLU"), e.getMessage());
            }
            try (Graph.Builder g = Graph.builder(b)) {
                Graph.Node x = g.input();
                Graph.Node y = g.apply("pool", new MaxPool2d(b, 2, 2), x);
                Graph net = g.build(g.add("sum", x, y));
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> net.outputShape(Shape.of(1, 1, 4, 4)));
                assertTrue(e.getMessage().contains("add 'sum'") && e.getMessage().contains("[1, 1, 4, 4]")
                        && e.getMessage().contains("[1, 1, 2, 2]"), e.getMessage());
                net.close();
            }
            try (Graph.Builder g = Graph.builder(b)) {
                Graph.Node x = g.input();
                Graph two = g.build(g.apply("a", Activation.relu(b), x), x);
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> two.outputShape(Shape.of(1, 2)));
                assertTrue(e.getMessage().contains("2 ([a, input])"), e.getMessage());
                two.close();
            }
            assertEquals(0, b.liveTensors());
        }
    }

    @Test
    void aWarmStepAllocatesNoTensorsAndGivesTheSameBits() {
        try (Backend b = new CpuBackend(new CpuBackend.Config(2, true)); Graph g = pyramid(b)) {
            g.initialize(Init.PYTORCH_DEFAULT, new SplittableRandom(1));
            SplittableRandom r = new SplittableRandom(2);
            Shape in = Shape.of(4, 2, 8, 8);
            float[] xv = new float[in.size()];
            for (int i = 0; i < xv.length; i++) {
                xv[i] = (float) r.nextDouble(-1, 1);
            }
            try (Tensor x = b.fromArray(in, xv);
                    Tensor d0 = b.fromArray(Shape.of(4, 5, 8, 8), new float[4 * 5 * 64]);
                    Tensor d1 = b.fromArray(Shape.of(4, 2, 4, 4), new float[4 * 2 * 16])) {
                float[] ones = new float[d0.size()];
                java.util.Arrays.fill(ones, 1f);
                d0.copyFrom(ones);
                d1.copyFrom(java.util.Arrays.copyOf(ones, d1.size()));
                List<float[]> first = step(g, x, d0, d1);
                long live = b.liveTensors();
                List<float[]> second = step(g, x, d0, d1);
                assertEquals(live, b.liveTensors(), "a warm step allocated tensors");
                for (int k = 0; k < first.size(); k++) {
                    assertArrayEquals(first.get(k), second.get(k), "gradient " + k + " differs between two steps");
                }
            }
        }
    }

    private static List<float[]> step(Graph g, Tensor x, Tensor d0, Tensor d1) {
        g.forwardAll(x);
        Tensor dx = g.backwardAll(List.of(d0, d1));
        List<float[]> out = new ArrayList<>();
        out.add(dx.toFloatArray());
        for (Parameter p : g.parameters().values()) {
            out.add(p.grad().toFloatArray());
        }
        return out;
    }

    @Test
    void theCpuBackendMatchesTheReferenceThroughAResNetBlockAndASharedHead() {
        Shape in = Shape.of(3, 2, 8, 8);
        List<float[]> ref;
        try (Backend b = new ReferenceBackend(); Graph g = pyramid(b)) {
            ref = run(b, g, in);
        }
        try (Backend b = new CpuBackend(new CpuBackend.Config(2, true)); Graph g = pyramid(b)) {
            List<float[]> cpu = run(b, g, in);
            for (int k = 0; k < ref.size(); k++) {
                for (int i = 0; i < ref.get(k).length; i++) {
                    float e = ref.get(k)[i];
                    float a = cpu.get(k)[i];
                    assertTrue(Math.abs(e - a) <= 1e-4 * Math.max(1, Math.abs(e)), "tensor " + k + "[" + i
                            + "]: reference " + e + ", cpu " + a);
                }
            }
        }
    }

    private static List<float[]> run(Backend b, Graph g, Shape in) {
        g.initialize(Init.PYTORCH_DEFAULT, new SplittableRandom(1));
        SplittableRandom r = new SplittableRandom(9);
        List<float[]> out = new ArrayList<>();
        float[] xv = new float[in.size()];
        for (int i = 0; i < xv.length; i++) {
            xv[i] = (float) r.nextDouble(-1, 1);
        }
        List<Shape> shapes = g.outputShapes(in);
        try (Tensor x = b.fromArray(in, xv);
                Tensor d0 = b.fromArray(shapes.get(0), randomFloats(shapes.get(0).size(), r));
                Tensor d1 = b.fromArray(shapes.get(1), randomFloats(shapes.get(1).size(), r))) {
            for (Tensor y : g.forwardAll(x)) {
                out.add(y.toFloatArray());
            }
            out.add(g.backwardAll(List.of(d0, d1)).toFloatArray());
            for (Parameter p : g.parameters().values()) {
                out.add(p.grad().toFloatArray());
            }
        }
        return out;
    }

    private static float[] randomFloats(int n, SplittableRandom r) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextDouble(-1, 1);
        }
        return v;
    }

    @Test
    void noInputGradientWhenNotAsked() {
        try (Backend b = new ReferenceBackend(); Graph g = ResNets.basicBlock(b, 2, 2, 1)) {
            g.needsInputGradient(false);
            try (Tensor x = b.fromArray(Shape.of(1, 2, 3, 3), new float[18]);
                    Tensor dy = b.fromArray(Shape.of(1, 2, 3, 3), new float[18])) {
                g.forward(x);
                assertNull(g.backward(dy));
            }
        }
    }

    @Test
    void layersWithoutASharedCopySayHowToFixIt() {
        try (Backend b = new ReferenceBackend(); Graph.Builder g = Graph.builder(b)) {
            Layer drop = new Dropout(b, 0.5, 1);
            Graph.Node x = g.input();
            g.apply("drop", drop, x);
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> g.apply("drop", drop, x));
            assertTrue(e.getMessage().contains("create one layer per place"), e.getMessage());
        }
    }
}
