package org.cnn4j.bench.runner;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Size2d;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Layer;
import org.cnn4j.nn.MetaBackend;
import org.cnn4j.nn.layers.Activation;
import org.cnn4j.nn.layers.BatchNorm;
import org.cnn4j.nn.layers.Conv2d;
import org.cnn4j.nn.layers.Dropout;
import org.cnn4j.nn.layers.Flatten;
import org.cnn4j.nn.layers.Linear;
import org.cnn4j.nn.layers.Pool2d;
import org.cnn4j.nn.models.Model;
import org.cnn4j.nn.models.Models;
import org.cnn4j.ops.Adam;
import org.cnn4j.ops.Gemm;
import org.cnn4j.ops.Loss;

/**
 * The benchmark cases: SGEMM at 1024, 2048 and 4096, and for each network configuration of DESIGN.md (LeNet-5 and
 * the seed 002 CNN on 28x28x1 at batch 64, AlexNet (one tower, 227x227x3) at batch 8 and 128) every operator of
 * the network at the shapes it has there, forward and backward, plus the softmax cross-entropy loss, one Adam step
 * over all trainable parameters and the full training step. The shapes are read off the zoo's models
 * ({@link Models}) layer by layer, so they are the shapes training runs; an operator whose call repeats with the
 * same shapes in a network (a ReLU after two equal convolutions) is one case, named after its first layer.
 *
 * <p>Per layer: convolution {@code fwd}, {@code bwd-data}, {@code bwd-filter} and {@code fwdbwd} (the three in
 * a row); max pooling, ReLU, batch norm (training mode), dropout and the loss {@code fwd} and {@code bwd}; linear
 * {@code fwd}, {@code bwd-data}, {@code bwd-weights}; Adam {@code step}; {@code train-step}: forward, loss, loss
 * gradient, backward, Adam step (lr 0.001), the model built with seed 1.
 *
 * <p>Parameters in {@link CaseSpec#params()} by kind: {@code gemm} m, n, k; {@code conv2d} x [n, c, h, w],
 * out_channels, kernel, stride, padding, groups, bias; {@code maxpool2d} x, kernel, stride; {@code relu} x;
 * {@code batchnorm2d} x, eps, momentum; {@code dropout} x, p; {@code linear} x [n, in], out_features, bias;
 * {@code softmax-xent} logits [n, classes]; {@code adam} size, lr; {@code train-step} model, batch, sample
 * [c, h, w], classes, lr.
 */
public final class Cases {
    /** One network configuration. */
    public record Net(String tag, String model, Shape sample, int classes, int batch, boolean quick) {
    }

    public static final List<Net> NETS = List.of(
            new Net("lenet5-b64", "lenet5", Shape.of(1, 28, 28), 10, 64, true),
            new Net("seed002-b64", "seed002-cnn", Shape.of(1, 28, 28), 10, 64, false),
            new Net("alexnet-b8", "alexnet", Shape.of(3, 227, 227), 1000, 8, false),
            new Net("alexnet-b128", "alexnet", Shape.of(3, 227, 227), 1000, 128, false));

    public static final int[] GEMM_SIZES = {1024, 2048, 4096};
    static final double ADAM_LR = 1e-3;
    static final long MODEL_SEED = 1;

    private static final List<BenchCase> ALL = build();

    private Cases() {
    }

    /** Every case, in run order. */
    public static List<BenchCase> all() {
        return ALL;
    }

    /** The case named {@code name}. */
    public static BenchCase byName(String name) {
        for (BenchCase c : ALL) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("no benchmark case '" + name + "'; `cnn4j bench --list` lists them");
    }

    /** The specs of every case (the plan {@code --plan} writes). */
    public static List<CaseSpec> specs() {
        return ALL.stream().map(BenchCase::spec).toList();
    }

    private static List<BenchCase> build() {
        List<BenchCase> out = new ArrayList<>();
        for (int n : GEMM_SIZES) {
            Map<String, Object> p = Map.of("m", n, "n", n, "k", n);
            List<String> tags = n == 1024 ? List.of("required", "quick") : List.of("required");
            out.add(new BenchCase(new CaseSpec("sgemm/" + n, "gemm", "gemm", "fwd", "gemm", p, 2.0 * n * n * n,
                    3.0 * n * n * 4, 0, tags), be -> {
                        OpsInstance c = new OpsInstance(be);
                        Shape s = Shape.of(n, n);
                        return c.timed(new Gemm.Run(Gemm.plain(), c.in(s), c.in(s), c.out(s)));
                    }));
        }
        Set<String> seen = new HashSet<>();
        for (Net net : NETS) {
            new NetWalker(net, out, seen).walk();
        }
        out.add(detectorStep("seed003-detector-small", 1, 128, 1, 8));
        Set<String> names = new HashSet<>();
        for (BenchCase c : out) {
            if (!names.add(c.name())) {
                throw new IllegalStateException("duplicate case name " + c.name());
            }
        }
        return List.copyOf(out);
    }

    /**
     * One training step of detector {@code model} on {@code n} images of {@code size} x {@code size}: the
     * convolutions' forward FLOPs from the model's trace, three times (forward, backward data, backward weights),
     * less the first layer's backward data.
     */
    private static BenchCase detectorStep(String model, int channels, int size, int classes, int n) {
        Shape in = Shape.of(n, channels, size, size);
        double forward = 0;
        double first = -1;
        try (MetaBackend meta = new MetaBackend();
                org.cnn4j.nn.models.RetinaNet d = Models.detector(model, meta, channels, classes, MODEL_SEED,
                        org.cnn4j.nn.Init.PYTORCH_DEFAULT)) {
            for (org.cnn4j.nn.Trace t : d.net().trace(in)) {
                if (t.layer() instanceof Conv2d c) {
                    Shape w = c.weight().shape();
                    double f = 2.0 * t.output().size() * w.dim(1) * w.dim(2) * w.dim(3);
                    forward += f;
                    if (first < 0) {
                        first = f;
                    }
                }
            }
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("model", model);
        p.put("batch", n);
        p.put("sample", List.of(channels, size, size));
        p.put("classes", classes);
        p.put("lr", ADAM_LR);
        String tag = model + "-b" + n;
        return new BenchCase(new CaseSpec(tag + "/train-step", "train", "train-step", "step", tag, p,
                3 * forward - first, 4.0 * in.size(), n, List.of()),
                be -> new DetectorTrainInstance(be, model, channels, size, classes, n, ADAM_LR, MODEL_SEED));
    }

    private static List<Integer> dims(Shape s) {
        List<Integer> l = new ArrayList<>();
        for (int d : s.dims()) {
            l.add(d);
        }
        return l;
    }

    private static double bytes(Shape... shapes) {
        double b = 0;
        for (Shape s : shapes) {
            b += 4.0 * s.size();
        }
        return b;
    }

    /** Walks one network's layers on shapes only and adds its cases. */
    private static final class NetWalker {
        private final Net net;
        private final List<BenchCase> out;
        private final Set<String> seen;
        private final Map<String, Integer> counters = new LinkedHashMap<>();
        private double forwardFlops;
        private double firstFlops = -1;

        NetWalker(Net net, List<BenchCase> out, Set<String> seen) {
            this.net = net;
            this.out = out;
            this.seen = seen;
        }

        private String next(String kind) {
            return kind + counters.merge(kind, 1, Integer::sum);
        }

        /** Adds the cases of one layer unless the same call with the same shapes came before in this net. */
        private void add(String layerName, String kind, Map<String, Object> params, List<Pass> passes) {
            if (!seen.add(net.tag() + "|" + kind + "|" + new java.util.TreeMap<>(params))) {
                return;
            }
            for (Pass p : passes) {
                List<String> tags = new ArrayList<>();
                if (net.quick() || p.quick()) {
                    tags.add("quick");
                }
                if (p.required()) {
                    tags.add("required");
                }
                String group = kind.equals("conv2d") ? "conv" : "op";
                out.add(new BenchCase(new CaseSpec(net.tag() + "/" + layerName + "/" + p.pass(), group, kind,
                        p.pass(), net.tag(), params, p.flops(), p.bytes(), 0, tags), p.factory()));
            }
        }

        record Pass(String pass, double flops, double bytes, boolean required, boolean quick,
                Function<Backend, Instance> factory) {
        }

        void walk() {
            Shape in = Shape.of(net.batch(), net.sample().dim(0), net.sample().dim(1), net.sample().dim(2));
            long trainable;
            try (MetaBackend meta = new MetaBackend();
                 Model m = Models.create(net.model(), meta, net.sample(), net.classes(), MODEL_SEED)) {
                trainable = m.net().trainableCount();
                Shape logits = m.net().outputShape(in);
                for (org.cnn4j.nn.Trace t : m.net().trace(in)) {
                    if (t.layer() == null) {
                        throw new IllegalStateException("no benchmark for the graph merge " + t.name());
                    }
                    layer(t.layer(), t.inputs().getFirst(), t.output());
                }
                loss(logits);
                adam(trainable);
            }
            train(in);
        }

        private void layer(Layer l, Shape x, Shape y) {
            switch (l) {
                case Conv2d c -> conv(c, x, y);
                case Pool2d p -> pool(p.op(), x, y);
                case Activation a -> activation(a.op(), x);
                case BatchNorm b -> batchNorm(b.op(), x);
                case Dropout d -> dropout(d.p(), x);
                case Linear lin -> linear(lin, x, y);
                case Flatten f -> {
                }
                default -> throw new IllegalStateException("no benchmark for layer " + l.describe());
            }
        }

        /** Adds a conv or linear layer's forward flops to the training step's count. */
        private void count(double flops) {
            forwardFlops += flops;
            if (firstFlops < 0) {
                firstFlops = flops;
            }
        }

        private void conv(Conv2d layer, Shape x, Shape y) {
            org.cnn4j.ops.Conv2d op = layer.op();
            Shape w = layer.weight().shape();
            org.cnn4j.ops.Conv2d.Geometry g = op.geometry(x, w);
            boolean bias = layer.bias() != null;
            // the plan's parameters must describe the whole descriptor (a component it does not name would be lost)
            if (g.kernelH() != g.kernelW() || !op.equals(new org.cnn4j.ops.Conv2d(Size2d.of(g.strideH()),
                    Size2d.of(g.paddingH()), Size2d.of(1), g.groups()))) {
                throw new IllegalStateException("the plan describes square, undilated convolutions only");
            }
            double flops = 2.0 * g.macs();
            count(flops);
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("x", dims(x));
            p.put("out_channels", g.outChannels());
            p.put("kernel", g.kernelH());
            p.put("stride", g.strideH());
            p.put("padding", g.paddingH());
            p.put("groups", g.groups());
            p.put("bias", bias);
            Shape b = Shape.of(w.dim(0));
            boolean required = !net.tag().equals("alexnet-b128");
            boolean quick = net.tag().equals("seed002-b64");
            add(next("conv"), "conv2d", p, List.of(
                    new Pass("fwd", flops, bytes(x, w, b, y), required, quick, be -> {
                        OpsInstance c = new OpsInstance(be);
                        return c.timed(new org.cnn4j.ops.Conv2d.Forward(op, c.in(x), c.in(w), bias ? c.in(b) : null,
                                c.out(y)));
                    }),
                    new Pass("bwd-data", flops, bytes(y, w, x), false, false, be -> {
                        OpsInstance c = new OpsInstance(be);
                        return c.timed(new org.cnn4j.ops.Conv2d.BackwardData(op, c.in(y), c.in(w), c.out(x)));
                    }),
                    new Pass("bwd-filter", flops, bytes(x, y, w, b), false, false, be -> {
                        OpsInstance c = new OpsInstance(be);
                        return c.timed(new org.cnn4j.ops.Conv2d.BackwardFilter(op, c.in(x), c.in(y), c.out(w),
                                bias ? c.out(b) : null));
                    }),
                    new Pass("fwdbwd", 3 * flops, 3 * bytes(x, w, y) + 2 * bytes(b), required, quick, be -> {
                        OpsInstance c = new OpsInstance(be);
                        Tensor tx = c.in(x);
                        Tensor tw = c.in(w);
                        Tensor dy = c.in(y);
                        c.timed(new org.cnn4j.ops.Conv2d.Forward(op, tx, tw, bias ? c.in(b) : null, c.out(y)));
                        c.timed(new org.cnn4j.ops.Conv2d.BackwardData(op, dy, tw, c.out(x)));
                        return c.timed(new org.cnn4j.ops.Conv2d.BackwardFilter(op, tx, dy, c.out(w),
                                bias ? c.out(b) : null));
                    })));
        }

        private void pool(org.cnn4j.ops.Pool2d op, Shape x, Shape y) {
            org.cnn4j.ops.Pool2d.Geometry g = op.geometry(x);
            // the plan's parameters must describe the whole descriptor (countIncludePad means nothing to max pooling)
            if (g.kernelH() != g.kernelW() || !op.equals(org.cnn4j.ops.Pool2d.max(g.kernelH(), g.strideH())
                    .withCountIncludePad(op.countIncludePad()))) {
                throw new IllegalStateException("the plan describes square unpadded floor-mode max pooling only");
            }
            Map<String, Object> p = Map.of("x", dims(x), "kernel", g.kernelH(), "stride", g.strideH());
            add(next("pool"), "maxpool2d", p, List.of(
                    new Pass("fwd", 0, bytes(x, y), false, false, be -> {
                        OpsInstance c = new OpsInstance(be);
                        return c.timed(new org.cnn4j.ops.Pool2d.Forward(op, c.in(x), c.out(y)));
                    }),
                    new Pass("bwd", 0, bytes(x, y, x), false, false, be -> {
                        OpsInstance c = new OpsInstance(be);
                        return c.timed(new org.cnn4j.ops.Pool2d.Backward(op, c.in(x), c.in(y), c.out(x)));
                    })));
        }

        private void activation(org.cnn4j.ops.Activation op, Shape x) {
            if (op.kind() != org.cnn4j.ops.Activation.Kind.RELU) {
                throw new IllegalStateException("the plan describes ReLU only, not " + op);
            }
            add(next("relu"), "relu", Map.of("x", dims(x)), List.of(
                    new Pass("fwd", 0, bytes(x, x), false, false, be -> {
                        OpsInstance c = new OpsInstance(be);
                        return c.timed(new org.cnn4j.ops.Activation.Forward(op, c.in(x), c.out(x)));
                    }),
                    new Pass("bwd", 0, bytes(x, x, x), false, false, be -> {
                        OpsInstance c = new OpsInstance(be);
                        Tensor tx = c.in(x);
                        Tensor ty = c.out(x);
                        c.setUp(new org.cnn4j.ops.Activation.Forward(op, tx, ty));
                        return c.timed(new org.cnn4j.ops.Activation.Backward(op, tx, ty, c.in(x), c.out(x)));
                    })));
        }

        private void batchNorm(org.cnn4j.ops.BatchNorm op, Shape x) {
            Shape ch = Shape.of(x.dim(1));
            Map<String, Object> p = Map.of("x", dims(x), "eps", op.epsilon(), "momentum", op.momentum());
            add(next("bn"), "batchnorm2d", p, List.of(
                    new Pass("fwd", 0, bytes(x, x, x), false, false, be -> {
                        OpsInstance c = new OpsInstance(be);
                        return c.timed(new org.cnn4j.ops.BatchNorm.ForwardTraining(op, c.in(x), c.positive(ch),
                                c.in(ch), c.in(ch), c.positive(ch), c.out(x), c.out(ch), c.out(ch)));
                    }),
                    new Pass("bwd", 0, bytes(x, x, x, x), false, false, be -> {
                        OpsInstance c = new OpsInstance(be);
                        Tensor tx = c.in(x);
                        Tensor gamma = c.positive(ch);
                        Tensor mean = c.out(ch);
                        Tensor invStd = c.out(ch);
                        c.setUp(new org.cnn4j.ops.BatchNorm.ForwardTraining(op, tx, gamma, c.in(ch), c.in(ch),
                                c.positive(ch), c.out(x), mean, invStd));
                        return c.timed(new org.cnn4j.ops.BatchNorm.Backward(op, tx, c.in(x), gamma, mean, invStd,
                                c.out(x), c.out(ch), c.out(ch)));
                    })));
        }

        private void dropout(double prob, Shape x) {
            org.cnn4j.ops.Dropout op = new org.cnn4j.ops.Dropout(prob, 7);
            add(next("dropout"), "dropout", Map.of("x", dims(x), "p", prob), List.of(
                    new Pass("fwd", 0, bytes(x, x), false, false, be -> {
                        OpsInstance c = new OpsInstance(be);
                        return c.timed(new org.cnn4j.ops.Dropout.Forward(op, c.in(x), c.out(x)));
                    }),
                    new Pass("bwd", 0, bytes(x, x), false, false, be -> {
                        OpsInstance c = new OpsInstance(be);
                        return c.timed(new org.cnn4j.ops.Dropout.Backward(op, c.in(x), c.out(x)));
                    })));
        }

        private void linear(Linear layer, Shape x, Shape y) {
            Shape w = layer.weight().shape();
            boolean bias = layer.bias() != null;
            Shape b = Shape.of(w.dim(0));
            double flops = 2.0 * x.dim(0) * w.dim(0) * w.dim(1);
            count(flops);
            Map<String, Object> p = Map.of("x", dims(x), "out_features", w.dim(0), "bias", bias);
            add(next("fc"), "linear", p, List.of(
                    new Pass("fwd", flops, bytes(x, w, b, y), false, false, be -> {
                        OpsInstance c = new OpsInstance(be);
                        return c.timed(new org.cnn4j.ops.Linear.Forward(c.in(x), c.in(w), bias ? c.in(b) : null,
                                c.out(y)));
                    }),
                    new Pass("bwd-data", flops, bytes(y, w, x), false, false, be -> {
                        OpsInstance c = new OpsInstance(be);
                        return c.timed(new org.cnn4j.ops.Linear.BackwardData(c.in(y), c.in(w), c.out(x)));
                    }),
                    new Pass("bwd-weights", flops, bytes(x, y, w, b), false, false, be -> {
                        OpsInstance c = new OpsInstance(be);
                        return c.timed(new org.cnn4j.ops.Linear.BackwardWeights(c.in(x), c.in(y), c.out(w),
                                bias ? c.out(b) : null));
                    })));
        }

        private void loss(Shape logits) {
            Loss fn = Loss.softmaxCrossEntropy();
            add("loss", "softmax-xent", Map.of("logits", dims(logits)), List.of(
                    new Pass("fwd", 0, bytes(logits, logits), false, false, be -> {
                        OpsInstance c = new OpsInstance(be);
                        return c.timed(new Loss.Forward(fn, c.in(logits), c.oneHot(logits), c.out(Shape.scalar())));
                    }),
                    new Pass("bwd", 0, bytes(logits, logits, logits), false, false, be -> {
                        OpsInstance c = new OpsInstance(be);
                        return c.timed(new Loss.Backward(fn, c.in(logits), c.oneHot(logits), c.out(logits)));
                    })));
        }

        private void adam(long trainable) {
            int size = Math.toIntExact(trainable);
            Shape s = Shape.of(size);
            Adam adam = Adam.defaults(ADAM_LR, 1);
            if (!seen.add("adam|" + size)) {
                return; // AlexNet's step is the same at batch 8 and 128
            }
            add("adam", "adam", Map.of("size", size, "lr", ADAM_LR), List.of(
                    new Pass("step", 0, 4.0 * size * 7, false, false, be -> {
                        OpsInstance c = new OpsInstance(be);
                        return c.timed(new Adam.Step(adam, c.in(s), c.in(s), c.in(s), c.positive(s)));
                    })));
        }

        private void train(Shape in) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("model", net.model());
            p.put("batch", net.batch());
            p.put("sample", dims(net.sample()));
            p.put("classes", net.classes());
            p.put("lr", ADAM_LR);
            List<String> tags = new ArrayList<>();
            boolean required = net.tag().equals("lenet5-b64") || net.tag().equals("seed002-b64");
            if (required) {
                tags.add("quick");
                tags.add("required");
            }
            // forward, backward data and backward weights of every conv and linear layer, less the first layer's
            // backward data (the input needs no gradient); the element-wise operators are not counted
            double flops = 3 * forwardFlops - firstFlops;
            Net n = net;
            out.add(new BenchCase(new CaseSpec(net.tag() + "/train-step", "train", "train-step", "step", net.tag(),
                    p, flops, 4.0 * in.size(), net.batch(), tags),
                    be -> new TrainInstance(be, n.model(), n.sample(), n.classes(), n.batch(), ADAM_LR, MODEL_SEED)));
        }
    }
}
