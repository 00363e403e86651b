package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ActivationReferenceTest.assertArrayClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Loss;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The reductions, weights, class-index and per-pixel cross-entropy and the detection losses on the reference:
 * finite-difference gradients of every kind and reduction, and values computed once with PyTorch 1.13 in float64
 * ({@code F.binary_cross_entropy_with_logits}, {@code F.smooth_l1_loss}, {@code F.cross_entropy}, and
 * torchvision's {@code sigmoid_focal_loss} formula), written here as constants ({@code src/test/python/
 * loss_constants.py} prints them; the build does not run it).
 */
class LossExtensionsReferenceTest {
    private static final Loss.Reduction[] REDUCTIONS = Loss.Reduction.values();

    @TestFactory
    List<DynamicTest> gradients() {
        List<DynamicTest> tests = new ArrayList<>();
        long seed = 900;
        List<Loss> elementLosses = List.of(Loss.bceWithLogits(), Loss.sigmoidFocal(0.25, 2),
                Loss.sigmoidFocal(-1, 0.5), Loss.sigmoidFocal(0.75, 3), Loss.sigmoidFocal(-1, 0), Loss.smoothL1(1),
                Loss.smoothL1(0.5), Loss.smoothL1(0), Loss.mse(), Loss.mae());
        for (Loss fn : elementLosses) {
            for (Loss.Reduction red : REDUCTIONS) {
                for (boolean weighted : new boolean[] {false, true}) {
                    for (int[] dims : new int[][] {{4, 5}, {2, 3, 3, 2}}) {
                        long s = seed++;
                        Loss f = reduced(fn, red);
                        tests.add(dynamicTest(f + (weighted ? " weighted" : "") + " shape=" + Arrays.toString(dims)
                                + " seed=" + s, () -> checkElements(f, Shape.of(dims), weighted, s)));
                    }
                }
            }
        }
        for (Loss.Reduction red : REDUCTIONS) {
            for (int[] dims : new int[][] {{5, 4}, {2, 3, 4, 3}, {3, 1}, {2, 4, 5}}) {
                for (int ignore : new int[] {Loss.IGNORE_INDEX, 1}) {
                    long s = seed++;
                    Loss f = reduced(Loss.softmaxCrossEntropy().withIgnoreIndex(ignore), red);
                    tests.add(dynamicTest(f + " class indices shape=" + Arrays.toString(dims) + " seed=" + s,
                            () -> checkClassIndices(f, Shape.of(dims), s)));
                }
                long s = seed++;
                Loss f = reduced(Loss.softmaxCrossEntropy(), red);
                tests.add(dynamicTest(f + " probabilities over axis 1 shape=" + Arrays.toString(dims) + " seed="
                        + s, () -> checkProbabilities(f, Shape.of(dims), s)));
            }
        }
        return tests;
    }

    private static Loss reduced(Loss fn, Loss.Reduction r) {
        return r == Loss.Reduction.SUM ? fn.sumOver(3) : fn.withReduction(r);
    }

    /** Element losses away from their kinks: |x - t| not within 0.05 of 0 or beta. */
    private static void checkElements(Loss fn, Shape s, boolean weighted, long seed) {
        Random rnd = new Random(seed);
        int n = s.size();
        boolean logits = fn.kind() == Loss.Kind.BCE_WITH_LOGITS || fn.kind() == Loss.Kind.SIGMOID_FOCAL;
        double[] t = new double[n];
        double[] x = new double[n];
        double[] w = weighted ? new double[n] : null;
        for (int i = 0; i < n; i++) {
            t[i] = logits ? (rnd.nextBoolean() ? rnd.nextInt(2) : rnd.nextDouble()) : rnd.nextDouble() * 2 - 1;
            do {
                x[i] = (rnd.nextDouble() * 2 - 1) * (logits ? 5 : 2);
            } while (!logits && (Math.abs(x[i] - t[i]) < 0.05 || Math.abs(Math.abs(x[i] - t[i]) - fn.beta()) < 0.05));
            if (weighted) {
                w[i] = rnd.nextDouble() < 0.3 ? 0 : rnd.nextDouble() * 2;
            }
        }
        check(fn, s, x, s, t, w, rnd);
    }

    private static void checkClassIndices(Loss fn, Shape s, long seed) {
        Random rnd = new Random(seed);
        Shape ts = withoutAxis1(s);
        double[] x = GradCheck.random(rnd, s.size());
        double[] t = new double[ts.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = rnd.nextDouble() < 0.25 ? fn.ignoreIndex() : rnd.nextInt(s.dim(1));
        }
        t[0] = 0; // one counted target at least (the ignore indices drawn here are -100 and 1)
        check(fn, s, x, ts, t, null, rnd);
    }

    private static void checkProbabilities(Loss fn, Shape s, long seed) {
        Random rnd = new Random(seed);
        double[] x = GradCheck.random(rnd, s.size());
        double[] t = new double[s.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = rnd.nextDouble(); // unnormalised: the softmax * sum t - t form covers any target
        }
        check(fn, s, x, s, t, null, rnd);
    }

    /** The gradient of the loss (MEAN, SUM) or of sum(dLoss * loss) (NONE) against central differences. */
    private static void check(Loss fn, Shape s, double[] xv, Shape ts, double[] tv, double[] wv, Random rnd) {
        try (RefScratch ref = new RefScratch()) {
            Tensor x = ref.f64(s, xv);
            Tensor t = ref.f64(ts, tv);
            Tensor w = wv == null ? null : ref.f64(s, wv);
            Shape out = fn.outputShape(s);
            Tensor loss = ref.zeros(out);
            Tensor dx = ref.zeros(s);
            double[] up = fn.reduction() == Loss.Reduction.NONE ? GradCheck.random(rnd, out.size()) : null;
            Tensor dLoss = up == null ? null : ref.f64(out, up);
            ref.run(new Loss.Backward(fn, x, t, w, dLoss, dx));
            GradCheck.check(fn.toString(), List.of(x), List.of(dx), () -> {
                ref.run(new Loss.Forward(fn, x, t, w, loss));
                double[] l = loss.toDoubleArray();
                double sum = 0;
                for (int i = 0; i < l.length; i++) {
                    sum += up == null ? l[i] : up[i] * l[i];
                }
                return sum;
            }, rnd, 200);
        }
    }

    private static Shape withoutAxis1(Shape s) {
        int[] d = new int[s.rank() - 1];
        d[0] = s.dim(0);
        for (int i = 2; i < s.rank(); i++) {
            d[i - 1] = s.dim(i);
        }
        return Shape.of(d);
    }

    private record Result(double[] loss, double[] grad) {
    }

    private static Result run(Loss fn, Shape s, double[] x, Shape ts, double[] t, double[] w) {
        try (RefScratch ref = new RefScratch()) {
            Tensor tx = ref.f64(s, x);
            Tensor tt = ref.f64(ts, t);
            Tensor tw = w == null ? null : ref.f64(s, w);
            Tensor loss = ref.zeros(fn.outputShape(s));
            Tensor dx = ref.zeros(s);
            ref.run(new Loss.Forward(fn, tx, tt, tw, loss));
            Tensor up = null;
            if (fn.reduction() == Loss.Reduction.NONE) {
                double[] ones = new double[fn.outputShape(s).size()];
                Arrays.fill(ones, 1);
                up = ref.f64(fn.outputShape(s), ones);
            }
            ref.run(new Loss.Backward(fn, tx, tt, tw, up, dx));
            return new Result(loss.toDoubleArray(), dx.toDoubleArray());
        }
    }

    private static final Shape S23 = Shape.of(2, 3);
    private static final double[] X = {0.5, -1.2, 3.0, -0.3, 2.2, -4.0};
    private static final double[] T = {1, 0, 1, 0, 0.3, 1};
    private static final double[] W = {1, 0, 2, 0.5, 1, 1};

    @Test
    void bceWithLogitsMatchesPyTorch() {
        Result r = run(Loss.bceWithLogits(), S23, X, S23, T, W);
        assertEquals(1.0852770928747266, r.loss()[0], 1e-14);
        assertArrayClose(new double[] {-0.0629234447996909, 0.0, -0.015808624392522213, 0.035463123599028416,
            0.10004158514671913, -0.16366896500631808}, r.grad(), 1e-14);
        Result sum = run(Loss.bceWithLogits().sumOver(1), S23, X, S23, T, null);
        assertEquals(7.003535295246913, sum.loss()[0], 1e-13);
        assertArrayClose(new double[] {-0.3775406687981454, 0.23147521650098238, -0.047425873177566635,
            0.425557483188341, 0.6002495108803148, -0.9820137900379085}, sum.grad(), 1e-14);
        // divided by a count of positives: a third of the sum, and of its gradient
        Result third = run(Loss.bceWithLogits().sumOver(3), S23, X, S23, T, null);
        assertEquals(7.003535295246913 / 3, third.loss()[0], 1e-13);
        assertEquals(-0.9820137900379085 / 3, third.grad()[5], 1e-14);
    }

    @Test
    void sigmoidFocalMatchesTorchvision() {
        Result r = run(Loss.sigmoidFocal(0.25, 2), S23, X, S23, T, null);
        assertEquals(0.2502686067821108, r.loss()[0], 1e-14);
        assertArrayClose(new double[] {-0.005747374889621433, 0.004260699218509801, -1.3119660270344944e-05,
            0.024051054914410275, 0.03395604903983141, -0.045266493878534805}, r.grad(), 1e-14);
        Result s = run(Loss.sigmoidFocal(-1, 0.5).sumOver(1), S23, X, S23, T, null);
        assertEquals(6.108600414235489, s.loss()[0], 1e-13);
        assertArrayClose(new double[] {-0.3226365328560928, 0.16004162240983869, -0.01536780302570128,
            0.3814799321381633, 0.5240474990360142, -1.0089515630479657}, s.grad(), 1e-13);
    }

    @Test
    void smoothL1MatchesPyTorch() {
        Result r = run(Loss.smoothL1(0.5), S23, X, S23, T, null);
        assertEquals(1.5733333333333335, r.loss()[0], 1e-14);
        double sixth = 1.0 / 6;
        assertArrayClose(new double[] {-sixth, -sixth, sixth, -0.09999999999999999, sixth, -sixth}, r.grad(), 1e-15);
        Result l1 = run(Loss.smoothL1(0).sumOver(1), S23, X, S23, T, null);
        assertEquals(10.9, l1.loss()[0], 1e-14);
        assertArrayClose(new double[] {-1, -1, 1, -1, 1, -1}, l1.grad(), 0);
    }

    private static final double[] XC = {1.0, 2.0, 0.5, -1.0, 0.3, 0.2, 0.1, 0.0, -2.0, 1.5, 3.0, 0.25};

    @Test
    void classIndicesMatchPyTorch() {
        Result r = run(Loss.softmaxCrossEntropy(), Shape.of(3, 4), XC, Shape.of(3), new double[] {2, -100, 0},
                null);
        // MEAN over the two targets that are not ignored
        assertEquals(3.6263812032906175, r.loss()[0], 1e-14);
        assertArrayClose(new double[] {0.11210390902410057, 0.30473001879943856, -0.43200554210324726,
            0.015171614279708113, 0, 0, 0, 0, -0.49739605503344686, 0.0862308144429694, 0.38645969861540574,
            0.0247055419750717}, r.grad(), 1e-14);
        Result none = run(Loss.softmaxCrossEntropy().withReduction(Loss.Reduction.NONE), Shape.of(3, 4), XC,
                Shape.of(3), new double[] {2, -100, 0}, null);
        assertArrayClose(new double[] {1.995181898085856, 0.0, 5.257580508495379}, none.loss(), 1e-14);
    }

    /** x[i] = (0.37 i) mod 2.1 - 1 of [2, 3, 2, 2], as the PyTorch script made it. */
    private static double[] pixelLogits() {
        double[] x = new double[24];
        for (int i = 0; i < 24; i++) {
            x[i] = (i * 0.37) % 2.1 - 1.0;
        }
        return x;
    }

    @Test
    void perPixelCrossEntropyMatchesPyTorch() {
        Shape s = Shape.of(2, 3, 2, 2);
        double[] x = pixelLogits();
        Result idx = run(Loss.softmaxCrossEntropy(), s, x, Shape.of(2, 2, 2), new double[] {0, 2, 1, -100, 2, 2, 0, 1},
                null);
        assertEquals(1.4541852455712545, idx.loss()[0], 1e-14);
        assertArrayClose(new double[] {-0.12443847555720422, 0.018418667299938636, 0.03661965982688605, 0.0,
            0.08091220496354497, 0.08091220496354497, -0.12315780054666034, 0.0, 0.043526270593659225,
            -0.09933087226348362, 0.0865381407197743, 0.0, 0.01841866729993863, 0.018418667299938636,
            -0.10623748303025682, 0.07817813310404045, 0.08091220496354497, 0.080912204963545,
            0.019699342310482513, -0.10080165101228819, -0.09933087226348361, -0.09933087226348362,
            0.08653814071977431, 0.022623517908247744}, idx.grad(), 1e-14);
        double[] prob = {0.07769557914857059, 0.16425162762508783, 0.506480391055654, 0.506480391055654,
            0.5740969929676946, 0.09962364806231833, 0.3071958857184984, 0.3071958857184984, 0.3482074278837348,
            0.7361247243125939, 0.1863237232258476, 0.1863237232258476, 0.506480391055654, 0.506480391055654,
            0.506480391055654, 0.07769557914857059, 0.3071958857184984, 0.3071958857184984, 0.3071958857184984,
            0.5740969929676946, 0.1863237232258476, 0.1863237232258476, 0.1863237232258476, 0.3482074278837348};
        Result p = run(Loss.softmaxCrossEntropy().sumOver(1), s, x, s, prob, null);
        assertEquals(10.599534261434702, p.loss()[0], 1e-13);
        assertArrayClose(new double[] {0.05123509195099987, -0.035320956525517366, -0.2501427722674517,
            -0.25014277226745174, -0.007711558222879722, 0.4667617866824965, -0.16930048954512084,
            -0.16930048954512084, -0.043523533728120234, -0.4314408301569793, 0.4194432618125724,
            0.4194432618125724, -0.3775497199560836, -0.37754971995608355, -0.2501427722674518,
            0.4695513525797126, 0.2591895490263164, 0.2591895490263165, -0.1693004895451208, -0.279708550053712,
            0.11836017092976708, 0.11836017092976697, 0.4194432618125725, -0.1898428025260006}, p.grad(), 1e-14);
    }

    @Test
    void focalWithGammaZeroAndNoAlphaIsBceExactly() {
        Random rnd = new Random(5);
        Shape s = Shape.of(6, 7);
        double[] x = new double[s.size()];
        double[] t = new double[s.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = i % 7 == 0 ? (rnd.nextBoolean() ? 1e4 : -1e4) : (rnd.nextDouble() * 2 - 1) * 8;
            t[i] = i % 3 == 0 ? rnd.nextDouble() : rnd.nextInt(2);
        }
        for (Loss.Reduction red : REDUCTIONS) {
            Result focal = run(reduced(Loss.sigmoidFocal(-1, 0), red), s, x, s, t, null);
            Result bce = run(reduced(Loss.bceWithLogits(), red), s, x, s, t, null);
            assertArrayEquals(bce.loss(), focal.loss(), 0, red.toString());
            assertArrayEquals(bce.grad(), focal.grad(), 0, red.toString());
        }
    }

    @Test
    void detectionLossesAreFiniteForLogitsOfMagnitude1e4InFloat32() {
        Shape s = Shape.of(2, 4);
        float[] x = {1e4f, -1e4f, 1e4f, -1e4f, 3e4f, -3e4f, 0, 1e4f};
        float[] t = {1, 0, 0, 1, 1, 1, 0.5f, 0.25f};
        for (Loss fn : List.of(Loss.sigmoidFocal(0.25, 2), Loss.sigmoidFocal(0.25, 0.5), Loss.sigmoidFocal(-1, 0),
                Loss.sigmoidFocal(0.5, 1), Loss.bceWithLogits())) {
            for (Loss.Reduction red : REDUCTIONS) {
                Loss f = reduced(fn, red);
                try (RefScratch ref = new RefScratch()) {
                    Tensor tx = ref.f32(s, x);
                    Tensor tt = ref.f32(s, t);
                    Tensor loss = ref.zeros(f.outputShape(s), DType.FLOAT32);
                    Tensor dx = ref.zeros(s, DType.FLOAT32);
                    Tensor up = null;
                    if (red == Loss.Reduction.NONE) {
                        up = ref.f32(s, 1, 1, 1, 1, 1, 1, 1, 1);
                    }
                    ref.run(new Loss.Forward(f, tx, tt, loss));
                    ref.run(new Loss.Backward(f, tx, tt, null, up, dx));
                    for (float v : loss.toFloatArray()) {
                        assertTrue(Float.isFinite(v), f + " loss " + Arrays.toString(loss.toFloatArray()));
                    }
                    for (float v : dx.toFloatArray()) {
                        assertTrue(Float.isFinite(v), f + " gradient " + Arrays.toString(dx.toFloatArray()));
                    }
                }
            }
        }
        // right with confidence: no loss, no gradient; wrong with confidence: loss |x| (weighted by alpha_t)
        Result r = run(Loss.sigmoidFocal(0.25, 2).withReduction(Loss.Reduction.NONE), Shape.of(2),
                new double[] {1e4, 1e4}, Shape.of(2), new double[] {1, 0}, null);
        assertArrayClose(new double[] {0, 0.75 * 1e4}, r.loss(), 1e-9);
        assertArrayClose(new double[] {0, 0.75}, r.grad(), 1e-12);
    }

    @Test
    void everyTargetIgnoredGivesNaNMeanAndZeroGradient() {
        // PyTorch: F.cross_entropy(x, [-100, -100]) is nan (0 / 0) and x.grad is all zeros
        Result r = run(Loss.softmaxCrossEntropy(), Shape.of(2, 3), new double[] {1, 2, 3, 0.5, -1, 2}, Shape.of(2),
                new double[] {-100, -100}, null);
        assertTrue(Double.isNaN(r.loss()[0]), "loss " + r.loss()[0]);
        assertArrayEquals(new double[6], r.grad(), 0);
        Result sum = run(Loss.softmaxCrossEntropy().sumOver(1), Shape.of(2, 3), new double[] {1, 2, 3, 0.5, -1, 2},
                Shape.of(2), new double[] {-100, -100}, null);
        assertEquals(0, sum.loss()[0], 0);
        assertArrayEquals(new double[6], sum.grad(), 0);
    }

    @Test
    void invalidClassIndicesGiveNaNRows() {
        Loss none = Loss.softmaxCrossEntropy().withReduction(Loss.Reduction.NONE);
        Shape s = Shape.of(5, 3);
        double[] x = new double[15];
        Arrays.fill(x, 0.5);
        // 1 valid, 2.5 not an integer, 3 == C, -1 negative and not ignore_index, -100 ignored
        Result r = run(none, s, x, Shape.of(5), new double[] {1, 2.5, 3, -1, -100}, null);
        assertEquals(Math.log(3), r.loss()[0], 1e-15);
        for (int n = 1; n <= 3; n++) {
            assertTrue(Double.isNaN(r.loss()[n]), "row " + n + ": " + Arrays.toString(r.loss()));
            for (int c = 0; c < 3; c++) {
                assertTrue(Double.isNaN(r.grad()[n * 3 + c]), "gradient row " + n + ": " + Arrays.toString(r.grad()));
            }
        }
        assertEquals(0, r.loss()[4], 0);
        assertArrayEquals(new double[3], Arrays.copyOfRange(r.grad(), 12, 15), 0);
        assertArrayClose(new double[] {1.0 / 3, -2.0 / 3, 1.0 / 3}, Arrays.copyOfRange(r.grad(), 0, 3), 1e-15);
        Result mean = run(Loss.softmaxCrossEntropy(), s, x, Shape.of(5), new double[] {1, 2.5, 0, 0, 0}, null);
        assertTrue(Double.isNaN(mean.loss()[0]));
    }

    @Test
    void weightZeroMasksAnElementOut() {
        // mean counts masked elements (PyTorch's BCE weight): w = (1, 0) halves the unmasked loss
        Result masked = run(Loss.smoothL1(1), Shape.of(2), new double[] {3, 100}, Shape.of(2), new double[] {1, 0},
                new double[] {1, 0});
        assertEquals((2 - 0.5) / 2, masked.loss()[0], 1e-15);
        assertArrayClose(new double[] {0.5, 0}, masked.grad(), 0);
    }
}
