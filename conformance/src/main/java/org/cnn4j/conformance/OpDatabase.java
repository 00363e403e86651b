package org.cnn4j.conformance;

import static org.cnn4j.conformance.Dist.symmetric;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.core.Size2d;
import org.cnn4j.ops.Activation;
import org.cnn4j.ops.Adagrad;
import org.cnn4j.ops.Adam;
import org.cnn4j.ops.Add;
import org.cnn4j.ops.Axpy;
import org.cnn4j.ops.BatchNorm;
import org.cnn4j.ops.Concat;
import org.cnn4j.ops.Conv2d;
import org.cnn4j.ops.Copy;
import org.cnn4j.ops.Dropout;
import org.cnn4j.ops.Fill;
import org.cnn4j.ops.Gemm;
import org.cnn4j.ops.L2Penalty;
import org.cnn4j.ops.Linear;
import org.cnn4j.ops.Loss;
import org.cnn4j.ops.Pool2d;
import org.cnn4j.ops.Prelu;
import org.cnn4j.ops.RmsProp;
import org.cnn4j.ops.Scale;
import org.cnn4j.ops.Sgd;
import org.cnn4j.ops.Softmax;
import org.cnn4j.ops.SumAxes;
import org.cnn4j.ops.Upsample;

/**
 * The operator database: for every operator call, generators of random valid cases, named edge cases, and error
 * cases that must be rejected. It is the one place to add a case.
 *
 * <h2>Adding an operator (or a case)</h2>
 * In {@link #register(Db)}, next to its family:
 * <pre>{@code
 * // the family's one generator: draws parameters from d (sizes bounded by d.sweep()), describes them, and builds
 * // each call of the family for them (allocating in ctx); OpProperties draws the same generator through jqwik
 * db.family(new Generator("Scale", List.of("Scale.Run"), 1, d -> {
 *     Shape s = d.shape(1, 4);
 *     double alpha = d.pick(0.5, -3.0);
 *     return new FamilySample(s + " alpha=" + alpha).call("Scale.Run",
 *             ctx -> new Scale.Run(new Scale(alpha), ctx.input("x", s, symmetric()), ctx.output("out", s)));
 * }));
 * // a named edge case: fixed parameters, data from its seed
 * db.edge("Scale.Run", "alpha=0 of large values", ctx -> new Scale.Run(new Scale(0),
 *         ctx.input("x", Shape.of(3, 7), Dist.uniform(-1e30, 1e30)), ctx.output("out", Shape.of(3, 7))));
 * // an error case: building (or executing) it must throw IllegalArgumentException mentioning "'out'"
 * db.error("Scale.Run", "out of another shape", "'out'", ctx -> new Scale.Run(new Scale(2),
 *         ctx.input("x", Shape.of(3), symmetric()), ctx.output("out", Shape.of(4))));
 * }</pre>
 * A new family also needs: its tolerance, a branch of the switch in {@link org.cnn4j.check.Tolerances#of} (the build fails
 * without it); a property in {@link OpProperties} that draws its generator ({@code OpPropertiesCoverageTest}
 * fails without it); and, where its backends block, tile or split the work, cases in {@link SplitSizes}.
 * Inputs come from {@link CaseContext#input}, in-place tensors from {@link CaseContext#inOut}, outputs from
 * {@link CaseContext#output} (NaN-poisoned); pick a {@link Dist} that suits the operator. A builder must be
 * deterministic: all randomness of parameters comes from the {@link Draw}, all randomness of data from the
 * context. Variants of a family (modes, kinds, reductions) are drawn inside its one generator, not by a second one.
 */
public final class OpDatabase {
    private OpDatabase() {
    }

    /**
     * One random draw of an operator family: its parameters as people read them, and a builder for each call of the
     * family that the draw fits (all calls share the parameters, so a forward and its backwards see one geometry).
     */
    public static final class FamilySample {
        private final String params;
        private final Map<String, OpCase.Builder> calls = new LinkedHashMap<>();

        public FamilySample(String params) {
            this.params = params;
        }

        /** Adds the builder of {@code op} ({@code Family.Call}) for these parameters. */
        public FamilySample call(String op, OpCase.Builder builder) {
            calls.put(op, builder);
            return this;
        }

        public String params() {
            return params;
        }

        /** The builders by call name, in the order added. */
        public Map<String, OpCase.Builder> calls() {
            return Collections.unmodifiableMap(calls);
        }

        @Override
        public String toString() {
            return params;
        }
    }

    /**
     * The one random generator of an operator family. The suite's samples ({@link Db#family}) draw it from seeds;
     * {@link OpProperties} draws it from jqwik's shrinkable choices ({@link Draw#fromChoices}), so both explore the
     * same parameter space.
     *
     * @param family  the family, the class enclosing its calls ({@code Conv2d})
     * @param calls   every call a draw may produce, {@code Family.Call}
     * @param weight  random samples per call, in multiples of {@link Sweep#samples()} (families with many variants
     *                draw more)
     * @param sampler draws the parameters and builds the calls
     */
    public record Generator(String family, List<String> calls, int weight, Function<Draw, FamilySample> sampler) {
        public Generator {
            calls = List.copyOf(calls);
            for (String c : calls) {
                if (!c.startsWith(family + ".")) {
                    throw new IllegalArgumentException("call " + c + " is not of family " + family);
                }
            }
        }

        public FamilySample draw(Draw d) {
            return sampler.apply(d);
        }

        /** The generator of a family of one call, {@code op}. */
        public static Generator single(String op, Function<Draw, Sample> sampler) {
            return new Generator(op.substring(0, op.indexOf('.')), List.of(op), 1, d -> {
                Sample s = sampler.apply(d);
                return new FamilySample(s.params()).call(op, s.builder());
            });
        }
    }

    /** A random case of a one-call family: its description and builder. */
    public record Sample(String params, OpCase.Builder builder) {
    }

    /**
     * The random parameters of one sample, with sizes bounded by the sweep: drawn from a seed (the suite's samples)
     * or from a list of choices (jqwik's, which shrink towards 0: every draw then shrinks towards its lower bound,
     * the first value of a pick and "no" for a chance; choices past the end of the list read as 0).
     */
    public static final class Draw {
        private final Sweep sweep;
        private final SplittableRandom r;
        private final List<Integer> choices;
        private int next;

        private Draw(Sweep sweep, SplittableRandom r, List<Integer> choices) {
            this.sweep = sweep;
            this.r = r;
            this.choices = choices;
        }

        Draw(Sweep sweep, long seed) {
            this(sweep, new SplittableRandom(seed), null);
        }

        /** Draws from {@code seed}. */
        public static Draw seeded(Sweep sweep, long seed) {
            return new Draw(sweep, seed);
        }

        /** Draws from {@code choices}, each a non-negative int consumed in order. */
        public static Draw fromChoices(Sweep sweep, List<Integer> choices) {
            return new Draw(sweep, null, List.copyOf(choices));
        }

        public Sweep sweep() {
            return sweep;
        }

        /** Uniform in [0, bound). */
        private int choice(int bound) {
            if (r != null) {
                return r.nextInt(bound);
            }
            int c = next < choices.size() ? choices.get(next) : 0;
            next++;
            return Math.floorMod(c, bound);
        }

        /** Uniform in [lo, hi]. */
        public int between(int lo, int hi) {
            return hi <= lo ? lo : lo + choice(hi - lo + 1);
        }

        /** True with probability {@code p}. */
        public boolean chance(double p) {
            return choice(1 << 20) >= (1 - p) * (1 << 20);
        }

        public double pick(double... values) {
            return values[choice(values.length)];
        }

        @SafeVarargs
        public final <T> T pickOf(T... values) {
            return values[choice(values.length)];
        }

        public long nextLong() {
            return r != null ? r.nextLong() : (long) choice(1 << 30) << 30 | choice(1 << 30);
        }

        /** A shape of rank in [minRank, maxRank] with dimensions from 1 to the sweep's spatial bound. */
        public Shape shape(int minRank, int maxRank) {
            int rank = between(minRank, maxRank);
            int[] dims = new int[rank];
            int limit = rank <= 2 ? sweep.maxFeatures() : sweep.maxSpatial();
            for (int i = 0; i < rank; i++) {
                dims[i] = between(1, i == 0 && rank > 2 ? sweep.maxBatch() : limit);
            }
            return Shape.of(dims);
        }
    }

    /** The collector {@link #register} fills. */
    public static final class Db {
        private final Sweep sweep;
        private final Long replaySeed;
        private final List<OpCase> cases = new ArrayList<>();
        private final Map<String, Generator> generators = new LinkedHashMap<>();
        private int samplers;

        Db(Sweep sweep, Long replaySeed) {
            this.sweep = sweep;
            this.replaySeed = replaySeed;
        }

        public Sweep sweep() {
            return sweep;
        }

        /**
         * Registers the family's generator and adds its random cases: {@code weight * sweep().samples()} per call
         * (one, drawn from the replay seed, on replay). A draw that does not fit a call (a batch of one for the
         * training forward) is passed over for that call.
         */
        public void family(Generator g) {
            if (generators.putIfAbsent(g.family(), g) != null) {
                throw new IllegalStateException("a second generator for family " + g.family()
                        + "; a family has one generator (draw its variants inside it)");
            }
            for (String op : g.calls()) {
                int index = samplers++;
                if (replaySeed != null) {
                    add(op, replaySeed, g);
                    continue;
                }
                int wanted = g.weight() * sweep.samples();
                int added = 0;
                for (int i = 0; added < wanted && i < 8 * wanted; i++) {
                    long seed = CaseContext.mix(CaseContext.mix(op.hashCode() * 1_000_003L + index) + i) >>> 20;
                    added += add(op, seed, g) ? 1 : 0;
                }
                if (added < wanted) {
                    throw new IllegalStateException("generator " + g.family() + " rarely fits " + op);
                }
            }
        }

        private boolean add(String op, long seed, Generator g) {
            FamilySample s = g.draw(new Draw(sweep, seed));
            OpCase.Builder b = s.calls().get(op);
            if (b == null) {
                return false;
            }
            cases.add(new OpCase(op, s.params(), seed, OpCase.Kind.SAMPLE, null, b));
            return true;
        }

        /** Adds a named edge case. */
        public void edge(String op, String params, OpCase.Builder builder) {
            named(op, params, OpCase.Kind.EDGE, null, builder);
        }

        /** Adds a named edge case that only the full sweep runs (expensive on the reference). */
        public void heavyEdge(String op, String params, OpCase.Builder builder) {
            if (sweep.heavy()) {
                edge(op, params, builder);
            }
        }

        /**
         * Adds a named case of the split-sized sweep ({@link SplitSizes}): sizes that cross a backend's blocking,
         * tiling, thread-split or work-group thresholds; named {@code split: ...}.
         */
        public void split(String op, String params, OpCase.Builder builder) {
            edge(op, SplitSizes.PREFIX + params, builder);
        }

        /** Adds an error case: it must be rejected with an IllegalArgumentException whose message has {@code expected}. */
        public void error(String op, String params, String expected, OpCase.Builder builder) {
            named(op, params, OpCase.Kind.ERROR, expected, builder);
        }

        private void named(String op, String params, OpCase.Kind kind, String expected, OpCase.Builder builder) {
            long seed = CaseContext.mix((op + "/" + params).hashCode()) >>> 20;
            if (replaySeed == null || replaySeed == seed) {
                cases.add(new OpCase(op, params, seed, kind, expected, builder));
            }
        }
    }

    /** The generator of every family, by family name, in registration order. */
    public static Map<String, Generator> generators() {
        return Registry.GENERATORS;
    }

    /** The generators, collected once. */
    private static final class Registry {
        static final Map<String, Generator> GENERATORS;

        static {
            Db db = new Db(Sweep.CI, null);
            register(db);
            GENERATORS = Collections.unmodifiableMap(new LinkedHashMap<>(db.generators));
        }
    }

    /** The generator of {@code family}. */
    public static Generator generator(String family) {
        Generator g = generators().get(family);
        if (g == null) {
            throw new IllegalArgumentException("no generator for family '" + family + "'");
        }
        return g;
    }

    /** Every case of {@code sweep}; with a replay seed, the cases that seed produces. */
    public static List<OpCase> cases(Sweep sweep, Long replaySeed) {
        Db db = new Db(sweep, replaySeed);
        register(db);
        return List.copyOf(db.cases);
    }

    /** Registers every operator's cases, family by family. */
    static void register(Db db) {
        conv2d(db);
        pool2d(db);
        batchNorm(db);
        activation(db);
        prelu(db);
        softmax(db);
        dropout(db);
        linear(db);
        gemm(db);
        loss(db);
        l2Penalty(db);
        optimizers(db);
        elementwise(db);
        upsample(db);
        concat(db);
        batchNormBackwardInference(db);
        softmaxOverChannels(db);
        multiTensorOptimizers(db);
        SplitSizes.register(db);
    }

    // ---- Conv2d ---------------------------------------------------------------------------------------------

    /** One convolution geometry, shared by the forward and both backwards. */
    record ConvGeom(Conv2d conv, Shape x, Shape w, boolean bias) {
        Shape y() {
            return conv.outputShape(x, w);
        }

        @Override
        public String toString() {
            return "x" + x + " weight" + w + " stride" + conv.stride() + " padding" + conv.padding() + " dilation"
                    + conv.dilation() + " groups=" + conv.groups() + (bias ? " bias" : " no bias");
        }
    }

    static ConvGeom conv(int[] x, int[] w, int stride, int padding, int groups, boolean bias) {
        return new ConvGeom(Conv2d.of(stride, padding).withGroups(groups), Shape.of(x), Shape.of(w), bias);
    }

    /** A convolution of {@code x [n, channels, h, w]} to {@code outChannels} with a {@code kh x kw} kernel. */
    static ConvGeom conv(Conv2d c, int n, int channels, int h, int w, int outChannels, int kh, int kw,
            boolean bias) {
        return new ConvGeom(c, Shape.of(n, channels, h, w), c.weightShape(channels, outChannels, Size2d.of(kh, kw)),
                bias);
    }

    static ConvGeom drawConv(Draw d) {
        Sweep s = d.sweep();
        int kind = d.between(0, 3); // 0, 1: one group; 2: a few groups; 3: depthwise
        int groups;
        int cPerGroup;
        int kPerGroup;
        if (kind == 3) {
            groups = d.between(2, s.maxChannels() + 1);
            cPerGroup = 1;
            kPerGroup = d.between(1, 2);
        } else {
            groups = kind == 2 ? d.between(2, 3) : 1;
            cPerGroup = d.between(1, s.maxChannels());
            kPerGroup = d.between(1, s.maxChannels());
        }
        Size2d kernel = Size2d.of(d.between(1, 5), d.between(1, 5));
        Size2d stride = Size2d.of(d.between(1, 3), d.between(1, 3));
        Size2d dilation = Size2d.of(d.chance(0.25) ? 2 : 1, d.chance(0.25) ? 2 : 1);
        Size2d padding = Size2d.of(d.between(0, 2), d.between(0, 2));
        Conv2d c = new Conv2d(stride, padding, dilation, groups);
        int minH = c.smallestInput(kernel).h();
        int minW = c.smallestInput(kernel).w();
        int h = d.between(minH, Math.max(minH, s.maxSpatial()));
        int w = d.between(minW, Math.max(minW, s.maxSpatial()));
        return new ConvGeom(c, Shape.of(d.between(1, s.maxBatch()), groups * cPerGroup, h, w),
                Shape.of(groups * kPerGroup, cPerGroup, kernel.h(), kernel.w()), d.chance(0.5));
    }

    static OpCase.Builder convForward(ConvGeom g) {
        return ctx -> new Conv2d.Forward(g.conv(), ctx.input("x", g.x(), symmetric()),
                ctx.input("weight", g.w(), symmetric()),
                g.bias() ? ctx.input("bias", Shape.of(g.w().dim(0)), symmetric()) : null, ctx.output("y", g.y()));
    }

    static OpCase.Builder convBackwardData(ConvGeom g) {
        return ctx -> new Conv2d.BackwardData(g.conv(), ctx.input("dy", g.y(), symmetric()),
                ctx.input("weight", g.w(), symmetric()), ctx.output("dx", g.x()));
    }

    static OpCase.Builder convBackwardFilter(ConvGeom g) {
        return ctx -> new Conv2d.BackwardFilter(g.conv(), ctx.input("x", g.x(), symmetric()),
                ctx.input("dy", g.y(), symmetric()), ctx.output("dWeight", g.w()),
                g.bias() ? ctx.output("dBias", Shape.of(g.w().dim(0))) : null);
    }

    static void convEdge(Db db, boolean heavy, String name, ConvGeom g) {
        String p = name + ": " + g;
        if (heavy) {
            db.heavyEdge("Conv2d.Forward", p, convForward(g));
            db.heavyEdge("Conv2d.BackwardData", p, convBackwardData(g));
            db.heavyEdge("Conv2d.BackwardFilter", p, convBackwardFilter(g));
        } else {
            db.edge("Conv2d.Forward", p, convForward(g));
            db.edge("Conv2d.BackwardData", p, convBackwardData(g));
            db.edge("Conv2d.BackwardFilter", p, convBackwardFilter(g));
        }
    }

    static void conv2d(Db db) {
        db.family(new Generator("Conv2d", List.of("Conv2d.Forward", "Conv2d.BackwardData", "Conv2d.BackwardFilter"),
                1, d -> {
                    ConvGeom g = drawConv(d);
                    return new FamilySample(g.toString()).call("Conv2d.Forward", convForward(g))
                            .call("Conv2d.BackwardData", convBackwardData(g))
                            .call("Conv2d.BackwardFilter", convBackwardFilter(g));
                }));

        convEdge(db, false, "AlexNet conv1, batch 1", conv(new int[] {1, 3, 227, 227}, new int[] {96, 3, 11, 11},
                4, 0, 1, true));
        convEdge(db, false, "LeNet-5 C1", conv(new int[] {2, 1, 32, 32}, new int[] {6, 1, 5, 5}, 1, 0, 1, true));
        convEdge(db, false, "LeNet-5 C3", conv(new int[] {2, 6, 14, 14}, new int[] {16, 6, 5, 5}, 1, 0, 1, true));
        convEdge(db, false, "1x1", conv(new int[] {2, 5, 7, 9}, new int[] {3, 5, 1, 1}, 1, 0, 1, true));
        convEdge(db, false, "depthwise 3x3 stride 2", conv(new int[] {2, 6, 9, 8}, new int[] {6, 1, 3, 3}, 2, 1, 6,
                true));
        convEdge(db, false, "AlexNet conv2 towers, fewer channels", conv(new int[] {1, 8, 27, 27},
                new int[] {12, 4, 5, 5}, 1, 2, 2, true));
        convEdge(db, false, "kernel = padded input", conv(new int[] {1, 2, 3, 3}, new int[] {3, 2, 5, 5}, 1, 1, 1,
                true));
        convEdge(db, false, "stride 3 > kernel 2", conv(new int[] {1, 2, 10, 9}, new int[] {2, 2, 2, 2}, 3, 0, 1,
                false));
        convEdge(db, false, "non-square kernel, stride, padding, dilation", new ConvGeom(new Conv2d(Size2d.of(2, 1),
                Size2d.of(0, 2), Size2d.of(1, 2), 1), Shape.of(2, 3, 9, 6), Shape.of(4, 3, 2, 3), true));
        // found by OpProperties on cpu (shrunk): the outer taps read only padding; im2col copied an empty range
        // starting outside the input
        convEdge(db, false, "outer taps read only padding", new ConvGeom(new Conv2d(Size2d.of(1), Size2d.of(0, 2),
                Size2d.of(1, 2), 1), Shape.of(1, 1, 1, 1), Shape.of(1, 1, 1, 3), false));
        convEdge(db, true, "AlexNet conv2, two towers", conv(new int[] {1, 96, 27, 27}, new int[] {256, 48, 5, 5},
                1, 2, 2, true));

        String f = "Conv2d.Forward";
        db.error(f, "weight channels differ from x", "weight [2, 3, 3, 3]", ctx -> new Conv2d.Forward(
                Conv2d.of(1, 0), ctx.input("x", Shape.of(1, 4, 5, 5), symmetric()),
                ctx.input("weight", Shape.of(2, 3, 3, 3), symmetric()), null, ctx.output("y", Shape.of(1, 2, 3, 3))));
        db.error(f, "groups=3 does not divide 4 channels", "groups=3", ctx -> new Conv2d.Forward(
                Conv2d.of(1, 0).withGroups(3), ctx.input("x", Shape.of(1, 4, 5, 5), symmetric()),
                ctx.input("weight", Shape.of(3, 1, 3, 3), symmetric()), null, ctx.output("y", Shape.of(1, 3, 3, 3))));
        db.error(f, "kernel larger than padded input", "dilated kernel", ctx -> new Conv2d.Forward(
                Conv2d.of(1, 0), ctx.input("x", Shape.of(1, 1, 3, 3), symmetric()),
                ctx.input("weight", Shape.of(1, 1, 5, 5), symmetric()), null, ctx.output("y", Shape.of(1, 1, 1, 1))));
        db.error(f, "dilation makes kernel larger than input", "dilated kernel", ctx -> new Conv2d.Forward(
                Conv2d.of(1, 0).withDilation(Size2d.of(3)), ctx.input("x", Shape.of(1, 1, 5, 5), symmetric()),
                ctx.input("weight", Shape.of(1, 1, 3, 3), symmetric()), null, ctx.output("y", Shape.of(1, 1, 1, 1))));
        db.error(f, "x of rank 3", "x must be [N, C, H, W]", ctx -> new Conv2d.Forward(Conv2d.of(1, 0),
                ctx.input("x", Shape.of(4, 5, 5), symmetric()), ctx.input("weight", Shape.of(2, 4, 3, 3), symmetric()),
                null, ctx.output("y", Shape.of(1, 2, 3, 3))));
        db.error(f, "y of the wrong shape", "'y'", ctx -> new Conv2d.Forward(Conv2d.of(1, 0),
                ctx.input("x", Shape.of(1, 3, 5, 5), symmetric()), ctx.input("weight", Shape.of(2, 3, 3, 3), symmetric()),
                null, ctx.output("y", Shape.of(1, 2, 4, 4))));
        db.error(f, "bias of the wrong length", "'bias'", ctx -> new Conv2d.Forward(Conv2d.of(1, 0),
                ctx.input("x", Shape.of(1, 3, 5, 5), symmetric()), ctx.input("weight", Shape.of(2, 3, 3, 3), symmetric()),
                ctx.input("bias", Shape.of(3), symmetric()), ctx.output("y", Shape.of(1, 2, 3, 3))));
        db.error(f, "float64 weight with float32 x", "'weight' is float64", ctx -> new Conv2d.Forward(
                Conv2d.of(1, 0), ctx.input("x", Shape.of(1, 3, 5, 5), symmetric()),
                ctx.input("weight", Shape.of(2, 3, 3, 3), DType.FLOAT64, symmetric()), null,
                ctx.output("y", Shape.of(1, 2, 3, 3))));
        db.error(f, "groups=0", "groups", ctx -> new Conv2d.Forward(Conv2d.of(1, 0).withGroups(0),
                ctx.input("x", Shape.of(1, 3, 5, 5), symmetric()), ctx.input("weight", Shape.of(2, 3, 3, 3), symmetric()),
                null, ctx.output("y", Shape.of(1, 2, 3, 3))));
        db.error("Conv2d.BackwardData", "dy of the wrong shape", "'dy'", ctx -> new Conv2d.BackwardData(
                Conv2d.of(2, 1), ctx.input("dy", Shape.of(1, 2, 5, 5), symmetric()),
                ctx.input("weight", Shape.of(2, 3, 3, 3), symmetric()), ctx.output("dx", Shape.of(1, 3, 7, 7))));
        db.error("Conv2d.BackwardData", "dx of rank 2", "x must be [N, C, H, W]", ctx -> new Conv2d.BackwardData(
                Conv2d.of(1, 0), ctx.input("dy", Shape.of(1, 2, 3, 3), symmetric()),
                ctx.input("weight", Shape.of(2, 3, 3, 3), symmetric()), ctx.output("dx", Shape.of(3, 25))));
        db.error("Conv2d.BackwardFilter", "dBias of the wrong length", "'dBias'", ctx -> new Conv2d.BackwardFilter(
                Conv2d.of(1, 0), ctx.input("x", Shape.of(1, 3, 5, 5), symmetric()),
                ctx.input("dy", Shape.of(1, 2, 3, 3), symmetric()), ctx.output("dWeight", Shape.of(2, 3, 3, 3)),
                ctx.output("dBias", Shape.of(3))));
        db.error("Conv2d.BackwardFilter", "dy float64", "'dy' is float64", ctx -> new Conv2d.BackwardFilter(
                Conv2d.of(1, 0), ctx.input("x", Shape.of(1, 3, 5, 5), symmetric()),
                ctx.input("dy", Shape.of(1, 2, 3, 3), DType.FLOAT64, symmetric()),
                ctx.output("dWeight", Shape.of(2, 3, 3, 3)), null));
    }

    // ---- Pool2d ---------------------------------------------------------------------------------------------

    static Pool2d drawPool(Draw d, Pool2d.Mode mode) {
        Size2d k = Size2d.of(d.between(1, 4), d.between(1, 4));
        Size2d s = Size2d.of(d.between(1, 4), d.between(1, 4));
        Size2d p = Size2d.of(d.between(0, k.h() / 2), d.between(0, k.w() / 2));
        return new Pool2d(mode, k, s, p, d.chance(0.4), d.chance(0.5));
    }

    static Shape drawPoolInput(Draw d, Pool2d pool) {
        Sweep s = d.sweep();
        int minH = pool.smallestInput().h();
        int minW = pool.smallestInput().w();
        return Shape.of(d.between(1, s.maxBatch()), d.between(1, s.maxChannels() + 2),
                d.between(minH, Math.max(minH, s.maxSpatial())), d.between(minW, Math.max(minW, s.maxSpatial())));
    }

    /** Dilated max pooling ({@code max_pool2d(dilation=...)}): dilation 1 to 3 per axis, not both 1. */
    static Pool2d drawDilatedPool(Draw d) {
        Pool2d p = drawPool(d, Pool2d.Mode.MAX);
        Size2d dil = Size2d.of(d.between(1, 3), d.between(2, 3));
        return p.withDilation(d.chance(0.5) ? dil : Size2d.of(dil.w(), dil.h()));
    }

    static String describe(Pool2d p, Shape x) {
        return p.mode() + " x" + x + " kernel" + p.kernel() + " stride" + p.stride() + " padding" + p.padding()
                + (p.dilated() ? " dilation" + p.dilation() : "")
                + (p.ceilMode() ? " ceil" : " floor") + (p.mode() == Pool2d.Mode.AVG
                        ? (p.countIncludePad() ? " countIncludePad" : " padding not counted") : "");
    }

    static OpCase.Builder poolForward(Pool2d p, Shape x, Dist dist) {
        return ctx -> new Pool2d.Forward(p, ctx.input("x", x, dist), ctx.output("y", p.outputShape(x)));
    }

    static OpCase.Builder poolBackward(Pool2d p, Shape x, Dist dist) {
        return ctx -> new Pool2d.Backward(p, ctx.input("x", x, dist), ctx.input("dy", p.outputShape(x), symmetric()),
                ctx.output("dx", x));
    }

    static void poolEdge(Db db, String name, Pool2d p, Shape x, Dist dist) {
        db.edge("Pool2d.Forward", name + ": " + describe(p, x), poolForward(p, x, dist));
        db.edge("Pool2d.Backward", name + ": " + describe(p, x), poolBackward(p, x, dist));
    }

    static void pool2d(Db db) {
        // max, average and dilated max pooling; integer values make ties (max pooling's gradient goes to the
        // first maximum)
        db.family(new Generator("Pool2d", List.of("Pool2d.Forward", "Pool2d.Backward"), 3, d -> {
            int variant = d.between(0, 2);
            Pool2d p = variant == 2 ? drawDilatedPool(d) : drawPool(d, variant == 0 ? Pool2d.Mode.MAX
                    : Pool2d.Mode.AVG);
            Shape x = drawPoolInput(d, p);
            boolean ties = d.chance(0.25);
            Dist dist = ties ? Dist.integers(-2, 2) : symmetric();
            String params = describe(p, x) + (ties ? " ties" : "");
            return new FamilySample(params).call("Pool2d.Forward", poolForward(p, x, dist))
                    .call("Pool2d.Backward", poolBackward(p, x, dist));
        }));
        Shape lenet = Shape.of(2, 6, 28, 28);
        poolEdge(db, "LeNet-5 S2", Pool2d.max(2, 2), lenet, symmetric());
        poolEdge(db, "LeNet-5 S2", Pool2d.avg(2, 2), lenet, symmetric());
        poolEdge(db, "AlexNet overlapping 3x3/2", Pool2d.max(3, 2), Shape.of(1, 5, 13, 13), symmetric());
        poolEdge(db, "ties, first maximum wins", Pool2d.max(3, 2).withPadding(Size2d.of(1)), Shape.of(2, 3, 9, 8),
                Dist.integers(0, 2));
        poolEdge(db, "window = input", Pool2d.max(1, 1).withPadding(Size2d.of(0)), Shape.of(1, 1, 1, 1), symmetric());
        poolEdge(db, "global window = input", new Pool2d(Pool2d.Mode.MAX, Size2d.of(5, 7), Size2d.of(1),
                Size2d.of(0), false, true), Shape.of(2, 3, 5, 7), symmetric());
        poolEdge(db, "global window = input", new Pool2d(Pool2d.Mode.AVG, Size2d.of(5, 7), Size2d.of(1),
                Size2d.of(0), false, true), Shape.of(2, 3, 5, 7), symmetric());
        poolEdge(db, "ceil mode keeps a partial window", Pool2d.max(3, 2).withCeilMode(true), Shape.of(1, 2, 6, 6),
                symmetric());
        poolEdge(db, "ceil mode, padding not counted", Pool2d.avg(3, 2).withPadding(Size2d.of(1)).withCeilMode(true)
                .withCountIncludePad(false), Shape.of(1, 2, 6, 7), symmetric());
        poolEdge(db, "padding counted", Pool2d.avg(3, 2).withPadding(Size2d.of(1)), Shape.of(1, 2, 7, 7),
                symmetric());
        poolEdge(db, "stride 3 > kernel 2", Pool2d.avg(2, 3), Shape.of(1, 2, 8, 10), symmetric());
        poolEdge(db, "2x2/2 on odd sizes: last row and column in no window", Pool2d.max(2, 2), Shape.of(2, 3, 7, 9),
                symmetric());
        poolEdge(db, "2x2/2 ties, first maximum wins", Pool2d.max(2, 2), Shape.of(2, 3, 8, 6), Dist.integers(0, 1));
        poolEdge(db, "2x2/2 ceil mode on odd sizes", Pool2d.max(2, 2).withCeilMode(true), Shape.of(1, 2, 5, 7),
                symmetric());
        db.edge("Pool2d.Backward", "NaN routes the gradient to the last NaN: MAX x[2, 3, 6, 6] kernel 2 stride 2",
                poolBackward(Pool2d.max(2, 2), Shape.of(2, 3, 6, 6), symmetric().sprinkled(Double.NaN, 0.2)));
        db.edge("Pool2d.Forward", "NaN propagates: MAX x[2, 3, 6, 6] kernel 2 stride 2",
                poolForward(Pool2d.max(2, 2), Shape.of(2, 3, 6, 6), symmetric().sprinkled(Double.NaN, 0.05)));

        db.error("Pool2d.Forward", "kernel larger than padded input", "kernel", ctx -> new Pool2d.Forward(
                Pool2d.max(3, 1), ctx.input("x", Shape.of(1, 1, 2, 2), symmetric()),
                ctx.output("y", Shape.of(1, 1, 1, 1))));
        db.error("Pool2d.Forward", "padding more than half the kernel", "padding", ctx -> new Pool2d.Forward(
                Pool2d.max(3, 1).withPadding(Size2d.of(2)), ctx.input("x", Shape.of(1, 1, 5, 5), symmetric()),
                ctx.output("y", Shape.of(1, 1, 7, 7))));
        db.error("Pool2d.Forward", "x of rank 3", "x must be [N, C, H, W]", ctx -> new Pool2d.Forward(
                Pool2d.max(2, 2), ctx.input("x", Shape.of(3, 4, 4), symmetric()), ctx.output("y", Shape.of(3, 2, 2))));
        db.error("Pool2d.Forward", "y of the wrong shape", "'y'", ctx -> new Pool2d.Forward(Pool2d.max(2, 2),
                ctx.input("x", Shape.of(1, 2, 4, 4), symmetric()), ctx.output("y", Shape.of(1, 2, 3, 3))));
        db.error("Pool2d.Backward", "dx of the wrong shape", "'dx'", ctx -> new Pool2d.Backward(Pool2d.max(2, 2),
                ctx.input("x", Shape.of(1, 2, 4, 4), symmetric()), ctx.input("dy", Shape.of(1, 2, 2, 2), symmetric()),
                ctx.output("dx", Shape.of(1, 2, 4, 5))));
        db.error("Pool2d.Backward", "dy of the wrong shape", "'dy'", ctx -> new Pool2d.Backward(Pool2d.avg(2, 2),
                ctx.input("x", Shape.of(1, 2, 4, 4), symmetric()), ctx.input("dy", Shape.of(1, 2, 3, 3), symmetric()),
                ctx.output("dx", Shape.of(1, 2, 4, 4))));
        dilatedPool2d(db);
    }

    /** Dilated max pooling (drawn by the Pool2d generator): edges (padding, ceil mode, ties, NaN, windows with no tap
     * inside), errors. */
    static void dilatedPool2d(Db db) {
        Pool2d d2 = Pool2d.max(3, 2).withPadding(Size2d.of(1)).withDilation(Size2d.of(2));
        poolEdge(db, "dilation 2 with padding", d2, Shape.of(2, 3, 9, 10), symmetric());
        poolEdge(db, "dilation 2 with padding, ceil mode", d2.withCeilMode(true), Shape.of(1, 2, 10, 9), symmetric());
        poolEdge(db, "dilation (2, 3), stride 1, ties: first maximum wins", new Pool2d(Pool2d.Mode.MAX,
                Size2d.of(2, 3), Size2d.of(1), Size2d.of(1), false, true, Size2d.of(2, 3)), Shape.of(2, 2, 7, 9),
                Dist.integers(0, 2));
        poolEdge(db, "dilation 3, ceil mode, stride 2, padding (1, 0)", new Pool2d(Pool2d.Mode.MAX, Size2d.of(2),
                Size2d.of(2), Size2d.of(1, 0), true, true, Size2d.of(3)), Shape.of(1, 3, 8, 11), symmetric());
        poolEdge(db, "dilated windows with no tap inside the input are -inf", new Pool2d(Pool2d.Mode.MAX,
                Size2d.of(2), Size2d.of(1), Size2d.of(1), false, true, Size2d.of(3)), Shape.of(1, 2, 2, 5),
                symmetric());
        db.edge("Pool2d.Backward", "dilated, NaN routes the gradient to the last NaN: " + describe(d2,
                Shape.of(2, 3, 8, 8)), poolBackward(d2, Shape.of(2, 3, 8, 8), symmetric().sprinkled(Double.NaN, 0.2)));
        db.edge("Pool2d.Forward", "dilated, NaN propagates: " + describe(d2, Shape.of(2, 3, 8, 8)),
                poolForward(d2, Shape.of(2, 3, 8, 8), symmetric().sprinkled(Double.NaN, 0.05)));
        db.error("Pool2d.Forward", "AVG pooling with dilation", "dilation (2, 2) is defined only for MAX pooling",
                ctx -> new Pool2d.Forward(Pool2d.avg(2, 2).withDilation(Size2d.of(2)),
                        ctx.input("x", Shape.of(1, 1, 6, 6), symmetric()), ctx.output("y", Shape.of(1, 1, 2, 2))));
        db.error("Pool2d.Forward", "dilated kernel larger than padded input", "dilated by (2, 2)",
                ctx -> new Pool2d.Forward(Pool2d.max(3, 1).withDilation(Size2d.of(2)),
                        ctx.input("x", Shape.of(1, 1, 4, 4), symmetric()), ctx.output("y", Shape.of(1, 1, 1, 1))));
        db.error("Pool2d.Backward", "dilation 0", "dilation must be at least 1", ctx -> new Pool2d.Backward(
                Pool2d.max(2, 2).withDilation(Size2d.of(1, 0)), ctx.input("x", Shape.of(1, 2, 4, 4), symmetric()),
                ctx.input("dy", Shape.of(1, 2, 2, 2), symmetric()), ctx.output("dx", Shape.of(1, 2, 4, 4))));
    }

    // ---- BatchNorm ------------------------------------------------------------------------------------------

    static final Dist BN_X = Dist.uniform(-2, 2).channelOffsets(3);
    static final Dist GAMMA = Dist.uniform(0.5, 1.5);
    static final Dist VARIANCE = Dist.uniform(0.5, 2);

    static Shape drawBnInput(Draw d) {
        Sweep s = d.sweep();
        int c = d.between(1, s.maxChannels() + 2);
        if (d.chance(0.3)) {
            return Shape.of(d.between(2, s.maxFeatures()), c);
        }
        return Shape.of(d.between(1, s.maxBatch()), c, d.between(1, s.maxSpatial()), d.between(2, s.maxSpatial()));
    }

    static OpCase.Builder bnTraining(BatchNorm bn, Shape x, Dist dist) {
        Shape c = Shape.of(x.dim(1));
        return ctx -> new BatchNorm.ForwardTraining(bn, ctx.input("x", x, dist), ctx.input("gamma", c, GAMMA),
                ctx.input("beta", c, symmetric()), ctx.inOut("runningMean", c, symmetric()),
                ctx.inOut("runningVar", c, VARIANCE), ctx.output("y", x), ctx.output("savedMean", c),
                ctx.output("savedInvStd", c));
    }

    static OpCase.Builder bnInference(BatchNorm bn, Shape x, Dist dist) {
        Shape c = Shape.of(x.dim(1));
        return ctx -> new BatchNorm.ForwardInference(bn, ctx.input("x", x, dist), ctx.input("gamma", c, GAMMA),
                ctx.input("beta", c, symmetric()), ctx.input("runningMean", c, symmetric()),
                ctx.input("runningVar", c, VARIANCE), ctx.output("y", x));
    }

    /** The backward with {@code savedMean} and {@code savedInvStd} computed from x, as the training forward saves. */
    static OpCase.Builder bnBackward(BatchNorm bn, Shape x, Dist dist) {
        int channels = x.dim(1);
        int inner = x.strideOf(1);
        Shape c = Shape.of(channels);
        return ctx -> {
            double[] xv = ctx.draw("x", x, dist);
            double[] sum = new double[channels];
            double[] count = new double[channels];
            for (int i = 0; i < xv.length; i++) {
                xv[i] = (float) xv[i];
                sum[(i / inner) % channels] += xv[i];
                count[(i / inner) % channels]++;
            }
            double[] mean = new double[channels];
            double[] var = new double[channels];
            for (int k = 0; k < channels; k++) {
                mean[k] = sum[k] / count[k];
            }
            for (int i = 0; i < xv.length; i++) {
                double dv = xv[i] - mean[(i / inner) % channels];
                var[(i / inner) % channels] += dv * dv;
            }
            double[] invStd = new double[channels];
            for (int k = 0; k < channels; k++) {
                invStd[k] = 1 / Math.sqrt(var[k] / count[k] + bn.epsilon());
            }
            return new BatchNorm.Backward(bn, ctx.input("x", x, xv), ctx.input("dy", x, symmetric()),
                    ctx.input("gamma", c, GAMMA), ctx.input("savedMean", c, mean), ctx.input("savedInvStd", c, invStd),
                    ctx.output("dx", x), ctx.output("dGamma", c), ctx.output("dBeta", c));
        };
    }

    static BatchNorm drawBn(Draw d) {
        return new BatchNorm(d.pick(1e-5, 1e-3), d.pick(0.1, 0.5, 0, 1));
    }

    static void batchNorm(Db db) {
        // the training calls need two values per channel; a batch of one row [1, C] is drawn for inference only
        db.family(new Generator("BatchNorm", List.of("BatchNorm.ForwardTraining", "BatchNorm.ForwardInference",
                "BatchNorm.Backward", "BatchNorm.BackwardInference"), 1, d -> {
                    BatchNorm bn = drawBn(d);
                    Shape x = d.chance(0.15) ? Shape.of(1, d.between(1, 5)) : drawBnInput(d);
                    double mean = d.pick(0, 0, 3, -50, 1000);
                    Dist dist = mean == 0 ? BN_X : Dist.normal(mean, 1).channelOffsets(1);
                    FamilySample s = new FamilySample("x" + x + " " + bn + (mean == 0 ? "" : " mean " + mean));
                    if (x.size() / x.dim(1) > 1) {
                        s.call("BatchNorm.ForwardTraining", bnTraining(bn, x, dist));
                    }
                    s.call("BatchNorm.ForwardInference", bnInference(bn, x, dist));
                    if (x.size() / x.dim(1) > 1) {
                        s.call("BatchNorm.Backward", bnBackward(bn, x, dist));
                    }
                    // the running statistics near the data's, as after training on it
                    return s.call("BatchNorm.BackwardInference", bnBackwardInference(bn, x, dist, mean == 0
                            ? symmetric() : Dist.uniform(mean - 1, mean + 1), VARIANCE));
                }));
        BatchNorm def = BatchNorm.defaults();
        record BnEdge(String name, Shape x, Dist dist) {
        }
        for (BnEdge e : List.of(new BnEdge("batch 1, 4-D", Shape.of(1, 3, 4, 5), BN_X),
                new BnEdge("BatchNorm1d [N, C]", Shape.of(5, 7), BN_X),
                new BnEdge("two values per channel", Shape.of(2, 3), BN_X),
                new BnEdge("mean 100, std 1 (stable variance)", Shape.of(4, 3, 5, 5), Dist.normal(100, 1)),
                // found by OpProperties on cpu (shrunk): the spread is tiny against the mean; subtracting the mean
                // rounded to float was 2.2x over the tolerance
                new BnEdge("two values per channel near 1000", Shape.of(2, 1, 1, 1), Dist.normal(1000, 1)),
                new BnEdge("seed 002 CNN layer, batch 8", Shape.of(8, 32, 6, 6), BN_X))) {
            String p = e.name() + ": x" + e.x() + " " + def;
            db.edge("BatchNorm.ForwardTraining", p, bnTraining(def, e.x(), e.dist()));
            db.edge("BatchNorm.ForwardInference", p, bnInference(def, e.x(), e.dist()));
            db.edge("BatchNorm.Backward", p, bnBackward(def, e.x(), e.dist()));
        }
        Shape c3 = Shape.of(3);
        db.error("BatchNorm.ForwardTraining", "one value per channel", "more than 1", ctx ->
                new BatchNorm.ForwardTraining(def, ctx.input("x", Shape.of(1, 3), symmetric()), ctx.input("gamma", c3,
                        GAMMA), ctx.input("beta", c3, symmetric()), ctx.inOut("runningMean", c3, symmetric()),
                        ctx.inOut("runningVar", c3, VARIANCE), ctx.output("y", Shape.of(1, 3)),
                        ctx.output("savedMean", c3), ctx.output("savedInvStd", c3)));
        db.error("BatchNorm.ForwardTraining", "x of rank 3", "'x' must have rank 2 or 4", ctx ->
                new BatchNorm.ForwardTraining(def, ctx.input("x", Shape.of(2, 3, 4), symmetric()), ctx.input("gamma", c3,
                        GAMMA), ctx.input("beta", c3, symmetric()), ctx.inOut("runningMean", c3, symmetric()),
                        ctx.inOut("runningVar", c3, VARIANCE), ctx.output("y", Shape.of(2, 3, 4)),
                        ctx.output("savedMean", c3), ctx.output("savedInvStd", c3)));
        db.error("BatchNorm.ForwardTraining", "gamma of the wrong length", "'gamma'", ctx ->
                new BatchNorm.ForwardTraining(def, ctx.input("x", Shape.of(2, 3), symmetric()),
                        ctx.input("gamma", Shape.of(4), GAMMA), ctx.input("beta", c3, symmetric()),
                        ctx.inOut("runningMean", c3, symmetric()), ctx.inOut("runningVar", c3, VARIANCE),
                        ctx.output("y", Shape.of(2, 3)), ctx.output("savedMean", c3), ctx.output("savedInvStd", c3)));
        db.error("BatchNorm.ForwardTraining", "momentum 1.5", "momentum", ctx ->
                new BatchNorm.ForwardTraining(new BatchNorm(1e-5, 1.5), ctx.input("x", Shape.of(2, 3), symmetric()),
                        ctx.input("gamma", c3, GAMMA), ctx.input("beta", c3, symmetric()),
                        ctx.inOut("runningMean", c3, symmetric()), ctx.inOut("runningVar", c3, VARIANCE),
                        ctx.output("y", Shape.of(2, 3)), ctx.output("savedMean", c3), ctx.output("savedInvStd", c3)));
        db.error("BatchNorm.ForwardInference", "runningVar float64", "'runningVar' is float64", ctx ->
                new BatchNorm.ForwardInference(def, ctx.input("x", Shape.of(2, 3), symmetric()), ctx.input("gamma", c3,
                        GAMMA), ctx.input("beta", c3, symmetric()), ctx.input("runningMean", c3, symmetric()),
                        ctx.input("runningVar", c3, DType.FLOAT64, VARIANCE), ctx.output("y", Shape.of(2, 3))));
        db.error("BatchNorm.Backward", "dBeta of the wrong length", "'dBeta'", ctx ->
                new BatchNorm.Backward(def, ctx.input("x", Shape.of(2, 3), symmetric()), ctx.input("dy", Shape.of(2, 3),
                        symmetric()), ctx.input("gamma", c3, GAMMA), ctx.input("savedMean", c3, symmetric()),
                        ctx.input("savedInvStd", c3, VARIANCE), ctx.output("dx", Shape.of(2, 3)),
                        ctx.output("dGamma", c3), ctx.output("dBeta", Shape.of(2))));
        db.error("BatchNorm.Backward", "dGamma and dBeta one tensor", "share memory", ctx -> {
            Tensor both = ctx.output("dGamma", c3);
            return new BatchNorm.Backward(def, ctx.input("x", Shape.of(2, 3), symmetric()), ctx.input("dy",
                    Shape.of(2, 3), symmetric()), ctx.input("gamma", c3, GAMMA), ctx.input("savedMean", c3,
                    symmetric()), ctx.input("savedInvStd", c3, VARIANCE), ctx.output("dx", Shape.of(2, 3)), both, both);
        });
    }

    /** The inference-mode backward: the running statistics the forward used, drawn as the inference forward's. */
    static OpCase.Builder bnBackwardInference(BatchNorm bn, Shape x, Dist dist, Dist mean, Dist var) {
        Shape c = Shape.of(x.dim(1));
        return ctx -> new BatchNorm.BackwardInference(bn, ctx.input("x", x, dist), ctx.input("dy", x, symmetric()),
                ctx.input("gamma", c, GAMMA), ctx.input("runningMean", c, mean), ctx.input("runningVar", c, var),
                ctx.output("dx", x), ctx.output("dGamma", c), ctx.output("dBeta", c));
    }

    /** BatchNorm.BackwardInference: edges (one value per channel, tiny and large variances), errors. */
    static void batchNormBackwardInference(Db db) {
        BatchNorm def = BatchNorm.defaults();
        record BnEdge(String name, Shape x, Dist dist, Dist mean, Dist var) {
        }
        for (BnEdge e : List.of(
                new BnEdge("batch 1, one value per channel", Shape.of(1, 4), BN_X, symmetric(), VARIANCE),
                new BnEdge("batch 1, 4-D", Shape.of(1, 3, 4, 5), BN_X, symmetric(), VARIANCE),
                new BnEdge("running variance 0 (epsilon alone)", Shape.of(3, 4, 2, 3), BN_X, symmetric(),
                        Dist.constant(0)),
                new BnEdge("mean 100, std 1, statistics near it", Shape.of(4, 3, 5, 5), Dist.normal(100, 1),
                        Dist.uniform(99, 101), Dist.uniform(0.5, 2)),
                new BnEdge("seed 002 CNN layer, batch 8", Shape.of(8, 32, 6, 6), BN_X, symmetric(), VARIANCE))) {
            db.edge("BatchNorm.BackwardInference", e.name() + ": x" + e.x() + " " + def,
                    bnBackwardInference(def, e.x(), e.dist(), e.mean(), e.var()));
        }
        Shape c3 = Shape.of(3);
        db.error("BatchNorm.BackwardInference", "runningVar of the wrong length", "'runningVar'", ctx ->
                new BatchNorm.BackwardInference(def, ctx.input("x", Shape.of(2, 3), symmetric()),
                        ctx.input("dy", Shape.of(2, 3), symmetric()), ctx.input("gamma", c3, GAMMA),
                        ctx.input("runningMean", c3, symmetric()), ctx.input("runningVar", Shape.of(4), VARIANCE),
                        ctx.output("dx", Shape.of(2, 3)), ctx.output("dGamma", c3), ctx.output("dBeta", c3)));
        db.error("BatchNorm.BackwardInference", "x of rank 3", "'x' must have rank 2 or 4", ctx ->
                new BatchNorm.BackwardInference(def, ctx.input("x", Shape.of(2, 3, 4), symmetric()),
                        ctx.input("dy", Shape.of(2, 3, 4), symmetric()), ctx.input("gamma", c3, GAMMA),
                        ctx.input("runningMean", c3, symmetric()), ctx.input("runningVar", c3, VARIANCE),
                        ctx.output("dx", Shape.of(2, 3, 4)), ctx.output("dGamma", c3), ctx.output("dBeta", c3)));
        db.error("BatchNorm.BackwardInference", "dx of the wrong shape", "'dx'", ctx ->
                new BatchNorm.BackwardInference(def, ctx.input("x", Shape.of(2, 3), symmetric()),
                        ctx.input("dy", Shape.of(2, 3), symmetric()), ctx.input("gamma", c3, GAMMA),
                        ctx.input("runningMean", c3, symmetric()), ctx.input("runningVar", c3, VARIANCE),
                        ctx.output("dx", Shape.of(3, 2)), ctx.output("dGamma", c3), ctx.output("dBeta", c3)));
    }

    // ---- Activation, PReLU ----------------------------------------------------------------------------------

    /** The activation on the host, in double, as the forward defines it. */
    static double activate(Activation a, double x) {
        return switch (a.kind()) {
            case RELU -> Math.max(x, 0);
            case LEAKY_RELU -> x > 0 ? x : a.alpha() * x;
            case ELU -> x > 0 ? x : a.alpha() * Math.expm1(x);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case TANH -> Math.tanh(x);
        };
    }

    static Activation drawActivation(Draw d, Activation.Kind kind) {
        return switch (kind) {
            case RELU -> Activation.relu();
            case LEAKY_RELU -> Activation.leakyRelu(d.pick(0.01, 0.2, 1.5));
            case ELU -> Activation.elu(d.pick(1.0, 0.5));
            case SIGMOID -> Activation.sigmoid();
            case TANH -> Activation.tanh();
        };
    }

    static OpCase.Builder actForward(Activation a, Shape s, Dist dist) {
        return ctx -> new Activation.Forward(a, ctx.input("x", s, dist), ctx.output("y", s));
    }

    /** The backward, with {@code y = f(x)} computed on the host. */
    static OpCase.Builder actBackward(Activation a, Shape s, Dist dist) {
        return ctx -> {
            double[] x = ctx.draw("x", s, dist);
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) x[i];
                y[i] = activate(a, x[i]);
            }
            return new Activation.Backward(a, ctx.input("x", s, x), ctx.input("y", s, y),
                    ctx.input("dy", s, symmetric()), ctx.output("dx", s));
        };
    }

    static final Dist AWAY_FROM_KINK = Dist.awayFromZero(1e-3, 4);

    static void activation(Db db) {
        // every kind; |x| up to 4 mostly, up to 100 or 1e4 (saturation) sometimes; away from the kink at 0
        db.family(new Generator("Activation", List.of("Activation.Forward", "Activation.Backward"),
                Activation.Kind.values().length, d -> {
                    Activation a = drawActivation(d, d.pickOf(Activation.Kind.values()));
                    Shape s = d.shape(1, 4);
                    double magnitude = d.pick(4, 4, 4, 100, 1e4);
                    Dist x = Dist.awayFromZero(1e-3, magnitude);
                    return new FamilySample(a + " x" + s + (magnitude == 4 ? "" : " |x| <= " + magnitude))
                            .call("Activation.Forward", actForward(a, s, x))
                            .call("Activation.Backward", actBackward(a, s, x));
                }));
        Shape s = Shape.of(2, 3, 5, 7);
        for (Activation a : List.of(Activation.relu(), Activation.leakyRelu(0.01), Activation.elu(1.0))) {
            db.edge("Activation.Forward", "exact zeros: " + a + " x" + s, actForward(a, s, Dist.integers(-1, 1)));
            db.edge("Activation.Backward", "gradient at the kink x = 0: " + a + " x" + s,
                    actBackward(a, s, Dist.integers(-1, 1)));
        }
        for (Activation a : List.of(Activation.sigmoid(), Activation.tanh(), Activation.elu(1.0))) {
            db.edge("Activation.Forward", "saturation |x| <= 100: " + a + " x" + s,
                    actForward(a, s, Dist.uniform(-100, 100)));
            db.edge("Activation.Backward", "saturation |x| <= 100: " + a + " x" + s,
                    actBackward(a, s, Dist.uniform(-100, 100)));
        }
        for (Activation.Kind kind : Activation.Kind.values()) {
            Activation a = new Activation(kind, kind == Activation.Kind.LEAKY_RELU ? 0.01 : 1.0);
            db.edge("Activation.Forward", "NaN propagates: " + a + " x[37]", actForward(a, Shape.of(37),
                    symmetric().sprinkled(Double.NaN, 0.2)));
            db.edge("Activation.Backward", "NaN propagates: " + a + " x[3, 5, 7]", actBackward(a,
                    Shape.of(3, 5, 7), Dist.uniform(-3, 3).sprinkled(Double.NaN, 0.1)));
        }
        Shape s3 = Shape.of(3, 4);
        db.error("Activation.Forward", "y of the wrong shape", "'y'", ctx -> new Activation.Forward(
                Activation.relu(), ctx.input("x", s3, symmetric()), ctx.output("y", Shape.of(4, 3))));
        db.error("Activation.Forward", "y float64", "'y' is float64", ctx -> new Activation.Forward(
                Activation.tanh(), ctx.input("x", s3, symmetric()), ctx.output("y", s3, DType.FLOAT64)));
        db.error("Activation.Forward", "y is x (outputs must not alias inputs)", "output 'y'", ctx -> {
            var x = ctx.input("x", s3, symmetric());
            return new Activation.Forward(Activation.relu(), x, x);
        });
        db.error("Activation.Forward", "y is a view of x", "output 'y'", ctx -> {
            var x = ctx.input("x", s3, symmetric());
            return new Activation.Forward(Activation.relu(), x, x.reshape(s3));
        });
        db.error("Activation.Forward", "alpha NaN", "alpha", ctx -> new Activation.Forward(
                Activation.leakyRelu(Double.NaN), ctx.input("x", s3, symmetric()), ctx.output("y", s3)));
        db.error("Activation.Backward", "dy of the wrong shape", "'dy'", ctx -> new Activation.Backward(
                Activation.sigmoid(), ctx.input("x", s3, symmetric()), ctx.input("y", s3, symmetric()),
                ctx.input("dy", Shape.of(12), symmetric()), ctx.output("dx", s3)));
    }

    static OpCase.Builder preluForward(Shape x, int slopes) {
        return ctx -> new Prelu.Forward(ctx.input("x", x, AWAY_FROM_KINK), ctx.input("weight", Shape.of(slopes),
                Dist.uniform(-0.5, 1.5)), ctx.output("y", x));
    }

    static OpCase.Builder preluBackward(Shape x, int slopes, Dist dist) {
        return ctx -> new Prelu.Backward(ctx.input("x", x, dist), ctx.input("weight", Shape.of(slopes),
                Dist.uniform(-0.5, 1.5)), ctx.input("dy", x, symmetric()), ctx.output("dx", x),
                ctx.output("dWeight", Shape.of(slopes)));
    }

    static void prelu(Db db) {
        db.family(new Generator("Prelu", List.of("Prelu.Forward", "Prelu.Backward"), 1, d -> {
            Shape x = d.shape(1, 4);
            int slopes = x.rank() >= 2 && d.chance(0.6) ? x.dim(1) : 1;
            return new FamilySample("x" + x + " slopes=" + slopes).call("Prelu.Forward", preluForward(x, slopes))
                    .call("Prelu.Backward", preluBackward(x, slopes, AWAY_FROM_KINK));
        }));
        db.edge("Prelu.Forward", "one slope per channel: x[2, 6, 5, 5]", preluForward(Shape.of(2, 6, 5, 5), 6));
        db.edge("Prelu.Forward", "one shared slope, rank 1: x[7]", preluForward(Shape.of(7), 1));
        db.edge("Prelu.Backward", "one slope per channel: x[2, 6, 5, 5]",
                preluBackward(Shape.of(2, 6, 5, 5), 6, AWAY_FROM_KINK));
        db.edge("Prelu.Backward", "gradient at x = 0: x[3, 4, 3]", preluBackward(Shape.of(3, 4, 3), 4,
                Dist.integers(-1, 1)));
        db.error("Prelu.Forward", "3 slopes for 4 channels", "weight [3]", ctx -> new Prelu.Forward(
                ctx.input("x", Shape.of(2, 4), symmetric()), ctx.input("weight", Shape.of(3), symmetric()),
                ctx.output("y", Shape.of(2, 4))));
        db.error("Prelu.Forward", "weight of rank 2", "'weight' must have rank 1", ctx -> new Prelu.Forward(
                ctx.input("x", Shape.of(2, 4), symmetric()), ctx.input("weight", Shape.of(1, 4), symmetric()),
                ctx.output("y", Shape.of(2, 4))));
        db.error("Prelu.Backward", "dWeight of the wrong length", "'dWeight'", ctx -> new Prelu.Backward(
                ctx.input("x", Shape.of(2, 4), symmetric()), ctx.input("weight", Shape.of(4), symmetric()),
                ctx.input("dy", Shape.of(2, 4), symmetric()), ctx.output("dx", Shape.of(2, 4)),
                ctx.output("dWeight", Shape.of(1))));
    }

    // ---- Softmax, Dropout -----------------------------------------------------------------------------------

    /** Softmax or log-softmax over axis 1 on the host, rows stabilised by their maximum. */
    static double[] softmaxOnHost(double[] x, Shape s, boolean log) {
        int c = s.dim(1);
        int inner = s.strideOf(1);
        double[] y = new double[x.length];
        for (int outer = 0; outer < x.length / (c * inner); outer++) {
            for (int in = 0; in < inner; in++) {
                int base = outer * c * inner + in;
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < c; k++) {
                    max = Math.max(max, x[base + k * inner]);
                }
                double sum = 0;
                for (int k = 0; k < c; k++) {
                    sum += Math.exp(x[base + k * inner] - max);
                }
                for (int k = 0; k < c; k++) {
                    double v = x[base + k * inner] - max;
                    y[base + k * inner] = log ? v - Math.log(sum) : Math.exp(v) / sum;
                }
            }
        }
        return y;
    }

    static OpCase.Builder softmaxForward(Softmax sm, Shape s, Dist dist) {
        return ctx -> new Softmax.Forward(sm, ctx.input("x", s, dist), ctx.output("y", s));
    }

    /** The backward, with {@code y} the host softmax of random logits. */
    static OpCase.Builder softmaxBackward(Softmax sm, Shape s, Dist dist) {
        return ctx -> new Softmax.Backward(sm, ctx.input("y", s, softmaxOnHost(ctx.draw("x", s, dist), s, sm.log())),
                ctx.input("dy", s, symmetric()), ctx.output("dx", s));
    }

    static void softmax(Db db) {
        // softmax or log-softmax over axis 1 of rank 2 to 4 (over the channels of [N, C, H, W], not the fastest
        // axis); logits up to 5 mostly, up to 100 or 1e4 sometimes
        db.family(new Generator("Softmax", List.of("Softmax.Forward", "Softmax.Backward"), 4, d -> {
            Softmax sm = d.chance(0.5) ? Softmax.logSoftmax() : Softmax.softmax();
            Shape s = d.chance(0.3) ? d.shape(4, 4) : d.shape(2, 4);
            double magnitude = d.pick(5, 5, 5, 100, 1e4);
            Dist logits = Dist.uniform(-magnitude, magnitude);
            return new FamilySample(sm + " x" + s + (magnitude == 5 ? "" : " logits up to " + magnitude))
                    .call("Softmax.Forward", softmaxForward(sm, s, logits))
                    .call("Softmax.Backward", softmaxBackward(sm, s, logits));
        }));
        for (Softmax sm : List.of(Softmax.softmax(), Softmax.logSoftmax())) {
            record SmEdge(String name, Shape s, Dist dist) {
            }
            for (SmEdge e : List.of(new SmEdge("logits up to 1e4", Shape.of(3, 10), Dist.uniform(-1e4, 1e4)),
                    new SmEdge("one class", Shape.of(4, 1), symmetric()),
                    new SmEdge("4-D, over channels", Shape.of(2, 5, 3, 4), Dist.uniform(-3, 3)),
                    new SmEdge("equal logits", Shape.of(2, 6), Dist.constant(3)))) {
                db.edge("Softmax.Forward", e.name() + ": " + sm + " x" + e.s(), softmaxForward(sm, e.s(), e.dist()));
                db.edge("Softmax.Backward", e.name() + ": " + sm + " x" + e.s(), softmaxBackward(sm, e.s(), e.dist()));
            }
        }
        db.error("Softmax.Forward", "x of rank 1", "'x' must have rank at least 2", ctx -> new Softmax.Forward(
                Softmax.softmax(), ctx.input("x", Shape.of(5), symmetric()), ctx.output("y", Shape.of(5))));
        db.error("Softmax.Forward", "y of the wrong shape", "'y'", ctx -> new Softmax.Forward(Softmax.logSoftmax(),
                ctx.input("x", Shape.of(2, 5), symmetric()), ctx.output("y", Shape.of(5, 2))));
        db.error("Softmax.Backward", "dy of the wrong shape", "'dy'", ctx -> new Softmax.Backward(Softmax.softmax(),
                ctx.input("y", Shape.of(2, 5), symmetric()), ctx.input("dy", Shape.of(2, 4), symmetric()),
                ctx.output("dx", Shape.of(2, 5))));
    }

    /**
     * Softmax and log-softmax over the channels of [N, C, H, W] ({@code F.softmax(x, dim=1)}): edges where the
     * channel axis is not the fastest one (one pixel, one channel, wide images); the Softmax generator draws rank 4
     * often.
     */
    static void softmaxOverChannels(Db db) {
        for (Softmax sm : List.of(Softmax.softmax(), Softmax.logSoftmax())) {
            for (Shape s : List.of(Shape.of(3, 7, 1, 1), Shape.of(2, 1, 3, 5), Shape.of(1, 10, 2, 33))) {
                db.edge("Softmax.Forward", "over channels: " + sm + " x" + s, softmaxForward(sm, s,
                        Dist.uniform(-20, 20)));
                db.edge("Softmax.Backward", "over channels: " + sm + " x" + s, softmaxBackward(sm, s,
                        Dist.uniform(-20, 20)));
            }
        }
    }

    static void dropout(Db db) {
        db.family(new Generator("Dropout", List.of("Dropout.Forward", "Dropout.Backward"), 1, d -> {
            Dropout p = new Dropout(d.pick(0.1, 0.25, 0.5, 0.8, 0, 0.999, 1), d.nextLong() >>> 16);
            Shape s = d.shape(1, 4);
            return new FamilySample("x" + s + " " + p).call("Dropout.Forward", ctx -> new Dropout.Forward(p,
                    ctx.input("x", s, symmetric()), ctx.output("y", s))).call("Dropout.Backward",
                    ctx -> new Dropout.Backward(p, ctx.input("dy", s, symmetric()), ctx.output("dx", s)));
        }));
        Shape s = Shape.of(3, 5, 7);
        for (double p : new double[] {0, 1, 0.5}) {
            Dropout dr = new Dropout(p, 42);
            db.edge("Dropout.Forward", "x" + s + " " + dr, ctx -> new Dropout.Forward(dr, ctx.input("x", s,
                    symmetric()), ctx.output("y", s)));
            db.edge("Dropout.Backward", "dy" + s + " " + dr, ctx -> new Dropout.Backward(dr, ctx.input("dy", s,
                    symmetric()), ctx.output("dx", s)));
        }
        db.error("Dropout.Forward", "p = 1.5", "p must be in", ctx -> new Dropout.Forward(new Dropout(1.5, 1),
                ctx.input("x", s, symmetric()), ctx.output("y", s)));
        db.error("Dropout.Forward", "y of the wrong shape", "'y'", ctx -> new Dropout.Forward(new Dropout(0.5, 1),
                ctx.input("x", s, symmetric()), ctx.output("y", Shape.of(105))));
        db.error("Dropout.Backward", "dx of the wrong shape", "'dx'", ctx -> new Dropout.Backward(new Dropout(0.5, 1),
                ctx.input("dy", s, symmetric()), ctx.output("dx", Shape.of(3, 7, 5))));
    }

    // ---- Linear, Gemm ---------------------------------------------------------------------------------------

    static OpCase.Builder linearForward(int n, int in, int out, boolean bias) {
        return ctx -> new Linear.Forward(ctx.input("x", Shape.of(n, in), symmetric()),
                ctx.input("weight", Shape.of(out, in), symmetric()),
                bias ? ctx.input("bias", Shape.of(out), symmetric()) : null, ctx.output("y", Shape.of(n, out)));
    }

    static OpCase.Builder linearBackwardData(int n, int in, int out) {
        return ctx -> new Linear.BackwardData(ctx.input("dy", Shape.of(n, out), symmetric()),
                ctx.input("weight", Shape.of(out, in), symmetric()), ctx.output("dx", Shape.of(n, in)));
    }

    static OpCase.Builder linearBackwardWeights(int n, int in, int out, boolean bias) {
        return ctx -> new Linear.BackwardWeights(ctx.input("x", Shape.of(n, in), symmetric()),
                ctx.input("dy", Shape.of(n, out), symmetric()), ctx.output("dWeight", Shape.of(out, in)),
                bias ? ctx.output("dBias", Shape.of(out)) : null);
    }

    static String linear(int n, int in, int out, boolean bias) {
        return "N=" + n + " in=" + in + " out=" + out + (bias ? " bias" : " no bias");
    }

    static void linear(Db db) {
        db.family(new Generator("Linear", List.of("Linear.Forward", "Linear.BackwardData",
                "Linear.BackwardWeights"), 1, d -> {
                    int n = d.between(1, d.sweep().maxBatch() + 3);
                    int in = d.between(1, d.sweep().maxFeatures());
                    int out = d.between(1, d.sweep().maxFeatures());
                    boolean bias = d.chance(0.6);
                    return new FamilySample(linear(n, in, out, bias)).call("Linear.Forward",
                            linearForward(n, in, out, bias)).call("Linear.BackwardData",
                            linearBackwardData(n, in, out)).call("Linear.BackwardWeights",
                            linearBackwardWeights(n, in, out, bias));
                }));
        int[][] layers = {{4, 400, 120}, {4, 120, 84}, {4, 84, 10}, {1, 1, 1}, {1, 9216, 3}};
        String[] names = {"LeNet-5 F5", "LeNet-5 F6", "LeNet-5 output", "1 x 1", "AlexNet fc6 fan-in, 3 outputs"};
        for (int i = 0; i < layers.length; i++) {
            int[] l = layers[i];
            String p = names[i] + ": " + linear(l[0], l[1], l[2], true);
            db.edge("Linear.Forward", p, linearForward(l[0], l[1], l[2], true));
            db.edge("Linear.BackwardData", p, linearBackwardData(l[0], l[1], l[2]));
            db.edge("Linear.BackwardWeights", p, linearBackwardWeights(l[0], l[1], l[2], true));
        }
        db.error("Linear.Forward", "features differ", "weight [3, 4] expects 4", ctx -> new Linear.Forward(
                ctx.input("x", Shape.of(2, 5), symmetric()), ctx.input("weight", Shape.of(3, 4), symmetric()), null,
                ctx.output("y", Shape.of(2, 3))));
        db.error("Linear.Forward", "x of rank 3", "x must be [N, IN]", ctx -> new Linear.Forward(
                ctx.input("x", Shape.of(2, 2, 2), symmetric()), ctx.input("weight", Shape.of(3, 4), symmetric()), null,
                ctx.output("y", Shape.of(2, 3))));
        db.error("Linear.Forward", "bias of the wrong length", "'bias'", ctx -> new Linear.Forward(
                ctx.input("x", Shape.of(2, 4), symmetric()), ctx.input("weight", Shape.of(3, 4), symmetric()),
                ctx.input("bias", Shape.of(4), symmetric()), ctx.output("y", Shape.of(2, 3))));
        db.error("Linear.Forward", "y of the wrong shape", "'y'", ctx -> new Linear.Forward(
                ctx.input("x", Shape.of(2, 4), symmetric()), ctx.input("weight", Shape.of(3, 4), symmetric()), null,
                ctx.output("y", Shape.of(3, 2))));
        db.error("Linear.BackwardData", "dy of the wrong shape", "'dy'", ctx -> new Linear.BackwardData(
                ctx.input("dy", Shape.of(2, 4), symmetric()), ctx.input("weight", Shape.of(3, 4), symmetric()),
                ctx.output("dx", Shape.of(2, 4))));
        db.error("Linear.BackwardWeights", "dBias of the wrong length", "'dBias'", ctx -> new Linear.BackwardWeights(
                ctx.input("x", Shape.of(2, 4), symmetric()), ctx.input("dy", Shape.of(2, 3), symmetric()),
                ctx.output("dWeight", Shape.of(3, 4)), ctx.output("dBias", Shape.of(2))));
    }

    static OpCase.Builder gemm(Gemm g, int m, int n, int k) {
        Shape a = g.transA() ? Shape.of(k, m) : Shape.of(m, k);
        Shape b = g.transB() ? Shape.of(n, k) : Shape.of(k, n);
        Shape c = Shape.of(m, n);
        // With beta = 0 the old c must not be read: it stays a NaN-poisoned output.
        return ctx -> new Gemm.Run(g, ctx.input("a", a, symmetric()), ctx.input("b", b, symmetric()),
                g.beta() == 0 ? ctx.output("c", c) : ctx.inOut("c", c, symmetric()));
    }

    static void gemm(Db db) {
        db.family(new Generator("Gemm", List.of("Gemm.Run"), 4, d -> {
            Gemm g = new Gemm(d.chance(0.5), d.chance(0.5), d.pick(1, -0.5, 2.5), d.pick(0, 0, 1, 0.3, -2));
            int m = d.between(1, d.sweep().maxFeatures());
            int n = d.between(1, d.sweep().maxFeatures());
            int k = d.between(1, d.sweep().maxFeatures());
            return new FamilySample(g + " M=" + m + " N=" + n + " K=" + k).call("Gemm.Run", gemm(g, m, n, k));
        }));
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                Gemm g = new Gemm(ta, tb, 1, 0);
                db.edge("Gemm.Run", "LeNet-5 F5 as GEMM: " + g + " M=4 N=120 K=400", gemm(g, 4, 120, 400));
            }
        }
        db.edge("Gemm.Run", "1 x 1 x 1", gemm(Gemm.plain(), 1, 1, 1));
        db.edge("Gemm.Run", "long inner product K=4099", gemm(new Gemm(true, false, 1, 0), 1, 1, 4099));
        db.edge("Gemm.Run", "alpha=0 beta=1 leaves c", gemm(new Gemm(false, false, 0, 1), 3, 5, 7));
        db.edge("Gemm.Run", "alpha=0 beta=0 zeroes c", gemm(new Gemm(false, false, 0, 0), 3, 5, 7));
        db.error("Gemm.Run", "inner dimensions differ", "inner dimensions differ", ctx -> new Gemm.Run(Gemm.plain(),
                ctx.input("a", Shape.of(2, 3), symmetric()), ctx.input("b", Shape.of(4, 2), symmetric()),
                ctx.output("c", Shape.of(2, 2))));
        db.error("Gemm.Run", "a of rank 3", "must both have rank 2", ctx -> new Gemm.Run(Gemm.plain(),
                ctx.input("a", Shape.of(2, 3, 1), symmetric()), ctx.input("b", Shape.of(3, 2), symmetric()),
                ctx.output("c", Shape.of(2, 2))));
        db.error("Gemm.Run", "c of the wrong shape", "'c'", ctx -> new Gemm.Run(new Gemm(true, true, 1, 0),
                ctx.input("a", Shape.of(3, 2), symmetric()), ctx.input("b", Shape.of(4, 3), symmetric()),
                ctx.output("c", Shape.of(4, 2))));
        db.error("Gemm.Run", "alpha NaN", "alpha", ctx -> new Gemm.Run(new Gemm(false, false, Double.NaN, 0),
                ctx.input("a", Shape.of(2, 3), symmetric()), ctx.input("b", Shape.of(3, 2), symmetric()),
                ctx.output("c", Shape.of(2, 2))));
    }

    // ---- Loss, L2Penalty ------------------------------------------------------------------------------------

    /** Builds input and target for {@code loss}; MAE's input differs from its target by at least 1e-3. */
    static OpCase.Builder lossCase(Loss loss, Shape s, Dist input, Dist target, boolean backward) {
        return ctx -> {
            var t = ctx.input("target", s, target);
            double[] in = ctx.draw("input", s, input);
            if (loss.kind() == Loss.Kind.MAE && input != TIES) {
                double[] tv = t.toDoubleArray();
                for (int i = 0; i < in.length; i++) {
                    in[i] = tv[i] + Math.copySign(1e-3 + Math.abs(in[i]), in[i]);
                }
            } else if (input == TIES) {
                in = t.toDoubleArray();
            }
            var x = ctx.input("input", s, in);
            return backward ? new Loss.Backward(loss, x, t, ctx.output("dInput", s))
                    : new Loss.Forward(loss, x, t, ctx.output("loss", Shape.scalar()));
        };
    }

    /** Marks MAE's edge case where input equals target (gradient sign(0) = 0). */
    static final Dist TIES = Dist.constant(0);

    /** Both calls of a loss with the input and target of {@link #lossCase(Loss, Shape, Dist, Dist, boolean)}. */
    static FamilySample lossSample(String params, Loss l, Shape s, Dist input, Dist target) {
        return new FamilySample(params).call("Loss.Forward", lossCase(l, s, input, target, false))
                .call("Loss.Backward", lossCase(l, s, input, target, true));
    }

    /** Both calls of a loss as {@link #lossCase(Loss, Shape, Dist, Shape, Dist, Dist, boolean)} builds them. */
    static FamilySample lossSample(String params, Loss fn, Shape s, Dist input, Shape targetShape, Dist target,
            Dist weight) {
        return new FamilySample(params).call("Loss.Forward", lossCase(fn, s, input, targetShape, target, weight,
                false)).call("Loss.Backward", lossCase(fn, s, input, targetShape, target, weight, true));
    }

    static FamilySample drawLoss(Draw d, Loss.Kind kind) {
        Sweep sw = d.sweep();
        return switch (kind) {
            case SOFTMAX_CROSS_ENTROPY -> {
                Shape s = Shape.of(d.between(1, sw.maxBatch() + 3), d.between(1, sw.maxFeatures()));
                boolean hard = d.chance(0.6);
                Loss l = Loss.softmaxCrossEntropy();
                yield lossSample(l + " input" + s + (hard ? " one-hot" : " soft") + " targets",
                        l, s, Dist.uniform(-4, 4), hard ? Dist.oneHot() : Dist.probabilities());
            }
            case MSE, MAE -> {
                Shape s = d.shape(1, 4);
                Loss l = kind == Loss.Kind.MSE ? Loss.mse() : Loss.mae();
                yield lossSample(l + " input" + s, l, s, symmetric(), symmetric());
            }
            case HINGE -> {
                Shape s = Shape.of(d.between(1, sw.maxBatch() + 3), d.between(2, sw.maxFeatures()));
                Loss l = Loss.hinge(d.pick(1, 0.5, 2));
                yield lossSample(l + " input" + s, l, s, Dist.uniform(-2, 2), Dist.oneHot());
            }
            case BCE_WITH_LOGITS, SIGMOID_FOCAL, SMOOTH_L1 -> {
                Shape s = d.shape(1, 4);
                Loss l = switch (kind) {
                    case BCE_WITH_LOGITS -> Loss.bceWithLogits();
                    case SIGMOID_FOCAL -> Loss.sigmoidFocal(d.pick(0.25, -1, 0.75), d.pick(0, 0.5, 2, 3));
                    default -> Loss.smoothL1(d.pick(0, 0.5, 1, 2));
                };
                l = drawReduction(d, l);
                boolean weighted = d.chance(0.5);
                boolean l1 = kind == Loss.Kind.SMOOTH_L1;
                boolean hard = d.chance(0.5);
                Dist target = l1 ? symmetric() : hard ? Dist.integers(0, 1) : Dist.uniform(0, 1);
                yield lossSample(l + " input" + s + (l1 ? "" : hard ? " 0/1 targets" : " soft targets")
                        + (weighted ? " weighted" : ""), l, s, Dist.uniform(l1 ? -2 : -6, l1 ? 2 : 6), s,
                        target, weighted ? Dist.uniform(0, 2).sprinkled(0, 0.3) : null);
            }
        };
    }

    /** MEAN, SUM (over a drawn divisor) or NONE. */
    static Loss drawReduction(Draw d, Loss l) {
        return switch (d.between(0, 2)) {
            case 0 -> l;
            case 1 -> l.sumOver(d.pick(1, 3, 0.5));
            default -> l.withReduction(Loss.Reduction.NONE);
        };
    }

    /**
     * Input, target (of {@code targetShape}), optional weight, and for reduction NONE's backward the upstream
     * gradient dLoss; the loss of {@code fn.outputShape(s)}.
     */
    static OpCase.Builder lossCase(Loss fn, Shape s, Dist input, Shape targetShape, Dist target, Dist weight,
            boolean backward) {
        return ctx -> {
            var x = ctx.input("input", s, input);
            var t = ctx.input("target", targetShape, target);
            var w = weight == null ? null : ctx.input("weight", s, weight);
            Shape out = fn.outputShape(s);
            if (!backward) {
                return new Loss.Forward(fn, x, t, w, ctx.output("loss", out));
            }
            var up = fn.reduction() == Loss.Reduction.NONE ? ctx.input("dLoss", out, symmetric()) : null;
            return new Loss.Backward(fn, x, t, w, up, ctx.output("dInput", s));
        };
    }

    /** Class indices in [0, classes) with a share {@code ignored} of {@code ignoreIndex}. */
    static Dist classIndices(int classes, int ignoreIndex, double ignored) {
        return Dist.integers(0, classes - 1).sprinkled(ignoreIndex, ignored);
    }

    /** Probability vectors over axis 1 of [N, C, d1, ...] (one-hot when {@code hard}). */
    static Dist channelProbabilities(boolean hard) {
        return (out, shape, r) -> {
            int c = shape.dim(1);
            int inner = shape.strideOf(1);
            java.util.Arrays.fill(out, 0);
            for (int n = 0; n < shape.dim(0); n++) {
                for (int p = 0; p < inner; p++) {
                    int base = n * c * inner + p;
                    if (hard) {
                        out[base + r.nextInt(c) * inner] = 1;
                        continue;
                    }
                    double sum = 0;
                    for (int j = 0; j < c; j++) {
                        out[base + j * inner] = 0.05 + r.nextDouble();
                        sum += out[base + j * inner];
                    }
                    for (int j = 0; j < c; j++) {
                        out[base + j * inner] /= sum;
                    }
                }
            }
        };
    }

    /** The reductions SUM and NONE of the mean losses (MSE, MAE, cross-entropy, hinge). */
    static FamilySample drawReducedLoss(Draw d) {
        Sweep sw = d.sweep();
        Loss.Kind kind = List.of(Loss.Kind.SOFTMAX_CROSS_ENTROPY, Loss.Kind.MSE, Loss.Kind.MAE, Loss.Kind.HINGE)
                .get(d.between(0, 3));
        Shape rows = Shape.of(d.between(1, sw.maxBatch() + 3), d.between(2, sw.maxFeatures()));
        Loss l = new Loss(kind, kind == Loss.Kind.HINGE ? d.pick(1, 0.5, 2) : 0);
        l = d.chance(0.5) ? l.withReduction(Loss.Reduction.NONE) : l.sumOver(d.pick(1, 4));
        return switch (kind) {
            case SOFTMAX_CROSS_ENTROPY -> lossSample(l + " input" + rows, l, rows, Dist.uniform(-4, 4),
                    rows, Dist.probabilities(), null);
            case HINGE -> lossSample(l + " input" + rows, l, rows, Dist.uniform(-2, 2), rows,
                    Dist.oneHot(), null);
            default -> {
                Shape s = d.shape(1, 4);
                // MAE away from its kink: the reference and a float backend may disagree on sign(0)
                Dist in = kind == Loss.Kind.MAE ? Dist.awayFromZero(1.01, 2) : symmetric();
                yield lossSample(l + " input" + s, l, s, in, s, Dist.uniform(-0.99, 0.99), null);
            }
        };
    }

    /** Cross-entropy with class-index targets, [N, C] or per pixel [N, C, H, W], any reduction. */
    static FamilySample drawClassIndexLoss(Draw d) {
        Sweep sw = d.sweep();
        boolean pixels = d.chance(0.5);
        int n = d.between(1, sw.maxBatch() + (pixels ? 0 : 3));
        int c = d.between(1, pixels ? sw.maxChannels() : sw.maxFeatures());
        Shape s = pixels ? Shape.of(n, c, d.between(1, 6), d.between(1, 6)) : Shape.of(n, c);
        int ignore = d.chance(0.5) ? Loss.IGNORE_INDEX : 0;
        Loss l = drawReduction(d, Loss.softmaxCrossEntropy().withIgnoreIndex(ignore));
        Shape ts = l.outputShape(s).rank() == 0 ? withoutAxis1(s) : l.outputShape(s);
        return lossSample(l + " input" + s + " class indices", l, s, Dist.uniform(-4, 4), ts,
                classIndices(c, ignore, 0.2), null);
    }

    /** Cross-entropy over axis 1 of [N, C, H, W] with probability targets, any reduction. */
    static FamilySample drawPixelLoss(Draw d) {
        Sweep sw = d.sweep();
        Shape s = Shape.of(d.between(1, sw.maxBatch()), d.between(1, sw.maxChannels()), d.between(1, 6),
                d.between(1, 6));
        boolean hard = d.chance(0.5);
        Loss l = drawReduction(d, Loss.softmaxCrossEntropy());
        return lossSample(l + " input" + s + (hard ? " one-hot" : " soft") + " targets over axis 1",
                l, s, Dist.uniform(-4, 4), s, channelProbabilities(hard), null);
    }

    static Shape withoutAxis1(Shape s) {
        int[] dims = new int[s.rank() - 1];
        dims[0] = s.dim(0);
        for (int i = 2; i < s.rank(); i++) {
            dims[i - 1] = s.dim(i);
        }
        return Shape.of(dims);
    }

    static void loss(Db db) {
        // every kind with its own targets, and the extensions: reductions and weights, class indices, per-pixel
        // targets over axis 1
        Loss.Kind[] kinds = Loss.Kind.values();
        db.family(new Generator("Loss", List.of("Loss.Forward", "Loss.Backward"), kinds.length + 3, d -> {
            int variant = d.between(0, kinds.length + 2);
            if (variant < kinds.length) {
                return drawLoss(d, kinds[variant]);
            }
            return switch (variant - kinds.length) {
                case 0 -> drawReducedLoss(d);
                case 1 -> drawClassIndexLoss(d);
                default -> drawPixelLoss(d);
            };
        }));
        record LossEdge(String name, Loss loss, Shape s, Dist input, Dist target) {
        }
        for (LossEdge e : List.of(
                new LossEdge("logits up to 1e4", Loss.softmaxCrossEntropy(), Shape.of(4, 10), Dist.uniform(-1e4, 1e4),
                        Dist.oneHot()),
                new LossEdge("one class", Loss.softmaxCrossEntropy(), Shape.of(3, 1), symmetric(), Dist.oneHot()),
                new LossEdge("batch 1, LeNet-5 output", Loss.softmaxCrossEntropy(), Shape.of(1, 10), symmetric(),
                        Dist.oneHot()),
                new LossEdge("two classes", Loss.hinge(1), Shape.of(5, 2), symmetric(), Dist.oneHot()),
                new LossEdge("input equals target, sign(0) = 0", Loss.mae(), Shape.of(4, 5), TIES, symmetric()),
                new LossEdge("scalar input", Loss.mse(), Shape.scalar(), symmetric(), symmetric()))) {
            String p = e.name() + ": " + e.loss() + " input" + e.s();
            db.edge("Loss.Forward", p, lossCase(e.loss(), e.s(), e.input(), e.target(), false));
            db.edge("Loss.Backward", p, lossCase(e.loss(), e.s(), e.input(), e.target(), true));
        }
        db.error("Loss.Forward", "target of the wrong shape", "'target'", ctx -> new Loss.Forward(Loss.mse(),
                ctx.input("input", Shape.of(2, 3), symmetric()), ctx.input("target", Shape.of(3, 2), symmetric()),
                ctx.output("loss", Shape.scalar())));
        db.error("Loss.Forward", "cross-entropy of rank 1", "needs input [N, C]", ctx -> new Loss.Forward(
                Loss.softmaxCrossEntropy(), ctx.input("input", Shape.of(3), symmetric()),
                ctx.input("target", Shape.of(3), Dist.oneHot()), ctx.output("loss", Shape.scalar())));
        db.error("Loss.Forward", "hinge of rank 3", "needs input [N, C]", ctx -> new Loss.Forward(
                Loss.hinge(1), ctx.input("input", Shape.of(2, 3, 4), symmetric()),
                ctx.input("target", Shape.of(2, 3, 4), Dist.oneHot()), ctx.output("loss", Shape.scalar())));
        db.error("Loss.Forward", "loss not a scalar", "'loss'", ctx -> new Loss.Forward(Loss.mae(),
                ctx.input("input", Shape.of(2, 3), symmetric()), ctx.input("target", Shape.of(2, 3), symmetric()),
                ctx.output("loss", Shape.of(1))));
        db.error("Loss.Backward", "dInput of the wrong shape", "'dInput'", ctx -> new Loss.Backward(
                Loss.hinge(1), ctx.input("input", Shape.of(2, 3), symmetric()),
                ctx.input("target", Shape.of(2, 3), Dist.oneHot()), ctx.output("dInput", Shape.of(2, 4))));
        lossExtensions(db);
    }

    /** Reductions, weights, class indices, per-pixel cross-entropy and the detection losses. */
    static void lossExtensions(Db db) {
        Loss none = Loss.softmaxCrossEntropy().withReduction(Loss.Reduction.NONE);
        Shape rows = Shape.of(4, 10);
        Shape pixels = Shape.of(2, 5, 3, 4);
        Shape anchors = Shape.of(3, 9, 4);
        Dist binary = Dist.integers(0, 1);
        Dist huge = Dist.uniform(-1e4, 1e4);
        Dist mask = Dist.constant(1).sprinkled(0, 0.6);
        record Edge(String name, Loss loss, Shape s, Dist input, Shape ts, Dist target, Dist weight) {
        }
        for (Edge e : List.of(
                new Edge("focal logits up to 1e4", Loss.sigmoidFocal(0.25, 2), rows, huge, rows, binary, null),
                new Edge("focal logits up to 1e4, gamma 0.5", Loss.sigmoidFocal(0.25, 0.5), rows, huge, rows,
                        binary, null),
                new Edge("focal logits up to 1e4, soft targets", Loss.sigmoidFocal(-1, 2), rows, huge, rows,
                        Dist.uniform(0, 1), null),
                new Edge("BCE logits up to 1e4", Loss.bceWithLogits(), rows, huge, rows, binary, null),
                new Edge("focal gamma 0, no alpha: BCE", Loss.sigmoidFocal(-1, 0), rows, Dist.uniform(-6, 6), rows,
                        binary, null),
                new Edge("smooth L1 beta 0: L1", Loss.smoothL1(0), rows, Dist.awayFromZero(1.01, 2), rows,
                        Dist.uniform(-0.99, 0.99), null),
                new Edge("focal over anchors, mask, sum / positives", Loss.sigmoidFocal(0.25, 2).sumOver(7),
                        anchors, Dist.uniform(-8, 8), anchors, binary, mask),
                new Edge("smooth L1 box regression, mask, sum / positives", Loss.smoothL1(1.0 / 9).sumOver(7),
                        anchors, Dist.uniform(-1, 1), anchors, symmetric(), mask),
                new Edge("BCE, every element masked out", Loss.bceWithLogits(), rows, symmetric(), rows, binary,
                        Dist.constant(0)),
                new Edge("class indices, logits up to 1e4", Loss.softmaxCrossEntropy(), rows, huge, Shape.of(4),
                        classIndices(10, Loss.IGNORE_INDEX, 0), null),
                new Edge("class indices, per pixel, logits up to 1e4", Loss.softmaxCrossEntropy(), pixels, huge,
                        Shape.of(2, 3, 4), classIndices(5, Loss.IGNORE_INDEX, 0.3), null),
                new Edge("every target ignored: mean NaN, gradient 0", Loss.softmaxCrossEntropy(), rows,
                        symmetric(), Shape.of(4), Dist.constant(Loss.IGNORE_INDEX), null),
                new Edge("every target ignored, sum 0", Loss.softmaxCrossEntropy().sumOver(1), rows, symmetric(),
                        Shape.of(4), Dist.constant(Loss.IGNORE_INDEX), null),
                new Edge("ignore index 3", none.withIgnoreIndex(3), rows, symmetric(), Shape.of(4),
                        Dist.integers(2, 4), null),
                new Edge("invalid class indices give NaN rows", none, rows, symmetric(), Shape.of(4),
                        (out, shape, r) -> System.arraycopy(new double[] {1, 2.5, 10, -1}, 0, out, 0, 4), null),
                new Edge("invalid class indices make the mean NaN", Loss.softmaxCrossEntropy(), rows, symmetric(),
                        Shape.of(4), (out, shape, r) -> System.arraycopy(new double[] {1, 0, -3, 9}, 0, out, 0, 4),
                        null),
                new Edge("per-pixel probabilities, logits up to 1e4", Loss.softmaxCrossEntropy(), pixels, huge,
                        pixels, channelProbabilities(false), null),
                new Edge("hinge per row", Loss.hinge(1).withReduction(Loss.Reduction.NONE), Shape.of(5, 3),
                        symmetric(), Shape.of(5, 3), Dist.oneHot(), null))) {
            String p = e.name() + ": " + e.loss() + " input" + e.s();
            db.edge("Loss.Forward", p, lossCase(e.loss(), e.s(), e.input(), e.ts(), e.target(), e.weight(), false));
            db.edge("Loss.Backward", p, lossCase(e.loss(), e.s(), e.input(), e.ts(), e.target(), e.weight(),
                    true));
        }
        Shape s23 = Shape.of(2, 3);
        db.error("Loss.Forward", "NONE into a scalar", "'loss' has shape [] but must be [2, 3]",
                ctx -> new Loss.Forward(Loss.bceWithLogits().withReduction(Loss.Reduction.NONE),
                        ctx.input("input", s23, symmetric()), ctx.input("target", s23, symmetric()),
                        ctx.output("loss", Shape.scalar())));
        db.error("Loss.Forward", "weight of the wrong shape", "'weight'", ctx -> new Loss.Forward(
                Loss.smoothL1(1), ctx.input("input", s23, symmetric()), ctx.input("target", s23, symmetric()),
                ctx.input("weight", Shape.of(3), symmetric()), ctx.output("loss", Shape.scalar())));
        db.error("Loss.Forward", "weight on cross-entropy", "'weight'", ctx -> new Loss.Forward(
                Loss.softmaxCrossEntropy(), ctx.input("input", s23, symmetric()), ctx.input("target", s23,
                        Dist.oneHot()), ctx.input("weight", s23, symmetric()), ctx.output("loss", Shape.scalar())));
        db.error("Loss.Forward", "class indices of the wrong shape", "class indices", ctx -> new Loss.Forward(
                Loss.softmaxCrossEntropy(), ctx.input("input", Shape.of(2, 3, 4, 4), symmetric()),
                ctx.input("target", Shape.of(2, 4), Dist.constant(0)), ctx.output("loss", Shape.scalar())));
        db.error("Loss.Backward", "dLoss with MEAN", "'dLoss'", ctx -> new Loss.Backward(Loss.mse(),
                ctx.input("input", s23, symmetric()), ctx.input("target", s23, symmetric()), null,
                ctx.input("dLoss", Shape.scalar(), symmetric()), ctx.output("dInput", s23)));
        db.error("Loss.Backward", "NONE without dLoss", "'dLoss'", ctx -> new Loss.Backward(
                Loss.mse().withReduction(Loss.Reduction.NONE), ctx.input("input", s23, symmetric()),
                ctx.input("target", s23, symmetric()), ctx.output("dInput", s23)));
        db.error("Loss.Backward", "dLoss of the wrong shape", "'dLoss'", ctx -> new Loss.Backward(
                none, ctx.input("input", s23, symmetric()), ctx.input("target", Shape.of(2), Dist.constant(0)),
                null, ctx.input("dLoss", s23, symmetric()), ctx.output("dInput", s23)));
        db.error("Loss.Forward", "divisor with MEAN", "divisor", ctx -> new Loss.Forward(
                new Loss(Loss.Kind.MSE, 0, Loss.Reduction.MEAN, 0.25, 2, 1, 4, Loss.IGNORE_INDEX),
                ctx.input("input", s23, symmetric()), ctx.input("target", s23, symmetric()),
                ctx.output("loss", Shape.scalar())));
        db.error("Loss.Forward", "negative gamma", "gamma", ctx -> new Loss.Forward(Loss.sigmoidFocal(0.25, -1),
                ctx.input("input", s23, symmetric()), ctx.input("target", s23, symmetric()),
                ctx.output("loss", Shape.scalar())));
    }

    static void l2Penalty(Db db) {
        db.family(new Generator("L2Penalty", List.of("L2Penalty.Forward", "L2Penalty.Backward"), 1, d -> {
            L2Penalty p = new L2Penalty(d.pick(0, 1e-4, 0.5, 3));
            Shape s = d.shape(1, 4);
            return new FamilySample(p + " weight" + s).call("L2Penalty.Forward", ctx -> new L2Penalty.Forward(p,
                    ctx.input("weight", s, symmetric()), ctx.output("loss", Shape.scalar()))).call(
                    "L2Penalty.Backward", ctx -> new L2Penalty.Backward(p, ctx.input("weight", s, symmetric()),
                    ctx.inOut("dWeight", s, symmetric())));
        }));
        Shape c3 = Shape.of(16, 6, 5, 5);
        L2Penalty p = new L2Penalty(5e-4);
        db.edge("L2Penalty.Forward", "LeNet-5 C3 weight: " + p + " weight" + c3, ctx -> new L2Penalty.Forward(p,
                ctx.input("weight", c3, symmetric()), ctx.output("loss", Shape.scalar())));
        db.edge("L2Penalty.Backward", "LeNet-5 C3 weight: " + p + " weight" + c3, ctx -> new L2Penalty.Backward(p,
                ctx.input("weight", c3, symmetric()), ctx.inOut("dWeight", c3, symmetric())));
        db.error("L2Penalty.Forward", "negative coefficient", "coefficient", ctx -> new L2Penalty.Forward(
                new L2Penalty(-1), ctx.input("weight", Shape.of(3), symmetric()), ctx.output("loss", Shape.scalar())));
        db.error("L2Penalty.Forward", "loss not a scalar", "'loss'", ctx -> new L2Penalty.Forward(p,
                ctx.input("weight", Shape.of(3), symmetric()), ctx.output("loss", Shape.of(3))));
        db.error("L2Penalty.Backward", "dWeight of the wrong shape", "'dWeight'", ctx -> new L2Penalty.Backward(p,
                ctx.input("weight", Shape.of(3), symmetric()), ctx.inOut("dWeight", Shape.of(4), symmetric())));
    }

    // ---- Optimizers -----------------------------------------------------------------------------------------

    /** Gradients away from zero, so that AdaGrad, RMSProp and Adam do not divide by a tiny root. */
    static final Dist GRAD = Dist.awayFromZero(1e-2, 1);
    static final Dist STATE = Dist.uniform(1e-3, 0.5);

    static OpCase.Builder sgd(Sgd o, Shape s) {
        return ctx -> new Sgd.Step(o, ctx.inOut("param", s, symmetric()), ctx.input("grad", s, GRAD),
                o.momentum() != 0 ? ctx.inOut("momentumBuffer", s, symmetric()) : null);
    }

    static OpCase.Builder adagrad(Adagrad o, Shape s, Dist state) {
        return ctx -> new Adagrad.Step(o, ctx.inOut("param", s, symmetric()), ctx.input("grad", s, GRAD),
                ctx.inOut("stateSum", s, state));
    }

    static OpCase.Builder rmsProp(RmsProp o, Shape s, Dist state) {
        return ctx -> new RmsProp.Step(o, ctx.inOut("param", s, symmetric()), ctx.input("grad", s, GRAD),
                ctx.inOut("squareAvg", s, state));
    }

    static OpCase.Builder adam(Adam o, Shape s, Dist m, Dist v) {
        return ctx -> new Adam.Step(o, ctx.inOut("param", s, symmetric()), ctx.input("grad", s, GRAD),
                ctx.inOut("expAvg", s, m), ctx.inOut("expAvgSq", s, v));
    }

    static void optimizers(Db db) {
        // each rule's single step on one parameter, its multi-tensor step on a list of 1 to 20
        db.family(new Generator("Sgd", List.of("Sgd.Step", "Sgd.Steps"), 1, d -> {
            double momentum = d.pick(0, 0.9, 0.5);
            Sgd o = new Sgd(d.pick(0.1, 0.01, 1), momentum, d.pick(0, 1e-4, 0.01), momentum > 0 && d.chance(0.5));
            Shape s = d.shape(1, 4);
            List<Shape> list = drawShapes(d);
            return new FamilySample(o + " param" + s + " params" + list).call("Sgd.Step", sgd(o, s))
                    .call("Sgd.Steps", sgdSteps(o, list));
        }));
        // without lr_decay, or with it at a drawn step
        db.family(new Generator("Adagrad", List.of("Adagrad.Step", "Adagrad.Steps"), 2, d -> {
            boolean decay = d.chance(0.5);
            Adagrad o = decay ? new Adagrad(d.pick(0.01, 0.1), d.pick(1e-10, 1e-6), d.pick(0, 0.01),
                    d.pick(0.01, 0.5, 3), d.between(1, 40)) : new Adagrad(d.pick(0.01, 0.1), d.pick(1e-10, 1e-6),
                    d.pick(0, 0.01));
            Shape s = d.shape(1, 4);
            List<Shape> list = drawShapes(d);
            return new FamilySample(o + " param" + s + " params" + list).call("Adagrad.Step", adagrad(o, s, STATE))
                    .call("Adagrad.Steps", adagradSteps(o, list, STATE));
        }));
        db.family(new Generator("RmsProp", List.of("RmsProp.Step", "RmsProp.Steps"), 1, d -> {
            RmsProp o = new RmsProp(d.pick(0.01, 0.001), d.pick(0.99, 0.9, 0), 1e-8, d.pick(0, 0.01));
            Shape s = d.shape(1, 4);
            List<Shape> list = drawShapes(d);
            return new FamilySample(o + " param" + s + " params" + list).call("RmsProp.Step", rmsProp(o, s, STATE))
                    .call("RmsProp.Steps", rmsPropSteps(o, list, STATE));
        }));
        db.family(new Generator("Adam", List.of("Adam.Step", "Adam.Steps"), 1, d -> {
            boolean defaults = d.chance(0.5);
            // early steps mostly; late ones (bias corrections near 1) sometimes
            Adam o = new Adam(d.pick(1e-3, 0.01, 0.1), defaults ? 0.9 : 0.8, defaults ? 0.999 : 0.95, 1e-8,
                    d.pick(0, 0.01), d.chance(0.3) ? d.between(13, 100_000) : d.between(1, 12));
            Shape s = d.shape(1, 4);
            List<Shape> list = drawShapes(d);
            Dist m = Dist.uniform(-0.1, 0.1);
            Dist v = Dist.uniform(1e-4, 0.1);
            return new FamilySample(o + " param" + s + " params" + list).call("Adam.Step", adam(o, s, m, v))
                    .call("Adam.Steps", adamSteps(o, list, m, v));
        }));
        Shape s = Shape.of(6, 1, 5, 5);
        db.edge("Sgd.Step", "plain: param" + s, sgd(Sgd.plain(0.1), s));
        db.edge("Sgd.Step", "nesterov with weight decay: param" + s, sgd(new Sgd(0.05, 0.9, 5e-4, true), s));
        db.edge("Adagrad.Step", "first step, zero state: param" + s, adagrad(new Adagrad(0.01, 1e-10, 0), s,
                Dist.constant(0)));
        db.edge("RmsProp.Step", "first step, zero state: param" + s, rmsProp(new RmsProp(0.01, 0.99, 1e-8, 0), s,
                Dist.constant(0)));
        db.edge("Adam.Step", "step 1, zero state: param" + s, adam(Adam.defaults(1e-3, 1), s, Dist.constant(0),
                Dist.constant(0)));
        db.edge("Adam.Step", "step 10000: param" + s, adam(Adam.defaults(1e-3, 10_000), s,
                Dist.uniform(-0.1, 0.1), Dist.uniform(1e-4, 0.1)));
        // found by OpProperties: lr 0.1 late in training, v needs 1 - beta2 to full float precision (the GPU
        // kernels lost it)
        Shape late = Shape.of(2, 4, 5, 7);
        db.edge("Adam.Step", "lr 0.1, beta1 0.5, step 569: param" + late, adam(new Adam(0.1, 0.5, 0.999, 1e-8, 0,
                569), late, Dist.uniform(-0.1, 0.1), STATE));
        Shape t = Shape.of(3, 4);
        db.error("Sgd.Step", "momentum without a buffer", "'momentumBuffer' is required", ctx -> new Sgd.Step(
                new Sgd(0.1, 0.9, 0, false), ctx.inOut("param", t, symmetric()), ctx.input("grad", t, GRAD), null));
        db.error("Sgd.Step", "nesterov without momentum", "nesterov", ctx -> new Sgd.Step(new Sgd(0.1, 0, 0, true),
                ctx.inOut("param", t, symmetric()), ctx.input("grad", t, GRAD), null));
        db.error("Sgd.Step", "grad of the wrong shape", "'grad'", ctx -> new Sgd.Step(Sgd.plain(0.1),
                ctx.inOut("param", t, symmetric()), ctx.input("grad", Shape.of(4, 3), GRAD), null));
        db.error("Adagrad.Step", "stateSum float64", "'stateSum' is float64", ctx -> new Adagrad.Step(
                new Adagrad(0.01, 1e-10, 0), ctx.inOut("param", t, symmetric()), ctx.input("grad", t, GRAD),
                ctx.input("stateSum", t, DType.FLOAT64, STATE)));
        db.error("RmsProp.Step", "alpha = 1", "alpha", ctx -> new RmsProp.Step(new RmsProp(0.01, 1, 1e-8, 0),
                ctx.inOut("param", t, symmetric()), ctx.input("grad", t, GRAD), ctx.inOut("squareAvg", t, STATE)));
        db.error("Adam.Step", "step 0", "step", ctx -> new Adam.Step(Adam.defaults(1e-3, 0),
                ctx.inOut("param", t, symmetric()), ctx.input("grad", t, GRAD), ctx.inOut("expAvg", t, symmetric()),
                ctx.inOut("expAvgSq", t, STATE)));
        db.error("Adam.Step", "expAvgSq of the wrong shape", "'expAvgSq'", ctx -> new Adam.Step(
                Adam.defaults(1e-3, 1), ctx.inOut("param", t, symmetric()), ctx.input("grad", t, GRAD),
                ctx.inOut("expAvg", t, symmetric()), ctx.inOut("expAvgSq", Shape.of(12), STATE)));
        adagradLrDecay(db);
    }

    /**
     * AdaGrad with {@code lr_decay} (step t at {@code lr / (1 + (t - 1) * lrDecay)}; the Adagrad generator draws it
     * at a drawn step): an edge that runs several steps on the backend under test before the compared one, so the state the earlier
     * steps leave is part of the comparison.
     */
    static void adagradLrDecay(Db db) {
        Shape s = Shape.of(6, 1, 5, 5);
        for (int steps : new int[] {2, 5}) {
            db.edge("Adagrad.Step", "lr_decay 0.1, weight decay 0.01, step " + steps + " after " + (steps - 1)
                    + " steps from zero state: param" + s, ctx -> {
                        Tensor param = ctx.inOut("param", s, symmetric());
                        Tensor sum = ctx.inOut("stateSum", s, Dist.constant(0));
                        for (int k = 1; k < steps; k++) {
                            Tensor g = ctx.input("grad" + k, s, GRAD);
                            ctx.backend().execute(new Adagrad.Step(new Adagrad(0.05, 1e-10, 0.01, 0.1, k), param, g,
                                    sum));
                        }
                        return new Adagrad.Step(new Adagrad(0.05, 1e-10, 0.01, 0.1, steps), param,
                                ctx.input("grad", s, GRAD), sum);
                    });
        }
        db.edge("Adagrad.Step", "lr_decay 1e6 at step 1000 (rate near 0): param" + s,
                adagrad(new Adagrad(0.1, 1e-10, 0, 1e6, 1000), s, STATE));
        Shape t = Shape.of(3, 4);
        db.error("Adagrad.Step", "lr_decay -0.1", "lrDecay", ctx -> new Adagrad.Step(
                new Adagrad(0.01, 1e-10, 0, -0.1, 1), ctx.inOut("param", t, symmetric()), ctx.input("grad", t, GRAD),
                ctx.inOut("stateSum", t, STATE)));
        db.error("Adagrad.Step", "step 0", "step must be at least 1", ctx -> new Adagrad.Step(
                new Adagrad(0.01, 1e-10, 0, 0.1, 0), ctx.inOut("param", t, symmetric()), ctx.input("grad", t, GRAD),
                ctx.inOut("stateSum", t, STATE)));
    }

    // ---- Element-wise helpers -------------------------------------------------------------------------------

    static void elementwise(Db db) {
        db.family(Generator.single("Fill.Run", d -> {
            Fill f = new Fill(d.pick(0, 1, -2.5, 1e-3, Math.PI));
            Shape s = d.shape(0, 4);
            return new Sample(f + " y" + s, ctx -> new Fill.Run(f, ctx.output("y", s)));
        }));
        for (double v : new double[] {Double.NaN, Double.NEGATIVE_INFINITY, 1e30}) {
            Fill f = new Fill(v);
            db.edge("Fill.Run", f + " y[3, 5]", ctx -> new Fill.Run(f, ctx.output("y", Shape.of(3, 5))));
        }
        db.error("Fill.Run", "no tensor", "'y' is required", ctx -> new Fill.Run(new Fill(1), null));

        db.family(Generator.single("Copy.Run", d -> {
            Shape s = d.shape(0, 4);
            return new Sample("x" + s, ctx -> new Copy.Run(ctx.input("x", s, symmetric()), ctx.output("y", s)));
        }));
        db.edge("Copy.Run", "NaN and infinities: x[4, 9]", ctx -> new Copy.Run(ctx.input("x", Shape.of(4, 9),
                symmetric().sprinkled(Double.NaN, 0.2).sprinkled(Double.POSITIVE_INFINITY, 0.1)),
                ctx.output("y", Shape.of(4, 9))));
        db.error("Copy.Run", "y of another shape", "'y'", ctx -> new Copy.Run(ctx.input("x", Shape.of(2, 3),
                symmetric()), ctx.output("y", Shape.of(6))));
        db.error("Copy.Run", "y float64", "'y' is float64", ctx -> new Copy.Run(ctx.input("x", Shape.of(2, 3),
                symmetric()), ctx.output("y", Shape.of(2, 3), DType.FLOAT64)));

        db.family(Generator.single("Add.Run", d -> {
            Add a = new Add(d.pick(1, -1, 0.5, 3), d.pick(1, 0, -2.25));
            Shape s = d.shape(1, 4);
            return new Sample(a + " a" + s, ctx -> new Add.Run(a, ctx.input("a", s, symmetric()),
                    ctx.input("b", s, symmetric()), ctx.output("out", s)));
        }));
        db.edge("Add.Run", "alpha=1 beta=-1 of nearly equal values", ctx -> new Add.Run(new Add(1, -1),
                ctx.input("a", Shape.of(50), Dist.constant(1.0 + 1e-6)), ctx.input("b", Shape.of(50),
                        Dist.constant(1)), ctx.output("out", Shape.of(50))));
        db.error("Add.Run", "b of another shape", "'b'", ctx -> new Add.Run(Add.sum(), ctx.input("a", Shape.of(3),
                symmetric()), ctx.input("b", Shape.of(4), symmetric()), ctx.output("out", Shape.of(3))));
        db.error("Add.Run", "beta infinite", "beta", ctx -> new Add.Run(new Add(1, Double.POSITIVE_INFINITY),
                ctx.input("a", Shape.of(3), symmetric()), ctx.input("b", Shape.of(3), symmetric()),
                ctx.output("out", Shape.of(3))));

        db.family(Generator.single("Scale.Run", d -> {
            Scale sc = new Scale(d.pick(0, -1, 0.5, 3e3));
            Shape s = d.shape(1, 4);
            return new Sample(sc + " x" + s, ctx -> new Scale.Run(sc, ctx.input("x", s, symmetric()),
                    ctx.output("out", s)));
        }));
        db.edge("Scale.Run", "alpha=0 of large values", ctx -> new Scale.Run(new Scale(0),
                ctx.input("x", Shape.of(3, 7), Dist.uniform(-1e30, 1e30)), ctx.output("out", Shape.of(3, 7))));
        db.error("Scale.Run", "out of another shape", "'out'", ctx -> new Scale.Run(new Scale(2),
                ctx.input("x", Shape.of(3), symmetric()), ctx.output("out", Shape.of(4))));

        db.family(Generator.single("Axpy.Run", d -> {
            Axpy a = new Axpy(d.pick(1, -0.5, 2));
            Shape s = d.shape(1, 4);
            return new Sample(a + " x" + s, ctx -> new Axpy.Run(a, ctx.input("x", s, symmetric()),
                    ctx.inOut("y", s, symmetric())));
        }));
        db.edge("Axpy.Run", "alpha=-1 cancels x = y", ctx -> new Axpy.Run(new Axpy(-1),
                ctx.input("x", Shape.of(2, 9), Dist.constant(0.1)), ctx.inOut("y", Shape.of(2, 9), Dist.constant(0.1))));
        db.error("Axpy.Run", "y of another shape", "'y'", ctx -> new Axpy.Run(new Axpy(1),
                ctx.input("x", Shape.of(3), symmetric()), ctx.inOut("y", Shape.of(1, 3), symmetric())));
        db.error("Axpy.Run", "y is x (outputs must not alias inputs)", "output 'y'", ctx -> {
            var x = ctx.inOut("y", Shape.of(3), symmetric());
            return new Axpy.Run(new Axpy(1), x, x);
        });

        db.family(Generator.single("SumAxes.Run", d -> {
            Shape s = d.shape(1, 4);
            int[] axes = java.util.stream.IntStream.range(0, s.rank()).filter(i -> d.chance(0.5)).toArray();
            SumAxes sum = SumAxes.of(axes.length == 0 ? new int[] {d.between(0, s.rank() - 1)} : axes);
            return new Sample(sum + " x" + s, ctx -> new SumAxes.Run(sum, ctx.input("x", s, symmetric()),
                    ctx.output("y", sum.outputShape(s))));
        }));
        record SumEdge(String name, SumAxes sum, Shape x) {
        }
        for (SumEdge e : List.of(new SumEdge("bias gradient over N, H, W", SumAxes.of(0, 2, 3), Shape.of(4, 6, 5, 5)),
                new SumEdge("every axis to a scalar", SumAxes.of(0, 1, 2), Shape.of(3, 4, 5)),
                new SumEdge("an axis of size 1", SumAxes.of(1), Shape.of(5, 1, 3)),
                new SumEdge("Linear bias gradient over N", SumAxes.of(0), Shape.of(64, 10)))) {
            db.edge("SumAxes.Run", e.name() + ": " + e.sum() + " x" + e.x(), ctx -> new SumAxes.Run(e.sum(),
                    ctx.input("x", e.x(), symmetric()), ctx.output("y", e.sum().outputShape(e.x()))));
        }
        db.error("SumAxes.Run", "axis out of range", "axis 3 is out of range", ctx -> new SumAxes.Run(SumAxes.of(3),
                ctx.input("x", Shape.of(2, 3, 4), symmetric()), ctx.output("y", Shape.of(2, 3, 4))));
        db.error("SumAxes.Run", "axes not increasing", "must be distinct", ctx -> new SumAxes.Run(SumAxes.of(1, 0),
                ctx.input("x", Shape.of(2, 3), symmetric()), ctx.output("y", Shape.scalar())));
        db.error("SumAxes.Run", "y of the wrong shape", "'y'", ctx -> new SumAxes.Run(SumAxes.of(0),
                ctx.input("x", Shape.of(2, 3), symmetric()), ctx.output("y", Shape.of(2))));
    }

    // ---- Upsample, Concat -----------------------------------------------------------------------------------

    static OpCase.Builder upsampleForward(Upsample up, Shape x, Dist dist) {
        return ctx -> new Upsample.Forward(up, ctx.input("x", x, dist), ctx.output("y", up.outputShape(x)));
    }

    static OpCase.Builder upsampleBackward(Upsample up, Shape x, Dist dist) {
        return ctx -> new Upsample.Backward(up, ctx.input("dy", up.outputShape(x), dist), ctx.output("dx", x));
    }

    static void upsampleEdge(Db db, String name, Upsample up, Shape x) {
        db.edge("Upsample.Forward", name + ": " + up + " x" + x, upsampleForward(up, x, symmetric()));
        db.edge("Upsample.Backward", name + ": " + up + " x" + x, upsampleBackward(up, x, symmetric()));
    }

    static Upsample drawUpsample(Draw d) {
        Sweep s = d.sweep();
        if (d.chance(0.5)) {
            return Upsample.nearest(d.between(1, 3), d.between(1, 3));
        }
        return Upsample.nearestToSize(d.between(1, 2 * s.maxSpatial()), d.between(1, 2 * s.maxSpatial()));
    }

    static Shape drawUpsampleInput(Draw d) {
        Sweep s = d.sweep();
        return Shape.of(d.between(1, s.maxBatch()), d.between(1, s.maxChannels()), d.between(1, s.maxSpatial()),
                d.between(1, s.maxSpatial()));
    }

    static void upsample(Db db) {
        db.family(new Generator("Upsample", List.of("Upsample.Forward", "Upsample.Backward"), 1, d -> {
            Upsample up = drawUpsample(d);
            Shape x = drawUpsampleInput(d);
            return new FamilySample(up + " x" + x).call("Upsample.Forward", upsampleForward(up, x, symmetric()))
                    .call("Upsample.Backward", upsampleBackward(up, x, symmetric()));
        }));
        upsampleEdge(db, "scale 1 is a copy", Upsample.nearest(1), Shape.of(2, 3, 5, 4));
        upsampleEdge(db, "size equal to the input is a copy", Upsample.nearestToSize(5, 4), Shape.of(2, 3, 5, 4));
        upsampleEdge(db, "1x1 input", Upsample.nearest(4), Shape.of(2, 3, 1, 1));
        upsampleEdge(db, "1x1 input to a size", Upsample.nearestToSize(3, 5), Shape.of(1, 2, 1, 1));
        upsampleEdge(db, "feature pyramid 2x", Upsample.nearest(2), Shape.of(2, 8, 13, 17));
        upsampleEdge(db, "per-axis factors", Upsample.nearest(3, 1), Shape.of(1, 4, 6, 7));
        upsampleEdge(db, "non-integer ratio 5 -> 8, 7 -> 3 (a downsampling)", Upsample.nearestToSize(8, 3),
                Shape.of(2, 3, 5, 7));
        upsampleEdge(db, "twice the input as a size", Upsample.nearestToSize(10, 14), Shape.of(1, 2, 5, 7));
        upsampleEdge(db, "ratio 3 -> 7 and 6 -> 17", Upsample.nearestToSize(7, 17), Shape.of(2, 2, 3, 6));
        upsampleEdge(db, "factor 41: PyTorch's float scale maps output 41 to input 0", Upsample.nearest(1, 41),
                Shape.of(1, 2, 2, 3));
        db.edge("Upsample.Forward", "NaN and infinities are copied: 2x x[1, 2, 4, 4]", upsampleForward(
                Upsample.nearest(2), Shape.of(1, 2, 4, 4), symmetric().sprinkled(Double.NaN, 0.1)));

        db.error("Upsample.Forward", "x of rank 3", "'x' must have rank 4", ctx -> new Upsample.Forward(
                Upsample.nearest(2), ctx.input("x", Shape.of(3, 4, 4), symmetric()), ctx.output("y", Shape.of(3, 8, 8))));
        db.error("Upsample.Forward", "y of the wrong shape", "'y'", ctx -> new Upsample.Forward(Upsample.nearest(2),
                ctx.input("x", Shape.of(1, 2, 4, 4), symmetric()), ctx.output("y", Shape.of(1, 2, 8, 7))));
        db.error("Upsample.Forward", "y of the wrong size", "[1, 2, 6, 6]", ctx -> new Upsample.Forward(
                Upsample.nearestToSize(6, 6), ctx.input("x", Shape.of(1, 2, 4, 4), symmetric()),
                ctx.output("y", Shape.of(1, 2, 8, 8))));
        db.error("Upsample.Forward", "both a scale and a size", "exactly one", ctx -> new Upsample.Forward(
                new Upsample(2, 2, 8, 8), ctx.input("x", Shape.of(1, 2, 4, 4), symmetric()),
                ctx.output("y", Shape.of(1, 2, 8, 8))));
        db.error("Upsample.Forward", "scale 0 on one axis", "scaleH and scaleW", ctx -> new Upsample.Forward(
                Upsample.nearest(0, 2), ctx.input("x", Shape.of(1, 2, 4, 4), symmetric()),
                ctx.output("y", Shape.of(1, 2, 4, 8))));
        db.error("Upsample.Backward", "dy of the wrong shape", "'dy'", ctx -> new Upsample.Backward(
                Upsample.nearest(2), ctx.input("dy", Shape.of(1, 2, 8, 9), symmetric()),
                ctx.output("dx", Shape.of(1, 2, 4, 4))));
        db.error("Upsample.Backward", "dx of rank 2", "'dx' must have rank 4", ctx -> new Upsample.Backward(
                Upsample.nearest(2), ctx.input("dy", Shape.of(8, 8), symmetric()), ctx.output("dx", Shape.of(4, 4))));
    }

    /** The shapes of {@code k} inputs of rank of {@code base} that differ from it only on {@code axis}. */
    static List<Shape> concatParts(Shape base, int axis, int[] along) {
        List<Shape> parts = new ArrayList<>();
        for (int a : along) {
            int[] dims = base.dims();
            dims[axis] = a;
            parts.add(Shape.of(dims));
        }
        return parts;
    }

    static OpCase.Builder concatForward(Concat cat, List<Shape> parts, Dist dist) {
        return ctx -> {
            List<Tensor> xs = new ArrayList<>();
            for (int i = 0; i < parts.size(); i++) {
                xs.add(ctx.input("x" + i, parts.get(i), dist));
            }
            return new Concat.Forward(cat, xs, ctx.output("out", cat.outputShape(parts)));
        };
    }

    static OpCase.Builder concatBackward(Concat cat, List<Shape> parts, Dist dist) {
        return ctx -> {
            Tensor dOut = ctx.input("dOut", cat.outputShape(parts), dist);
            List<Tensor> dxs = new ArrayList<>();
            for (int i = 0; i < parts.size(); i++) {
                dxs.add(ctx.output("dx" + i, parts.get(i)));
            }
            return new Concat.Backward(cat, dOut, dxs);
        };
    }

    static void concatEdge(Db db, String name, int axis, Shape base, int... along) {
        Concat cat = new Concat(axis);
        List<Shape> parts = concatParts(base, axis, along);
        db.edge("Concat.Forward", name + ": axis " + axis + " of " + parts, concatForward(cat, parts, symmetric()));
        db.edge("Concat.Backward", name + ": axis " + axis + " of " + parts, concatBackward(cat, parts, symmetric()));
    }

    record ConcatDraw(Concat cat, List<Shape> parts) {
        @Override
        public String toString() {
            return "axis " + cat.axis() + " of " + parts;
        }
    }

    static ConcatDraw drawConcat(Draw d) {
        Shape base = d.shape(1, 4);
        int axis = d.between(0, base.rank() - 1);
        int[] along = new int[d.between(1, 4)];
        for (int i = 0; i < along.length; i++) {
            along[i] = d.between(1, d.sweep().maxSpatial());
        }
        return new ConcatDraw(new Concat(axis), concatParts(base, axis, along));
    }

    static void concat(Db db) {
        db.family(new Generator("Concat", List.of("Concat.Forward", "Concat.Backward"), 1, d -> {
            ConcatDraw c = drawConcat(d);
            return new FamilySample(c.toString()).call("Concat.Forward", concatForward(c.cat(), c.parts(),
                    symmetric())).call("Concat.Backward", concatBackward(c.cat(), c.parts(), symmetric()));
        }));
        concatEdge(db, "a single input is a copy", 1, Shape.of(2, 3, 4, 5), 3);
        concatEdge(db, "axis 0 (the batch)", 0, Shape.of(1, 3, 4, 5), 2, 1, 3);
        concatEdge(db, "the last axis", 3, Shape.of(2, 3, 4, 1), 5, 1, 2);
        concatEdge(db, "channels of a residual/pyramid merge", 1, Shape.of(2, 1, 6, 6), 8, 4);
        concatEdge(db, "rank 1", 0, Shape.of(1), 7, 1, 4, 2, 9);
        concatEdge(db, "rank 2, features", 1, Shape.of(4, 1), 10, 20);
        db.edge("Concat.Forward", "NaN and infinities are copied: axis 1 of [2, 3, 4] and [2, 2, 4]",
                concatForward(new Concat(1), List.of(Shape.of(2, 3, 4), Shape.of(2, 2, 4)),
                        symmetric().sprinkled(Double.POSITIVE_INFINITY, 0.1).sprinkled(Double.NaN, 0.1)));

        Shape a = Shape.of(2, 3, 4);
        db.error("Concat.Forward", "axis out of range", "axis 3 is out of range", ctx -> new Concat.Forward(
                new Concat(3), List.of(ctx.input("x0", a, symmetric())), ctx.output("out", a)));
        db.error("Concat.Forward", "negative axis", "axis must be non-negative", ctx -> new Concat.Forward(
                new Concat(-1), List.of(ctx.input("x0", a, symmetric())), ctx.output("out", a)));
        db.error("Concat.Forward", "inputs differing off the axis", "'x1' [2, 3, 5]", ctx -> new Concat.Forward(
                new Concat(1), List.of(ctx.input("x0", a, symmetric()), ctx.input("x1", Shape.of(2, 3, 5),
                        symmetric())), ctx.output("out", Shape.of(2, 6, 4))));
        db.error("Concat.Forward", "inputs of different ranks", "'x1' [2, 3]", ctx -> new Concat.Forward(
                new Concat(0), List.of(ctx.input("x0", a, symmetric()), ctx.input("x1", Shape.of(2, 3),
                        symmetric())), ctx.output("out", Shape.of(4, 3, 4))));
        db.error("Concat.Forward", "out of the wrong shape", "'out'", ctx -> new Concat.Forward(new Concat(2),
                List.of(ctx.input("x0", a, symmetric()), ctx.input("x1", a, symmetric())),
                ctx.output("out", Shape.of(2, 3, 7))));
        db.error("Concat.Forward", "no inputs", "'x0'", ctx -> new Concat.Forward(new Concat(0), List.of(),
                ctx.output("out", a)));
        db.error("Concat.Forward", "out is the single input (outputs must not alias inputs)", "output 'out'",
                ctx -> {
                    Tensor x = ctx.inOut("out", a, symmetric());
                    return new Concat.Forward(new Concat(0), List.of(x), x);
                });
        db.error("Concat.Backward", "dOut of the wrong shape", "'dOut'", ctx -> new Concat.Backward(new Concat(0),
                ctx.input("dOut", Shape.of(3, 3, 4), symmetric()), List.of(ctx.output("dx0", a),
                        ctx.output("dx1", a))));
        db.error("Concat.Backward", "dInputs differing off the axis", "'dx1'", ctx -> new Concat.Backward(
                new Concat(0), ctx.input("dOut", Shape.of(4, 3, 4), symmetric()), List.of(ctx.output("dx0", a),
                        ctx.output("dx1", Shape.of(2, 4, 4)))));
    }

    // ---- Multi-tensor optimizer steps -------------------------------------------------------------------------

    /** The parameter shapes of LeNet-5 (two convolutions, three linear layers: 10 tensors). */
    public static final List<Shape> LENET5 = List.of(Shape.of(6, 1, 5, 5), Shape.of(6), Shape.of(16, 6, 5, 5),
            Shape.of(16), Shape.of(120, 400), Shape.of(120), Shape.of(84, 120), Shape.of(84), Shape.of(10, 84),
            Shape.of(10));

    /** Tensors {@code role[0..]} of the shapes, updated in place, drawn from {@code dist}. */
    static List<Tensor> inOuts(CaseContext ctx, String role, List<Shape> shapes, Dist dist) {
        List<Tensor> ts = new ArrayList<>();
        for (int i = 0; i < shapes.size(); i++) {
            ts.add(ctx.inOut(role + "[" + i + "]", shapes.get(i), dist));
        }
        return ts;
    }

    static List<Tensor> grads(CaseContext ctx, List<Shape> shapes) {
        List<Tensor> ts = new ArrayList<>();
        for (int i = 0; i < shapes.size(); i++) {
            ts.add(ctx.input("grads[" + i + "]", shapes.get(i), GRAD));
        }
        return ts;
    }

    static OpCase.Builder sgdSteps(Sgd o, List<Shape> shapes) {
        return ctx -> new Sgd.Steps(o, inOuts(ctx, "params", shapes, symmetric()), grads(ctx, shapes),
                o.momentum() != 0 ? inOuts(ctx, "momentumBuffers", shapes, symmetric()) : null);
    }

    static OpCase.Builder adagradSteps(Adagrad o, List<Shape> shapes, Dist state) {
        return ctx -> new Adagrad.Steps(o, inOuts(ctx, "params", shapes, symmetric()), grads(ctx, shapes),
                inOuts(ctx, "stateSums", shapes, state));
    }

    static OpCase.Builder rmsPropSteps(RmsProp o, List<Shape> shapes, Dist state) {
        return ctx -> new RmsProp.Steps(o, inOuts(ctx, "params", shapes, symmetric()), grads(ctx, shapes),
                inOuts(ctx, "squareAvgs", shapes, state));
    }

    static OpCase.Builder adamSteps(Adam o, List<Shape> shapes, Dist m, Dist v) {
        return ctx -> new Adam.Steps(o, inOuts(ctx, "params", shapes, symmetric()), grads(ctx, shapes),
                inOuts(ctx, "expAvgs", shapes, m), inOuts(ctx, "expAvgSqs", shapes, v));
    }

    /** 1 to 20 parameter shapes (more than one launch's 16 tensors on the GPU backends now and then). */
    static List<Shape> drawShapes(Draw d) {
        int n = d.between(1, 20);
        List<Shape> shapes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            shapes.add(d.shape(1, 4));
        }
        return shapes;
    }

    /**
     * The multi-tensor steps ({@code Sgd.Steps}, ...), whose random samples the rules' generators draw (see
     * {@code optimizers}): edges at LeNet-5's ten tensors, at 16 and 17 (a GPU launch's group and one
     * past it) and at one-element tensors; errors for every list mismatch.
     */
    static void multiTensorOptimizers(Db db) {
        List<Shape> seventeen = new ArrayList<>();
        for (int i = 0; i < 17; i++) {
            seventeen.add(Shape.of(i + 1));
        }
        List<Shape> sixteen = seventeen.subList(0, 16);
        List<Shape> ones = List.of(Shape.of(1), Shape.of(1, 1), Shape.of(1), Shape.of(1, 1, 1, 1));
        db.edge("Sgd.Steps", "LeNet-5's 10 tensors, momentum 0.9", sgdSteps(new Sgd(0.01, 0.9, 5e-4, false),
                LENET5));
        db.edge("Sgd.Steps", "17 tensors (two launches of 16 and 1), nesterov", sgdSteps(new Sgd(0.05, 0.9, 0,
                true), seventeen));
        db.edge("Sgd.Steps", "plain: 4 one-element tensors", sgdSteps(Sgd.plain(0.1), ones));
        db.edge("Adagrad.Steps", "LeNet-5's 10 tensors, zero state", adagradSteps(new Adagrad(0.01, 1e-10, 0),
                LENET5, Dist.constant(0)));
        db.edge("Adagrad.Steps", "16 tensors (one full launch)", adagradSteps(new Adagrad(0.1, 1e-6, 0.01, 0.1, 5),
                sixteen, STATE));
        db.edge("RmsProp.Steps", "LeNet-5's 10 tensors", rmsPropSteps(new RmsProp(0.01, 0.99, 1e-8, 1e-4), LENET5,
                STATE));
        db.edge("RmsProp.Steps", "17 tensors (two launches of 16 and 1)", rmsPropSteps(new RmsProp(0.001, 0.9,
                1e-8, 0), seventeen, STATE));
        db.edge("Adam.Steps", "LeNet-5's 10 tensors, step 1, zero state", adamSteps(Adam.defaults(1e-3, 1), LENET5,
                Dist.constant(0), Dist.constant(0)));
        db.edge("Adam.Steps", "17 tensors (two launches of 16 and 1), step 10000", adamSteps(
                Adam.defaults(1e-3, 10_000), seventeen, Dist.uniform(-0.1, 0.1), Dist.uniform(1e-4, 0.1)));
        db.edge("Adam.Steps", "4 one-element tensors with weight decay", adamSteps(new Adam(0.01, 0.9, 0.999, 1e-8,
                0.01, 3), ones, Dist.uniform(-0.1, 0.1), Dist.uniform(1e-4, 0.1)));
        Shape t = Shape.of(3, 4);
        Shape u = Shape.of(5);
        db.error("Sgd.Steps", "no parameters", "'params' is empty", ctx -> new Sgd.Steps(Sgd.plain(0.1), List.of(),
                List.of(), null));
        db.error("Sgd.Steps", "fewer grads than params", "'grads' has 1 tensors but 'params' has 2",
                ctx -> new Sgd.Steps(Sgd.plain(0.1), List.of(ctx.inOut("params[0]", t, symmetric()),
                        ctx.inOut("params[1]", u, symmetric())), List.of(ctx.input("grads[0]", t, GRAD)), null));
        db.error("Sgd.Steps", "momentum without buffers", "'momentumBuffers' is required", ctx -> new Sgd.Steps(
                new Sgd(0.1, 0.9, 0, false), List.of(ctx.inOut("params[0]", t, symmetric())),
                List.of(ctx.input("grads[0]", t, GRAD)), null));
        db.error("Sgd.Steps", "a parameter given twice", "'params[1]' is the same tensor as 'params[0]'", ctx -> {
            Tensor p = ctx.inOut("params[0]", t, symmetric());
            return new Sgd.Steps(Sgd.plain(0.1), List.of(p, p), List.of(ctx.input("grads[0]", t, GRAD),
                    ctx.input("grads[1]", t, GRAD)), null);
        });
        db.error("Adagrad.Steps", "stateSums[1] of the wrong shape",
                "'stateSums[1]' has shape [4, 3] but must be [5] (same as 'params[1]')", ctx -> new Adagrad.Steps(
                        new Adagrad(0.01, 1e-10, 0), List.of(ctx.inOut("params[0]", t, symmetric()),
                                ctx.inOut("params[1]", u, symmetric())), List.of(ctx.input("grads[0]", t, GRAD),
                                ctx.input("grads[1]", u, GRAD)), List.of(ctx.inOut("stateSums[0]", t, STATE),
                                ctx.inOut("stateSums[1]", Shape.of(4, 3), STATE))));
        db.error("RmsProp.Steps", "grads[1] float64", "'grads[1]' is float64", ctx -> new RmsProp.Steps(
                new RmsProp(0.01, 0.99, 1e-8, 0), List.of(ctx.inOut("params[0]", t, symmetric()),
                        ctx.inOut("params[1]", u, symmetric())), List.of(ctx.input("grads[0]", t, GRAD),
                        ctx.input("grads[1]", u, DType.FLOAT64, GRAD)), List.of(ctx.inOut("squareAvgs[0]", t, STATE),
                        ctx.inOut("squareAvgs[1]", u, STATE))));
        db.error("Adam.Steps", "a gradient that is also a parameter", "'grads[0]' is the same tensor as 'params[1]'",
                ctx -> {
                    Tensor p1 = ctx.inOut("params[1]", t, symmetric());
                    return new Adam.Steps(Adam.defaults(1e-3, 1), List.of(ctx.inOut("params[0]", t, symmetric()),
                            p1), List.of(p1, ctx.input("grads[1]", t, GRAD)), List.of(ctx.inOut("expAvgs[0]", t,
                            symmetric()), ctx.inOut("expAvgs[1]", t, symmetric())), List.of(ctx.inOut(
                            "expAvgSqs[0]", t, STATE), ctx.inOut("expAvgSqs[1]", t, STATE)));
                });
        db.error("Adam.Steps", "one exp_avg_sq for two parameters", "'expAvgSqs[1]' is the same tensor as "
                + "'expAvgSqs[0]'", ctx -> {
                    Tensor v = ctx.inOut("expAvgSqs[0]", t, STATE);
                    return new Adam.Steps(Adam.defaults(1e-3, 1), List.of(ctx.inOut("params[0]", t, symmetric()),
                            ctx.inOut("params[1]", t, symmetric())), List.of(ctx.input("grads[0]", t, GRAD),
                            ctx.input("grads[1]", t, GRAD)), List.of(ctx.inOut("expAvgs[0]", t, symmetric()),
                            ctx.inOut("expAvgs[1]", t, symmetric())), List.of(v, v));
                });
        db.error("Adam.Steps", "a null expAvg", "'expAvgs[0]' is required", ctx -> new Adam.Steps(
                Adam.defaults(1e-3, 1), List.of(ctx.inOut("params[0]", t, symmetric())),
                List.of(ctx.input("grads[0]", t, GRAD)), java.util.Arrays.asList((Tensor) null),
                List.of(ctx.inOut("expAvgSqs[0]", t, STATE))));
    }
}
