package org.cnn4j.backend.opencl;

import org.cnn4j.backend.reference.ReferenceBackend;
import org.cnn4j.core.Shape;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every operator on OpenCL against the reference backend, with seeded random inputs and odd sizes (the
 * cross-backend conformance suite runs in {@code OpenClConformanceTest}; these are the backend's own checks).
 */
class OpenClParityTest {
    private static final double TOL = 1e-4;
    private static ReferenceBackend ref;
    private static OpenClBackend cl;

    @BeforeAll
    static void open() {
        if (OpenClTestSupport.available()) {
            cl = OpenClBackend.open();
            ref = new ReferenceBackend();
        }
    }

    /** Each test is skipped (or, when required, fails) on its own, so the reports count every skip. */
    @BeforeEach
    void device() {
        OpenClTestSupport.requireDevice();
    }

    @AfterAll
    static void close() {
        if (cl != null) {
            cl.close();
        }
        if (ref != null) {
            ref.close();
        }
    }

    private static Parity parity(long seed) {
        return new Parity(ref, cl, seed);
    }

    // ---- GEMM and linear ----------------------------------------------------------------------------

    @ParameterizedTest(name = "transA={0} transB={1} m={2} n={3} k={4} beta={5}")
    @CsvSource({
        "false, false, 1, 1, 1, 0", "false, false, 65, 67, 33, 0", "true, false, 70, 3, 129, 0.5",
        "false, true, 5, 130, 17, 0", "true, true, 64, 64, 64, -1", "false, false, 200, 150, 300, 0"})
    void gemm(boolean ta, boolean tb, int m, int n, int k, double beta) {
        Shape a = ta ? Shape.of(k, m) : Shape.of(m, k);
        Shape b = tb ? Shape.of(n, k) : Shape.of(k, n);
        Parity p = parity(m * 31L + n * 7L + k).in(a).in(b);
        if (beta == 0) {
            p.out(Shape.of(m, n));
        } else {
            p.in(Shape.of(m, n));
        }
        p.check("Gemm", t -> new Gemm.Run(new Gemm(ta, tb, 1.5, beta), t[0], t[1], t[2]), TOL, 2);
    }

    @ParameterizedTest(name = "n={0} in={1} out={2} bias={3}")
    @CsvSource({"1, 1, 1, true", "7, 33, 10, true", "64, 120, 84, false"})
    void linear(int n, int in, int out, boolean bias) {
        Shape b = Shape.of(out);
        parity(1).in(Shape.of(n, in)).in(Shape.of(out, in)).in(b).out(Shape.of(n, out))
                .check("Linear.Forward", t -> new Linear.Forward(t[0], t[1], bias ? t[2] : null, t[3]), TOL, 3);
        parity(2).in(Shape.of(n, out)).in(Shape.of(out, in)).out(Shape.of(n, in))
                .check("Linear.BackwardData", t -> new Linear.BackwardData(t[0], t[1], t[2]), TOL, 2);
        parity(3).in(Shape.of(n, in)).in(Shape.of(n, out)).out(Shape.of(out, in)).out(b)
                .check("Linear.BackwardWeights",
                        t -> new Linear.BackwardWeights(t[0], t[1], t[2], bias ? t[3] : null), TOL,
                        bias ? new int[] {2, 3} : new int[] {2});
    }

    // ---- convolution --------------------------------------------------------------------------------

    @ParameterizedTest(name = "n={0} c={1} h={2} w={3} k={4} kh={5} kw={6} stride={7} pad={8} dil={9} groups={10}")
    @CsvSource({
        "1, 1, 5, 5, 1, 3, 3, 1, 0, 1, 1",
        "2, 3, 11, 9, 5, 3, 2, 1, 1, 1, 1",
        "3, 4, 13, 13, 6, 3, 3, 2, 1, 1, 2",
        "2, 6, 9, 10, 4, 2, 3, 3, 0, 2, 2",
        "2, 3, 8, 8, 4, 1, 1, 4, 0, 1, 1",
        "1, 2, 7, 12, 3, 5, 5, 1, 2, 1, 1",
        "4, 3, 32, 32, 16, 5, 5, 1, 0, 1, 1",
        "2, 4, 10, 10, 4, 3, 3, 1, 1, 1, 4"})
    void conv2d(int n, int c, int h, int w, int k, int kh, int kw, int stride, int pad, int dil, int groups) {
        Conv2d conv = new Conv2d(Size2d.of(stride, stride + (stride > 1 ? -1 : 0)), Size2d.of(pad),
                Size2d.of(dil), groups);
        Shape x = Shape.of(n, c, h, w);
        Shape wt = conv.weightShape(c, k, Size2d.of(kh, kw));
        Shape y = conv.outputShape(x, wt);
        long seed = n * 1000L + c * 100L + h;
        parity(seed).in(x).in(wt).in(Shape.of(k)).out(y)
                .check("Conv2d.Forward", t -> new Conv2d.Forward(conv, t[0], t[1], t[2], t[3]), TOL, 3);
        parity(seed + 1).in(x).in(wt).out(y)
                .check("Conv2d.Forward (no bias)", t -> new Conv2d.Forward(conv, t[0], t[1], null, t[2]), TOL, 2);
        parity(seed + 2).in(y).in(wt).out(x)
                .check("Conv2d.BackwardData", t -> new Conv2d.BackwardData(conv, t[0], t[1], t[2]), TOL, 2);
        parity(seed + 3).in(x).in(y).out(wt).out(Shape.of(k))
                .check("Conv2d.BackwardFilter", t -> new Conv2d.BackwardFilter(conv, t[0], t[1], t[2], t[3]), TOL,
                        2, 3);
    }

    /** Columns limited to one or two images' worth: the chunked paths (offsets of later chunks, a short last one). */
    @ParameterizedTest(name = "images per chunk={0}")
    @ValueSource(ints = {1, 2})
    void conv2dInChunks(int images) {
        Conv2d conv = new Conv2d(Size2d.of(2, 1), Size2d.of(1), Size2d.of(1), 2);
        Shape x = Shape.of(5, 4, 9, 7);
        Shape wt = conv.weightShape(4, 6, Size2d.of(3, 2));
        Shape y = conv.outputShape(x, wt);
        int perImage = 4 * 3 * 2 * y.dim(2) * y.dim(3);
        cl.colLimitFloats(perImage * images);
        try {
            parity(101).in(x).in(wt).in(Shape.of(6)).out(y)
                    .check("Conv2d.Forward chunked", t -> new Conv2d.Forward(conv, t[0], t[1], t[2], t[3]), TOL, 3);
            parity(102).in(y).in(wt).out(x)
                    .check("Conv2d.BackwardData chunked", t -> new Conv2d.BackwardData(conv, t[0], t[1], t[2]), TOL, 2);
            parity(103).in(x).in(y).out(wt).out(Shape.of(6))
                    .check("Conv2d.BackwardFilter chunked",
                            t -> new Conv2d.BackwardFilter(conv, t[0], t[1], t[2], t[3]), TOL, 2, 3);
        } finally {
            cl.colLimitFloats(OpenClBackend.COL_LIMIT_FLOATS);
        }
    }

    // ---- pooling ------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} k={1} s={2} p={3} ceil={4} countPad={5}")
    @CsvSource({
        "MAX, 2, 2, 0, false, true", "MAX, 3, 2, 1, true, true", "MAX, 3, 3, 0, true, true",
        "AVG, 2, 2, 0, false, true", "AVG, 3, 2, 1, true, true", "AVG, 3, 2, 1, true, false",
        "AVG, 5, 1, 2, false, false", "MAX, 2, 3, 1, true, true"})
    void pool2d(Pool2d.Mode mode, int k, int s, int pad, boolean ceil, boolean countPad) {
        Pool2d pool = new Pool2d(mode, Size2d.of(k), Size2d.of(s), Size2d.of(pad), ceil, countPad);
        Shape x = Shape.of(2, 3, 11, 8);
        Shape y = pool.outputShape(x);
        parity(k * 10L + s).in(x).out(y).check("Pool2d.Forward", t -> new Pool2d.Forward(pool, t[0], t[1]), TOL, 1);
        parity(k * 10L + s + 1).in(x).in(y).out(x)
                .check("Pool2d.Backward", t -> new Pool2d.Backward(pool, t[0], t[1], t[2]), TOL, 2);
    }

    @Test
    void maxPoolWithNaNAndTies() {
        Pool2d pool = new Pool2d(Pool2d.Mode.MAX, Size2d.of(2), Size2d.of(1), Size2d.of(0), false, true);
        Shape x = Shape.of(1, 1, 3, 3);
        float nan = Float.NaN;
        float[] values = {1, 1, 0, nan, 2, nan, 2, 2, 1};
        parity(5).in(x, values).out(pool.outputShape(x))
                .check("Pool2d.Forward NaN", t -> new Pool2d.Forward(pool, t[0], t[1]), TOL, 1);
        parity(6).in(x, values).in(pool.outputShape(x)).out(x)
                .check("Pool2d.Backward NaN", t -> new Pool2d.Backward(pool, t[0], t[1], t[2]), TOL, 2);
    }

    // ---- batch normalization ------------------------------------------------------------------------

    @ParameterizedTest(name = "x={0}")
    @ValueSource(strings = {"4,3", "2,5,7,9", "1,3,2,2", "16,7,13,11"})
    void batchNorm(String dims) {
        Shape x = Shape.of(java.util.Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray());
        Shape c = Shape.of(x.dim(1));
        BatchNorm bn = BatchNorm.defaults();
        parity(11).in(x, -2, 3).in(c).in(c).in(c).in(c, 0.5, 2).out(x).out(c).out(c)
                .check("BatchNorm.ForwardTraining",
                        t -> new BatchNorm.ForwardTraining(bn, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]), TOL,
                        3, 4, 5, 6, 7);
        parity(12).in(x).in(c).in(c).in(c).in(c, 0.5, 2).out(x)
                .check("BatchNorm.ForwardInference",
                        t -> new BatchNorm.ForwardInference(bn, t[0], t[1], t[2], t[3], t[4], t[5]), TOL, 5);
        parity(13).in(x).in(x).in(c).in(c, -0.5, 0.5).in(c, 0.5, 2).out(x).out(c).out(c)
                .check("BatchNorm.Backward",
                        t -> new BatchNorm.Backward(bn, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]), 1e-3,
                        5, 6, 7);
    }

    // ---- activations, PReLU, softmax, dropout -------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Activation.Kind.class)
    void activation(Activation.Kind kind) {
        Activation act = new Activation(kind, kind == Activation.Kind.ELU ? 1.3 : 0.07);
        Shape x = Shape.of(3, 5, 7);
        parity(kind.ordinal()).in(x, -3, 3).out(x)
                .check("Activation.Forward " + kind, t -> new Activation.Forward(act, t[0], t[1]), TOL, 1);
        // y from the reference's forward keeps the backward consistent for sigmoid and tanh
        float[] xs = new float[x.size()];
        java.util.SplittableRandom r = new java.util.SplittableRandom(kind.ordinal());
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) (r.nextDouble() * 6 - 3);
        }
        xs[0] = Float.NaN;
        float[] ys;
        try (var xt = ref.fromArray(x, xs); var yt = ref.allocate(x)) {
            ref.execute(new Activation.Forward(act, xt, yt));
            ys = yt.toFloatArray();
        }
        parity(kind.ordinal() + 100).in(x, xs).in(x, ys).in(x).out(x)
                .check("Activation.Backward " + kind, t -> new Activation.Backward(act, t[0], t[1], t[2], t[3]), TOL,
                        3);
    }

    @ParameterizedTest(name = "x={0} slopes={1}")
    @CsvSource({"'4,3,5,5', 3", "'4,3,5,5', 1", "'6,7', 7", "'9', 1"})
    void prelu(String dims, int slopes) {
        Shape x = Shape.of(java.util.Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray());
        Shape w = Shape.of(slopes);
        parity(21).in(x).in(w).out(x).check("Prelu.Forward", t -> new Prelu.Forward(t[0], t[1], t[2]), TOL, 2);
        parity(22).in(x).in(w).in(x).out(x).out(w)
                .check("Prelu.Backward", t -> new Prelu.Backward(t[0], t[1], t[2], t[3], t[4]), TOL, 3, 4);
    }

    @ParameterizedTest(name = "log={0} x={1}")
    @CsvSource({"false, '5,10'", "true, '5,10'", "false, '2,4,3,3'", "true, '3,7,2,5'", "false, '1,1'"})
    void softmax(boolean log, String dims) {
        Shape x = Shape.of(java.util.Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray());
        Softmax sm = new Softmax(log);
        parity(31).in(x, -5, 5).out(x).check("Softmax.Forward", t -> new Softmax.Forward(sm, t[0], t[1]), TOL, 1);
        float[] xs = new float[x.size()];
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) (r.nextDouble() * 4 - 2);
        }
        float[] ys;
        try (var xt = ref.fromArray(x, xs); var yt = ref.allocate(x)) {
            ref.execute(new Softmax.Forward(sm, xt, yt));
            ys = yt.toFloatArray();
        }
        parity(32).in(x, ys).in(x).out(x)
                .check("Softmax.Backward", t -> new Softmax.Backward(sm, t[0], t[1], t[2]), TOL, 2);
    }

    /** The mask is the reference's exactly (a dropped element is 0, far outside 1e-6); kept values within an ulp. */
    @ParameterizedTest(name = "p={0}")
    @ValueSource(doubles = {0, 0.1, 0.5, 0.9, 1})
    void dropoutMatchesTheReferenceMask(double p) {
        Dropout d = new Dropout(p, 0x1234_5678_9ABC_DEF0L + (long) (p * 10));
        Shape x = Shape.of(3, 1000);
        parity(41).in(x, 1, 2).out(x).check("Dropout.Forward", t -> new Dropout.Forward(d, t[0], t[1]), 1e-6, 1);
        parity(42).in(x, -2, -1).out(x).check("Dropout.Backward", t -> new Dropout.Backward(d, t[0], t[1]), 1e-6, 1);
    }

    // ---- losses and penalty -------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} n={1} c={2}")
    @CsvSource({
        "SOFTMAX_CROSS_ENTROPY, 8, 10", "SOFTMAX_CROSS_ENTROPY, 1, 3", "MSE, 8, 10", "MAE, 7, 3", "HINGE, 8, 10",
        "HINGE, 300, 7", "MSE, 300, 1000", "BCE_WITH_LOGITS, 300, 1000", "SIGMOID_FOCAL, 300, 1000",
        "SIGMOID_FOCAL, 8, 10", "SMOOTH_L1, 300, 1000"})
    void loss(Loss.Kind kind, int n, int c) {
        Loss fn = new Loss(kind, kind == Loss.Kind.HINGE ? 1 : 0);
        Shape x = Shape.of(n, c);
        Parity f = parity(51).in(x, -3, 3);
        Parity b = parity(52).in(x, -3, 3);
        if (kind == Loss.Kind.HINGE) {
            f.oneHot(n, c);
            b.oneHot(n, c);
        } else if (kind == Loss.Kind.SOFTMAX_CROSS_ENTROPY) {
            f.probabilities(n, c);
            b.oneHot(n, c);
        } else {
            f.in(x);
            b.in(x);
        }
        f.out(Shape.scalar()).check("Loss.Forward " + kind, t -> new Loss.Forward(fn, t[0], t[1], t[2]), TOL, 2);
        b.out(x).check("Loss.Backward " + kind, t -> new Loss.Backward(fn, t[0], t[1], t[2]), TOL, 2);
    }

    @Test
    void crossEntropyStaysFiniteForHugeLogits() {
        Loss fn = Loss.softmaxCrossEntropy();
        float[] logits = {1e4f, -1e4f, 0, 5e3f, -3e3f, 1e4f};
        parity(53).in(Shape.of(2, 3), logits).oneHot(2, 3).out(Shape.scalar())
                .check("Loss.Forward huge logits", t -> new Loss.Forward(fn, t[0], t[1], t[2]), TOL, 2);
    }

    @Test
    void l2Penalty() {
        L2Penalty l2 = new L2Penalty(0.01);
        Shape w = Shape.of(33, 17, 3);
        parity(61).in(w).out(Shape.scalar())
                .check("L2Penalty.Forward", t -> new L2Penalty.Forward(l2, t[0], t[1]), TOL, 1);
        parity(62).in(w).in(w).check("L2Penalty.Backward", t -> new L2Penalty.Backward(l2, t[0], t[1]), TOL, 1);
    }

    // ---- optimizers ---------------------------------------------------------------------------------

    @ParameterizedTest(name = "momentum={0} wd={1} nesterov={2}")
    @CsvSource({"0, 0, false", "0.9, 0, false", "0.9, 0.001, true", "0, 0.01, false"})
    void sgd(double momentum, double wd, boolean nesterov) {
        Sgd sgd = new Sgd(0.1, momentum, wd, nesterov);
        Shape s = Shape.of(5, 77);
        parity(71).in(s).in(s).in(s)
                .check("Sgd.Step", t -> new Sgd.Step(sgd, t[0], t[1], momentum == 0 ? null : t[2]), TOL, 0, 2);
    }

    @Test
    void adagradRmsPropAdam() {
        Shape s = Shape.of(301);
        Adagrad ag = new Adagrad(0.05, 1e-10, 0.01);
        parity(72).in(s).in(s).in(s, 0, 1)
                .check("Adagrad.Step", t -> new Adagrad.Step(ag, t[0], t[1], t[2]), TOL, 0, 2);
        RmsProp rp = new RmsProp(0.01, 0.99, 1e-8, 0.001);
        parity(73).in(s).in(s).in(s, 0, 1)
                .check("RmsProp.Step", t -> new RmsProp.Step(rp, t[0], t[1], t[2]), TOL, 0, 2);
        Adam adam = new Adam(0.001, 0.9, 0.999, 1e-8, 0.01, 3);
        parity(74).in(s).in(s).in(s).in(s, 0, 1)
                .check("Adam.Step", t -> new Adam.Step(adam, t[0], t[1], t[2], t[3]), TOL, 0, 2, 3);
    }

    // ---- element-wise and sums ----------------------------------------------------------------------

    @Test
    void elementwise() {
        Shape s = Shape.of(3, 129);
        parity(81).out(s).check("Fill", t -> new Fill.Run(new Fill(2.5), t[0]), 0, 0);
        parity(82).in(s).out(s).check("Copy", t -> new Copy.Run(t[0], t[1]), 0, 1);
        parity(83).in(s).in(s).out(s).check("Add", t -> new Add.Run(new Add(0.5, -2), t[0], t[1], t[2]), TOL, 2);
        parity(84).in(s).out(s).check("Scale", t -> new Scale.Run(new Scale(-3), t[0], t[1]), TOL, 1);
        parity(85).in(s).in(s).check("Axpy", t -> new Axpy.Run(new Axpy(0.25), t[0], t[1]), TOL, 1);
    }

    @ParameterizedTest(name = "x={0} axes={1}")
    @CsvSource({"'4,5,6,7', '0,2,3'", "'4,5,6,7', '1'", "'4,5,6,7', '0,1,2,3'", "'3,1000', '0'", "'3,1000', '1'",
        "'2,3,4', '0,2'", "'7', '0'"})
    void sumAxes(String dims, String axes) {
        Shape x = Shape.of(java.util.Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray());
        SumAxes sum = SumAxes.of(java.util.Arrays.stream(axes.split(",")).mapToInt(Integer::parseInt).toArray());
        parity(91).in(x).out(sum.outputShape(x)).check("SumAxes", t -> new SumAxes.Run(sum, t[0], t[1]), TOL, 1);
    }

    // ---- upsampling and concatenation ---------------------------------------------------------------

    @ParameterizedTest(name = "x={0} {1}={2}")
    @CsvSource({"'2,16,26,30', scale, '2,2'", "'1,3,6,7', scale, '3,1'", "'2,4,5,7', size, '8,3'",
        "'1,2,13,17', size, '50,37'", "'1,2,2,3', scale, '1,41'", "'2,3,1,1', scale, '4,4'"})
    void upsample(String dims, String form, String values) {
        Shape x = Shape.of(java.util.Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray());
        int[] v = java.util.Arrays.stream(values.split(",")).mapToInt(Integer::parseInt).toArray();
        Upsample up = form.equals("scale") ? Upsample.nearest(v[0], v[1]) : Upsample.nearestToSize(v[0], v[1]);
        Shape y = up.outputShape(x);
        parity(95).in(x).out(y).check("Upsample.Forward " + up, t -> new Upsample.Forward(up, t[0], t[1]), 0, 1);
        parity(96).in(y).out(x).check("Upsample.Backward " + up, t -> new Upsample.Backward(up, t[0], t[1]), TOL, 1);
    }

    @ParameterizedTest(name = "axis={0}")
    @ValueSource(ints = {0, 1, 2, 3})
    void concat(int axis) {
        Concat cat = new Concat(axis);
        Shape[] parts = new Shape[3];
        int[] along = {5, 1, 3};
        for (int i = 0; i < 3; i++) {
            int[] d = {2, 3, 4, 5};
            d[axis] = along[i];
            parts[i] = Shape.of(d);
        }
        Shape out = cat.outputShape(java.util.List.of(parts));
        parity(97).in(parts[0]).in(parts[1]).in(parts[2]).out(out).check("Concat.Forward " + cat,
                t -> new Concat.Forward(cat, java.util.List.of(t[0], t[1], t[2]), t[3]), 0, 3);
        parity(98).in(out).out(parts[0]).out(parts[1]).out(parts[2]).check("Concat.Backward " + cat,
                t -> new Concat.Backward(cat, t[0], java.util.List.of(t[1], t[2], t[3])), 1, 2, 3);
    }

    // ---- dilated max pooling, inference-mode batch-norm backward, AdaGrad lr_decay ------------------------

    @ParameterizedTest(name = "k={0} s={1} p={2} d={3} ceil={4}")
    @CsvSource({"3, 2, 1, 2, false", "3, 2, 1, 2, true", "2, 1, 1, 3, true", "2, 3, 0, 4, true"})
    void dilatedMaxPool2d(int k, int s, int pad, int d, boolean ceil) {
        Pool2d pool = new Pool2d(Pool2d.Mode.MAX, Size2d.of(k), Size2d.of(s), Size2d.of(pad), ceil, true,
                Size2d.of(d, d == 2 ? 3 : d));
        Shape x = Shape.of(2, 3, 13, 12);
        Shape y = pool.outputShape(x);
        parity(k * 100L + d).in(x).out(y)
                .check("Pool2d.Forward dilated", t -> new Pool2d.Forward(pool, t[0], t[1]), TOL, 1);
        parity(k * 100L + d + 1).in(x).in(y).out(x)
                .check("Pool2d.Backward dilated", t -> new Pool2d.Backward(pool, t[0], t[1], t[2]), TOL, 2);
    }

    @ParameterizedTest(name = "x={0}")
    @ValueSource(strings = {"4,3", "1,3", "2,5,7,9", "16,7,13,11"})
    void batchNormBackwardInference(String dims) {
        Shape x = Shape.of(java.util.Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray());
        Shape c = Shape.of(x.dim(1));
        BatchNorm bn = BatchNorm.defaults();
        parity(14).in(x).in(x).in(c).in(c, -0.5, 0.5).in(c, 0.5, 2).out(x).out(c).out(c)
                .check("BatchNorm.BackwardInference",
                        t -> new BatchNorm.BackwardInference(bn, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]),
                        1e-3, 5, 6, 7);
    }

    @Test
    void adagradLrDecay() {
        Shape s = Shape.of(301);
        Adagrad ag = new Adagrad(0.05, 1e-10, 0.01, 0.25, 9);
        parity(75).in(s).in(s).in(s, 0, 1)
                .check("Adagrad.Step lr_decay", t -> new Adagrad.Step(ag, t[0], t[1], t[2]), TOL, 0, 2);
    }
}
