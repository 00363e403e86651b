package org.cnn4j.conformance;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cnn4j.check.TensorCheck;
import org.cnn4j.check.Tolerances;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Activation;
import org.cnn4j.ops.Adam;
import org.cnn4j.ops.Add;
import org.cnn4j.ops.BatchNorm;
import org.cnn4j.ops.Concat;
import org.cnn4j.ops.Conv2d;
import org.cnn4j.ops.Dropout;
import org.cnn4j.ops.L2Penalty;
import org.cnn4j.ops.Linear;
import org.cnn4j.ops.Loss;
import org.cnn4j.ops.Op;
import org.cnn4j.ops.Pool2d;
import org.cnn4j.ops.Scale;
import org.cnn4j.ops.Sgd;
import org.cnn4j.ops.Softmax;
import org.cnn4j.ops.SumAxes;
import org.cnn4j.ops.Upsample;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * NaN, infinities and extreme magnitudes through every operator family. Each case runs on the candidate and on
 * the reference from the same data; the outputs must agree under {@link Tolerances} (NaN exactly where the
 * reference has NaN, the same infinities), and both must show the documented semantics ({@link Expect}): IEEE
 * arithmetic, and PyTorch's choices where it makes one (max pooling and ReLU propagate NaN; softmax,
 * log-softmax and cross-entropy stay finite for finite logits of any magnitude).
 */
public final class ValueCases {
    private static final double NAN = Double.NaN;
    private static final double INF = Double.POSITIVE_INFINITY;

    private ValueCases() {
    }

    /** What the outputs must show besides agreeing with the reference; null when they do. */
    @FunctionalInterface
    public interface Expect {
        String check(Map<String, double[]> out);
    }

    /** One case: a name, the call's builder and the semantics its outputs must show. */
    public record Case(String name, OpCase.Builder builder, Expect expect) {
    }

    /** Every case, in a fixed order. */
    public static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        activations(c);
        pooling(c);
        softmax(c);
        losses(c);
        reductions(c);
        contractions(c);
        rest(c);
        merges(c);
        multiTensorSteps(c);
        return c;
    }

    /** Runs {@code v} on both backends and asserts agreement and semantics. */
    static void check(Backend candidate, Backend reference, Case v) {
        long seed = 20261206L;
        try (CaseContext cc = new CaseContext(candidate, seed); CaseContext rc = new CaseContext(reference, seed)) {
            Op op = v.builder().build(cc);
            Assumptions.assumeTrue(candidate.supports(op), "backend '" + candidate.name() + "' does not support "
                    + op.name());
            Op refOp = v.builder().build(rc);
            reference.execute(refOp);
            candidate.execute(op);
            candidate.synchronize();
            Map<String, double[]> got = new LinkedHashMap<>();
            Map<String, double[]> want = new LinkedHashMap<>();
            List<String> problems = new ArrayList<>();
            Tolerances.Tolerance tol = Tolerances.of(op);
            for (Map.Entry<String, Tensor> e : op.outputs().entrySet()) {
                double[] o = e.getValue().toDoubleArray();
                double[] r = refOp.outputs().get(e.getKey()).toDoubleArray();
                got.put(e.getKey(), o);
                want.put(e.getKey(), r);
                TensorCheck t = TensorCheck.compare(e.getKey(), e.getValue().shape(), o, r, tol);
                if (!t.passed()) {
                    problems.add("differs from the reference: " + t.describe() + "\n    got  " + head(o)
                            + "\n    want " + head(r));
                }
            }
            String refProblem = v.expect().check(want);
            if (refProblem != null) {
                problems.add("the reference breaks the documented semantics: " + refProblem);
            }
            String candProblem = v.expect().check(got);
            if (candProblem != null) {
                problems.add("'" + candidate.name() + "' breaks the documented semantics: " + candProblem);
            }
            if (!problems.isEmpty()) {
                Assertions.fail(op.name() + " " + v.name() + " on '" + candidate.name() + "':\n  "
                        + String.join("\n  ", problems));
            }
        }
    }

    private static String head(double[] v) {
        return Arrays.toString(Arrays.copyOf(v, Math.min(v.length, 30))) + (v.length > 30 ? " ..." : "");
    }

    // ---- expectations -------------------------------------------------------------------------------

    static Expect none() {
        return out -> null;
    }

    /**
     * {@code role}[i] equals {@code value}: NaN matches NaN, infinities and zeros exactly (-0.0 equals 0.0), any
     * other value within 1e-6 relative (OpenCL allows a single-precision division 2.5 ulp).
     */
    static Expect at(String role, int i, double value) {
        return out -> {
            double v = out.get(role)[i];
            boolean ok = Double.isNaN(value) ? Double.isNaN(v)
                    : Double.isInfinite(value) || value == 0 ? v == value
                    : Math.abs(v - value) <= 1e-6 * Math.abs(value);
            return ok ? null : role + "[" + i + "] is " + v + ", expected " + value;
        };
    }

    static Expect allFinite(String role) {
        return out -> {
            double[] v = out.get(role);
            for (int i = 0; i < v.length; i++) {
                if (!Double.isFinite(v[i])) {
                    return role + "[" + i + "] is " + v[i] + ", expected every value finite";
                }
            }
            return null;
        };
    }

    static Expect allOf(Expect... es) {
        return out -> {
            for (Expect e : es) {
                String p = e.check(out);
                if (p != null) {
                    return p;
                }
            }
            return null;
        };
    }

    static Expect rowsSumToOne(String role, int rows, int cols) {
        return out -> {
            double[] v = out.get(role);
            for (int r = 0; r < rows; r++) {
                double s = 0;
                for (int c = 0; c < cols; c++) {
                    s += v[r * cols + c];
                }
                if (Math.abs(s - 1) > 1e-5) {
                    return role + " row " + r + " sums to " + s + ", expected 1";
                }
            }
            return null;
        };
    }

    // ---- cases --------------------------------------------------------------------------------------

    /** NaN, +inf, -inf, 0, -0, +-1.5, +-1e30, 3e38. */
    static final double[] SPECIAL = {NAN, INF, -INF, 0, -0.0, 1.5, -1.5, 1e30, -1e30, 3e38};

    private static void activations(List<Case> c) {
        Shape s = Shape.of(2, 5);
        record A(Activation act, double atInf, double atMinusInf) { }
        for (A a : List.of(new A(Activation.relu(), INF, 0), new A(Activation.leakyRelu(0.1), INF, -INF),
                new A(Activation.elu(1.0), INF, -1), new A(Activation.sigmoid(), 1, 0),
                new A(Activation.tanh(), 1, -1))) {
            c.add(new Case(a.act().kind() + " of NaN, +-inf, +-0, +-1e30", ctx -> new Activation.Forward(a.act(),
                    ctx.input("x", s, SPECIAL), ctx.output("y", s)),
                    allOf(at("y", 0, NAN), at("y", 1, a.atInf()), at("y", 2, a.atMinusInf()))));
            c.add(new Case(a.act().kind() + " backward with NaN and inf in dy", ctx -> {
                Tensor x = ctx.input("x", s, new double[] {-2, -1, 0.5, 1, 2, -0.5, 3, -3, 0.25, 4});
                Tensor y = ctx.output("y0", s);
                ctx.backend().execute(new Activation.Forward(a.act(), x, y));
                return new Activation.Backward(a.act(), x, y,
                        ctx.input("dy", s, new double[] {NAN, 1, INF, -INF, 1, 1, NAN, 2, 1e30, -1}),
                        ctx.output("dx", s));
            }, none()));
        }
    }

    private static void pooling(List<Case> c) {
        Shape x = Shape.of(1, 2, 4, 4);
        double[] v = new double[32];
        for (int i = 0; i < 32; i++) {
            v[i] = i % 7 - 3;
        }
        v[1] = NAN;                 // channel 0, window (0, 0) of a 2x2/2 pooling
        v[10] = INF;                // channel 0, window (1, 1)
        v[11] = -INF;
        for (int i : new int[] {16, 17, 20, 21}) {
            v[i] = -INF;            // channel 1, window (0, 0) all -inf
        }
        v[26] = NAN;                // channel 1, window (1, 1) NaN beside +inf
        v[27] = INF;
        Shape y = Shape.of(1, 2, 2, 2);
        c.add(new Case("max 2x2/2: NaN propagates, +inf wins, a window of -inf is -inf",
                ctx -> new Pool2d.Forward(Pool2d.max(2, 2), ctx.input("x", x, v), ctx.output("y", y)),
                allOf(at("y", 0, NAN), at("y", 3, INF), at("y", 4, -INF), at("y", 7, NAN))));
        c.add(new Case("max 3x3/1 padded: NaN propagates to every window holding it",
                ctx -> new Pool2d.Forward(Pool2d.max(3, 1).withPadding(org.cnn4j.core.Size2d.of(1)),
                        ctx.input("x", x, v), ctx.output("y", x)),
                allOf(at("y", 0, NAN), at("y", 4, NAN), at("y", 5, NAN), at("y", 6, NAN))));
        c.add(new Case("max backward: the gradient goes to the NaN, as PyTorch's argmax (isnan wins)",
                ctx -> new Pool2d.Backward(Pool2d.max(2, 2), ctx.input("x", x, v),
                        ctx.input("dy", y, Dist.constant(1)), ctx.output("dx", x)),
                allOf(at("dx", 1, 1), at("dx", 0, 0), at("dx", 4, 0), at("dx", 5, 0), at("dx", 26, 1),
                        at("dx", 27, 0), at("dx", 10, 1))));
        c.add(new Case("avg 2x2/2: inf and -inf make NaN, inf alone stays inf",
                ctx -> new Pool2d.Forward(Pool2d.avg(2, 2), ctx.input("x", x, v), ctx.output("y", y)),
                allOf(at("y", 0, NAN), at("y", 3, NAN), at("y", 4, -INF), at("y", 7, NAN))));
        c.add(new Case("avg backward with inf in dy",
                ctx -> new Pool2d.Backward(Pool2d.avg(2, 2), ctx.input("x", x, v),
                        ctx.input("dy", y, new double[] {INF, 1, -INF, 2, NAN, 0, 1, 1}), ctx.output("dx", x)),
                allOf(at("dx", 0, INF), at("dx", 5, INF), at("dx", 16, NAN))));
        // dilation 2: window (0, 0) reads x[0, 2, 8, 10] (+inf at 10), window (0, 1) x[1, 3, 9, 11] (NaN at 1)
        Pool2d dilated = Pool2d.max(2, 1).withDilation(org.cnn4j.core.Size2d.of(2));
        c.add(new Case("max 2x2/1 dilation 2: NaN propagates, +inf wins over the dilated taps",
                ctx -> new Pool2d.Forward(dilated, ctx.input("x", x, v), ctx.output("y", y)),
                allOf(at("y", 0, INF), at("y", 1, NAN))));
        c.add(new Case("max backward dilation 2: the gradient goes to the NaN and to +inf, never between taps",
                ctx -> new Pool2d.Backward(dilated, ctx.input("x", x, v), ctx.input("dy", y, Dist.constant(1)),
                        ctx.output("dx", x)),
                allOf(at("dx", 10, 1), at("dx", 1, 1), at("dx", 0, 0), at("dx", 2, 0), at("dx", 11, 0))));
    }

    /** Rows of 6 logits: magnitude 1e4; 1e4 plus small offsets; -1e4 plus offsets; one NaN; one +inf. */
    static final double[] LOGITS = {
        1e4, -1e4, 0, 5e3, -5e3, 9999,
        1e4 + 0.5, 1e4 - 1, 1e4 + 2, 1e4, 1e4 - 0.25, 1e4 + 1.75,
        -1e4 + 0.5, -1e4 - 1, -1e4 + 2, -1e4, -1e4 - 0.25, -1e4 + 1.75,
        3e4, 2e4, -3e4, 2.5e4, 3e4 - 3, 1,
        NAN, 1, 2, 3, 4, 5,
        INF, 1, 2, 3, 4, 5};

    private static void softmax(List<Case> c) {
        Shape s = Shape.of(6, 6);
        c.add(new Case("softmax of logits up to 3e4, a NaN row and an inf row", ctx -> new Softmax.Forward(
                Softmax.softmax(), ctx.input("x", s, LOGITS), ctx.output("y", s)), allOf(
                        finiteRows("y", 4, 6), rowsSumToOne("y", 4, 6), at("y", 24, NAN), at("y", 30, NAN))));
        c.add(new Case("log-softmax of logits up to 3e4, a NaN row and an inf row", ctx -> new Softmax.Forward(
                Softmax.logSoftmax(), ctx.input("x", s, LOGITS), ctx.output("y", s)), allOf(
                        finiteRows("y", 4, 6), at("y", 24, NAN), at("y", 30, NAN))));
        for (Softmax sm : List.of(Softmax.logSoftmax(), Softmax.softmax())) {
            c.add(new Case((sm.log() ? "log-softmax" : "softmax") + " backward of logits near 1e4", ctx -> {
                Shape r = Shape.of(4, 6);
                Tensor y = ctx.output("y0", r);
                ctx.backend().execute(new Softmax.Forward(sm, ctx.input("x", r, Arrays.copyOf(LOGITS, 24)), y));
                return new Softmax.Backward(sm, y, ctx.input("dy", r, Dist.symmetric()), ctx.output("dx", r));
            }, allFinite("dx")));
        }
        // [1, 6, 2, 3]: pixel p holds LOGITS' row p over the six channels (x[c*6 + p] = LOGITS[p*6 + c]); pixel 4
        // has a NaN channel, pixel 5 a +inf one: their distributions are NaN, the other pixels finite
        Shape img = Shape.of(1, 6, 2, 3);
        double[] pixels = new double[36];
        for (int p = 0; p < 6; p++) {
            for (int ch = 0; ch < 6; ch++) {
                pixels[ch * 6 + p] = LOGITS[p * 6 + ch];
            }
        }
        for (Softmax sm : List.of(Softmax.softmax(), Softmax.logSoftmax())) {
            c.add(new Case((sm.log() ? "log-softmax" : "softmax") + " over the channels of [1, 6, 2, 3]: a NaN"
                    + " or +inf channel poisons its own pixel only", ctx -> new Softmax.Forward(sm,
                            ctx.input("x", img, pixels), ctx.output("y", img)), out -> {
                                double[] v = out.get("y");
                                for (int i = 0; i < 36; i++) {
                                    boolean poisoned = i % 6 >= 4;
                                    if (poisoned != Double.isNaN(v[i]) || !poisoned && !Double.isFinite(v[i])) {
                                        return "y[" + i + "] (pixel " + i % 6 + ") is " + v[i];
                                    }
                                }
                                return null;
                            }));
        }
    }

    static Expect finiteRows(String role, int rows, int cols) {
        return out -> {
            double[] v = out.get(role);
            for (int i = 0; i < rows * cols; i++) {
                if (!Double.isFinite(v[i])) {
                    return role + "[" + i + "] is " + v[i] + " for finite logits";
                }
            }
            return null;
        };
    }

    private static void losses(List<Case> c) {
        Shape s = Shape.of(4, 6);
        double[] logits = Arrays.copyOf(LOGITS, 24);
        double[] target = new double[24];
        for (int r = 0; r < 4; r++) {
            target[r * 6 + (r * 5 + 1) % 6] = 1; // rows 0 and 3 target a very unlikely class
        }
        c.add(new Case("cross-entropy of logits up to 3e4", ctx -> new Loss.Forward(Loss.softmaxCrossEntropy(),
                ctx.input("input", s, logits), ctx.input("target", s, target), ctx.output("loss", Shape.scalar())),
                allFinite("loss")));
        c.add(new Case("cross-entropy gradient of logits up to 3e4", ctx -> new Loss.Backward(
                Loss.softmaxCrossEntropy(), ctx.input("input", s, logits), ctx.input("target", s, target),
                ctx.output("dInput", s)), allFinite("dInput")));
        Shape v = Shape.of(2, 3);
        c.add(new Case("cross-entropy with a NaN logit is NaN", ctx -> new Loss.Forward(Loss.softmaxCrossEntropy(),
                ctx.input("input", v, new double[] {1, NAN, 2, 0, 1, 2}),
                ctx.input("target", v, new double[] {1, 0, 0, 0, 0, 1}), ctx.output("loss", Shape.scalar())),
                at("loss", 0, NAN)));
        c.add(new Case("MSE with an infinite input is inf", ctx -> new Loss.Forward(Loss.mse(),
                ctx.input("input", v, new double[] {1, INF, 2, 0, 1, 2}),
                ctx.input("target", v, new double[] {1, 0, 0, 0, 0, 1}), ctx.output("loss", Shape.scalar())),
                at("loss", 0, INF)));
        c.add(new Case("MAE with -inf and NaN is NaN", ctx -> new Loss.Forward(Loss.mae(),
                ctx.input("input", v, new double[] {1, -INF, 2, NAN, 1, 2}),
                ctx.input("target", v, new double[] {1, 0, 0, 0, 0, 1}), ctx.output("loss", Shape.scalar())),
                at("loss", 0, NAN)));
        double[] bits = {1, 0, 0, 1, 1, 0};
        for (Loss fn : List.of(Loss.sigmoidFocal(0.25, 2), Loss.sigmoidFocal(0.25, 0.5), Loss.bceWithLogits())) {
            c.add(new Case(fn + " of logits up to 3e4 is finite", ctx -> new Loss.Forward(fn,
                    ctx.input("input", v, new double[] {3e4, -3e4, 3e4, -3e4, 1e4, -1e4}), ctx.input("target", v, bits),
                    ctx.output("loss", Shape.scalar())), allFinite("loss")));
            c.add(new Case(fn + " gradient of logits up to 3e4 is finite", ctx -> new Loss.Backward(fn,
                    ctx.input("input", v, new double[] {3e4, -3e4, 3e4, -3e4, 1e4, -1e4}), ctx.input("target", v, bits),
                    ctx.output("dInput", v)), allFinite("dInput")));
        }
        Loss focalNone = Loss.sigmoidFocal(0.25, 2).withReduction(Loss.Reduction.NONE);
        c.add(new Case("focal with a NaN logit, NONE: NaN there, finite elsewhere", ctx -> new Loss.Forward(focalNone,
                ctx.input("input", v, new double[] {1, NAN, 2, 0, 1, 2}), ctx.input("target", v, bits),
                ctx.output("loss", v)), allOf(at("loss", 1, NAN), allFiniteAt("loss", 0), allFiniteAt("loss", 5))));
        c.add(new Case("BCE with a NaN logit is NaN", ctx -> new Loss.Forward(Loss.bceWithLogits(),
                ctx.input("input", v, new double[] {1, NAN, 2, 0, 1, 2}), ctx.input("target", v, bits),
                ctx.output("loss", Shape.scalar())), at("loss", 0, NAN)));
        c.add(new Case("smooth L1 with an infinite input is inf", ctx -> new Loss.Forward(Loss.smoothL1(1),
                ctx.input("input", v, new double[] {1, INF, 2, 0, 1, 2}), ctx.input("target", v, bits),
                ctx.output("loss", Shape.scalar())), at("loss", 0, INF)));
        c.add(new Case("class-index cross-entropy with an invalid index is NaN", ctx -> new Loss.Forward(
                Loss.softmaxCrossEntropy(), ctx.input("input", v, new double[] {1, 2, 3, 0, 1, 2}),
                ctx.input("target", Shape.of(2), new double[] {0, 3}), ctx.output("loss", Shape.scalar())),
                at("loss", 0, NAN)));
        c.add(new Case("class-index cross-entropy with every target ignored: mean NaN", ctx -> new Loss.Forward(
                Loss.softmaxCrossEntropy(), ctx.input("input", v, new double[] {1, 2, 3, 0, 1, 2}),
                ctx.input("target", Shape.of(2), new double[] {-100, -100}), ctx.output("loss", Shape.scalar())),
                at("loss", 0, NAN)));
    }

    private static void reductions(List<Case> c) {
        Shape s = Shape.of(4, 300);
        c.add(new Case("sum over 300 values with +inf, with +inf and -inf, with NaN, and finite",
                ctx -> new SumAxes.Run(SumAxes.of(1), ctx.input("x", s, sumRows()), ctx.output("y", Shape.of(4))),
                allOf(at("y", 0, INF), at("y", 1, NAN), at("y", 2, NAN), allFiniteAt("y", 3))));
        c.add(new Case("sum over axis 0 with -inf", ctx -> new SumAxes.Run(SumAxes.of(0),
                ctx.input("x", Shape.of(300, 2), transpose(sumRows(), 4, 300, 2)), ctx.output("y", Shape.of(2))),
                allOf(at("y", 0, INF), at("y", 1, NAN))));
        c.add(new Case("L2 penalty of an infinite weight is inf", ctx -> new L2Penalty.Forward(new L2Penalty(1e-3),
                ctx.input("weight", Shape.of(3, 100), withAt(Dist.symmetric(), 7, INF)),
                ctx.output("loss", Shape.scalar())), at("loss", 0, INF)));
        Shape x = Shape.of(3, 2, 3, 3);
        c.add(new Case("batch norm (training) with NaN in channel 0: channel 1 stays finite", ctx -> {
            Shape ch = Shape.of(2);
            return new BatchNorm.ForwardTraining(BatchNorm.defaults(), ctx.input("x", x, withAt(Dist.symmetric(), 4,
                    NAN)), ctx.input("gamma", ch, Dist.constant(1)), ctx.input("beta", ch, Dist.constant(0)),
                    ctx.inOut("runningMean", ch, Dist.constant(0)), ctx.inOut("runningVar", ch, Dist.constant(1)),
                    ctx.output("y", x), ctx.output("savedMean", ch), ctx.output("savedInvStd", ch));
        }, allOf(at("y", 0, NAN), at("savedMean", 0, NAN), allFiniteChannel("y", 1, 2, 9))));
    }

    private static Expect allFiniteAt(String role, int i) {
        return out -> Double.isFinite(out.get(role)[i]) ? null : role + "[" + i + "] is " + out.get(role)[i];
    }

    private static Expect allFiniteChannel(String role, int channel, int channels, int inner) {
        return out -> {
            double[] v = out.get(role);
            for (int i = 0; i < v.length; i++) {
                if ((i / inner) % channels == channel && !Double.isFinite(v[i])) {
                    return role + "[" + i + "] (channel " + channel + ") is " + v[i];
                }
            }
            return null;
        };
    }

    /** Row 0: +inf among finite values; row 1: +inf and -inf; row 2: NaN; row 3: finite. */
    private static double[] sumRows() {
        double[] v = new double[4 * 300];
        for (int i = 0; i < v.length; i++) {
            v[i] = ((i * 37) % 11) - 5;
        }
        v[17] = INF;
        v[300 + 5] = INF;
        v[300 + 290] = -INF;
        v[600 + 123] = NAN;
        return v;
    }

    private static double[] transpose(double[] rows, int take, int n, int cols) {
        // columns: column 0 is row 0 (+inf), column 1 is row 1 (+inf and -inf)
        double[] out = new double[n * cols];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] = rows[j * n + i];
            }
        }
        return out;
    }

    private static Dist withAt(Dist base, int index, double value) {
        return (out, shape, r) -> {
            base.fill(out, shape, r);
            out[index] = value;
        };
    }

    private static void contractions(List<Case> c) {
        Shape x = Shape.of(1, 2, 5, 5);
        Shape w = Shape.of(3, 2, 3, 3);
        c.add(new Case("convolution with a NaN input: NaN exactly in the windows over it",
                ctx -> new Conv2d.Forward(Conv2d.of(1, 0), ctx.input("x", x, withAt(Dist.symmetric(), 0, NAN)),
                        ctx.input("weight", w, Dist.symmetric()), null, ctx.output("y", Shape.of(1, 3, 3, 3))),
                allOf(at("y", 0, NAN), allFiniteAt("y", 1), allFiniteAt("y", 4))));
        c.add(new Case("convolution with an infinite input, padded",
                ctx -> new Conv2d.Forward(Conv2d.of(1, 1), ctx.input("x", x, withAt(Dist.uniform(0.5, 1), 12, INF)),
                        ctx.input("weight", w, Dist.uniform(0.5, 1)), null, ctx.output("y", Shape.of(1, 3, 5, 5))),
                allOf(at("y", 12, INF), allFiniteAt("y", 0))));
        c.add(new Case("convolution with a NaN weight that reads only padding at the corner",
                ctx -> new Conv2d.Forward(Conv2d.of(1, 1), ctx.input("x", x, Dist.symmetric()),
                        ctx.input("weight", w, withAt(Dist.symmetric(), 0, NAN)), null,
                        ctx.output("y", Shape.of(1, 3, 5, 5))),
                allOf(at("y", 0, NAN), at("y", 24, NAN), allFiniteAt("y", 25))));
        c.add(new Case("convolution backward filter with NaN in dy, padded",
                ctx -> new Conv2d.BackwardFilter(Conv2d.of(1, 1), ctx.input("x", x, Dist.symmetric()),
                        ctx.input("dy", Shape.of(1, 3, 5, 5), withAt(Dist.symmetric(), 0, NAN)),
                        ctx.output("dWeight", w), ctx.output("dBias", Shape.of(3))),
                allOf(at("dWeight", 0, NAN), at("dWeight", 8, NAN), at("dBias", 0, NAN), allFiniteAt("dBias", 1))));
        c.add(new Case("convolution backward data with inf in dy",
                ctx -> new Conv2d.BackwardData(Conv2d.of(1, 0), ctx.input("dy", Shape.of(1, 3, 3, 3),
                        withAt(Dist.uniform(0.5, 1), 0, INF)), ctx.input("weight", w, Dist.uniform(0.5, 1)),
                        ctx.output("dx", x)), allOf(at("dx", 0, INF), allFiniteAt("dx", 24))));
        c.add(new Case("convolution whose corner windows read only padding: y is the bias there",
                ctx -> new Conv2d.Forward(Conv2d.of(2, 3), ctx.input("x", Shape.of(2, 3, 4, 5), Dist.symmetric()),
                        ctx.input("weight", Shape.of(2, 3, 2, 2), Dist.symmetric()),
                        ctx.input("bias", Shape.of(2), new double[] {0.25, -0.5}),
                        ctx.output("y", Shape.of(2, 2, 5, 5))),
                allOf(at("y", 0, 0.25), at("y", 24, 0.25), at("y", 25, -0.5), at("y", 99, -0.5))));
        c.add(new Case("linear with a NaN in row 0 of x: row 1 stays finite",
                ctx -> new Linear.Forward(ctx.input("x", Shape.of(2, 40), withAt(Dist.symmetric(), 3, NAN)),
                        ctx.input("weight", Shape.of(5, 40), Dist.symmetric()), ctx.input("bias", Shape.of(5),
                                Dist.symmetric()), ctx.output("y", Shape.of(2, 5))),
                allOf(at("y", 0, NAN), at("y", 4, NAN), allFiniteAt("y", 5), allFiniteAt("y", 9))));
    }

    /** NaN stays NaN, inf is inf (kept) or NaN (dropped: inf * 0), a finite value is 0 or scaled. */
    private static Expect dropoutKeepsNaN(String role, double[] x) {
        return out -> {
            double[] y = out.get(role);
            for (int i = 0; i < x.length; i++) {
                boolean ok = Double.isNaN(x[i]) ? Double.isNaN(y[i])
                        : Double.isInfinite(x[i]) ? y[i] == x[i] || Double.isNaN(y[i])
                        : y[i] == 0 || y[i] == x[i] * 2;
                if (!ok) {
                    return role + "[" + i + "] is " + y[i] + " for input " + x[i]
                            + " (dropout multiplies a dropped element by 0, as PyTorch)";
                }
            }
            return null;
        };
    }

    private static void rest(List<Case> c) {
        Shape s = Shape.of(4, 64);
        double[] x = new double[256];
        for (int i = 0; i < 256; i++) {
            x[i] = i % 3 == 0 ? NAN : i % 3 == 1 ? INF : 1.5;
        }
        c.add(new Case("dropout p=0.5 of NaN and inf: never hidden by the mask", ctx -> new Dropout.Forward(
                new Dropout(0.5, 42), ctx.input("x", s, x), ctx.output("y", s)), dropoutKeepsNaN("y", x)));
        c.add(new Case("dropout backward of NaN and inf: never hidden by the mask", ctx -> new Dropout.Backward(
                new Dropout(0.5, 42), ctx.input("dy", s, x), ctx.output("dx", s)), dropoutKeepsNaN("dx", x)));
        Shape v = Shape.of(2, 3);
        c.add(new Case("add: inf + -inf is NaN", ctx -> new Add.Run(Add.sum(),
                ctx.input("a", v, new double[] {INF, 1, NAN, -INF, 3e38, 0}),
                ctx.input("b", v, new double[] {-INF, INF, 1, -1, 3e38, -0.0}), ctx.output("out", v)),
                allOf(at("out", 0, NAN), at("out", 1, INF), at("out", 2, NAN), at("out", 4, INF))));
        c.add(new Case("scale by 0 of inf is NaN", ctx -> new Scale.Run(new Scale(0),
                ctx.input("x", v, new double[] {INF, 1, NAN, -INF, 3e38, 0}), ctx.output("out", v)),
                allOf(at("out", 0, NAN), at("out", 1, 0), at("out", 2, NAN))));
        c.add(new Case("SGD with momentum: a NaN gradient poisons its element only", ctx -> new Sgd.Step(
                new Sgd(0.1, 0.9, 1e-4, false), ctx.inOut("param", v, Dist.symmetric()),
                ctx.input("grad", v, new double[] {NAN, 1, INF, 0, -1, 0.5}),
                ctx.inOut("momentumBuffer", v, Dist.symmetric())),
                allOf(at("param", 0, NAN), at("param", 2, -INF), allFiniteAt("param", 1), allFiniteAt("param", 5))));
        c.add(new Case("Adam: a NaN gradient poisons its element only", ctx -> new Adam.Step(
                Adam.defaults(1e-3, 3), ctx.inOut("param", v, Dist.symmetric()),
                ctx.input("grad", v, new double[] {NAN, 1, INF, 0, -1, 0.5}),
                ctx.inOut("expAvg", v, Dist.symmetric()), ctx.inOut("expAvgSq", v, Dist.uniform(0, 1))),
                allOf(at("param", 0, NAN), allFiniteAt("param", 1), at("param", 2, NAN),
                        allFiniteAt("param", 5))));
    }

    /** {@code role}[i] is exactly -0.0 (its sign bit set), as a copy must keep it. */
    static Expect negativeZeroAt(String role, int i) {
        return out -> Double.doubleToRawLongBits(out.get(role)[i]) == Double.doubleToRawLongBits(-0.0) ? null
                : role + "[" + i + "] is " + out.get(role)[i] + ", expected -0.0";
    }

    /** Upsampling and concatenation copy NaN, infinities and signed zeros unchanged; the backward sums IEEE. */
    private static void merges(List<Case> c) {
        Shape x = Shape.of(1, 1, 2, 2);
        Shape y = Shape.of(1, 1, 4, 4);
        c.add(new Case("upsample 2x copies NaN, +-inf and -0.0", ctx -> new Upsample.Forward(Upsample.nearest(2),
                ctx.input("x", x, new double[] {NAN, INF, -INF, -0.0}), ctx.output("y", y)),
                allOf(at("y", 0, NAN), at("y", 5, NAN), at("y", 2, INF), at("y", 7, INF), at("y", 8, -INF),
                        at("y", 13, -INF), negativeZeroAt("y", 10), negativeZeroAt("y", 15))));
        double[] dy = new double[16];
        dy[0] = INF;                // cell (0, 0): inf + 1 + 1 + 1
        dy[1] = 1;
        dy[4] = 1;
        dy[5] = 1;
        dy[2] = INF;                // cell (0, 1): inf and -inf
        dy[7] = -INF;
        dy[8] = NAN;                // cell (1, 0): NaN
        dy[10] = -0.0;              // cell (1, 1): negative zeros summed from +0 (as PyTorch's zeroed grad)
        dy[11] = -0.0;
        dy[14] = -0.0;
        dy[15] = -0.0;
        c.add(new Case("upsample backward: inf sums to inf, inf - inf and NaN to NaN, zeros to 0",
                ctx -> new Upsample.Backward(Upsample.nearest(2), ctx.input("dy", y, dy), ctx.output("dx", x)),
                allOf(at("dx", 0, INF), at("dx", 1, NAN), at("dx", 2, NAN), at("dx", 3, 0))));
        c.add(new Case("concat copies NaN, +-inf, -0.0 and 3e38", ctx -> new Concat.Forward(new Concat(0),
                List.of(ctx.input("x0", Shape.of(2), new double[] {NAN, -0.0}),
                        ctx.input("x1", Shape.of(3), new double[] {INF, -INF, 3e38})), ctx.output("out", Shape.of(5))),
                allOf(at("out", 0, NAN), negativeZeroAt("out", 1), at("out", 2, INF), at("out", 3, -INF),
                        at("out", 4, (float) 3e38))));
        c.add(new Case("concat backward splits NaN and -0.0 unchanged", ctx -> new Concat.Backward(new Concat(1),
                ctx.input("dOut", Shape.of(1, 3), new double[] {NAN, -0.0, INF}),
                List.of(ctx.output("dx0", Shape.of(1, 1)), ctx.output("dx1", Shape.of(1, 2)))),
                allOf(at("dx0", 0, NAN), negativeZeroAt("dx1", 0), at("dx1", 1, INF))));
    }

    /**
     * The multi-tensor steps keep the single step's IEEE behaviour per tensor: a NaN or infinite gradient in one
     * tensor poisons its own elements only, never the elements of the other tensors of the launch.
     */
    private static void multiTensorSteps(List<Case> c) {
        Shape v = Shape.of(2, 3);
        Shape w = Shape.of(4);
        c.add(new Case("Adam.Steps: a NaN gradient in the second tensor poisons its element only", ctx ->
                new Adam.Steps(Adam.defaults(1e-3, 3), List.of(ctx.inOut("params[0]", v, Dist.symmetric()),
                        ctx.inOut("params[1]", w, Dist.symmetric())), List.of(ctx.input("grads[0]", v,
                        Dist.symmetric()), ctx.input("grads[1]", w, new double[] {1, NAN, INF, 0.5})),
                        List.of(ctx.inOut("expAvgs[0]", v, Dist.symmetric()), ctx.inOut("expAvgs[1]", w,
                                Dist.symmetric())), List.of(ctx.inOut("expAvgSqs[0]", v, Dist.uniform(0, 1)),
                                ctx.inOut("expAvgSqs[1]", w, Dist.uniform(0, 1)))),
                allOf(allFiniteAt("params[0]", 0), allFiniteAt("params[0]", 5), allFiniteAt("params[1]", 0),
                        at("params[1]", 1, NAN), at("params[1]", 2, NAN), allFiniteAt("params[1]", 3))));
        c.add(new Case("Sgd.Steps with momentum: an infinite gradient in the first tensor stays in it", ctx ->
                new Sgd.Steps(new Sgd(0.1, 0.9, 1e-4, false), List.of(ctx.inOut("params[0]", w, Dist.symmetric()),
                        ctx.inOut("params[1]", v, Dist.symmetric())), List.of(ctx.input("grads[0]", w,
                        new double[] {INF, 1, NAN, 0}), ctx.input("grads[1]", v, Dist.symmetric())),
                        List.of(ctx.inOut("momentumBuffers[0]", w, Dist.symmetric()),
                                ctx.inOut("momentumBuffers[1]", v, Dist.symmetric()))),
                allOf(at("params[0]", 0, -INF), allFiniteAt("params[0]", 1), at("params[0]", 2, NAN),
                        allFiniteAt("params[1]", 0), allFiniteAt("params[1]", 5))));
    }
}
