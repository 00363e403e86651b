package org.cnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.cnn4j.backend.reference.ReferenceBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Size2d;
import org.cnn4j.core.Tensor;
import org.cnn4j.core.UnsupportedOpException;
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
import org.cnn4j.ops.Op;
import org.cnn4j.ops.Pool2d;
import org.cnn4j.ops.Prelu;
import org.cnn4j.ops.RmsProp;
import org.cnn4j.ops.Scale;
import org.cnn4j.ops.Sgd;
import org.cnn4j.ops.Softmax;
import org.cnn4j.ops.SumAxes;
import org.cnn4j.ops.Upsample;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every operator of the cpu backend against the reference on seeded random inputs: outputs poisoned with NaN
 * first, compared element by element with {@code |cpu - ref| <= atol + rtol * |ref|}, on the vector and the
 * scalar kernel, on one and on two threads (the split loops), with shapes large enough to split.
 */
class CpuParityTest {
    private static final double RTOL = 2e-4;
    private static final double ATOL = 2e-5;

    /** The operands of one case on both backends: index 0 reference, 1 cpu. */
    private static final class Twins implements AutoCloseable {
        final Backend[] be;
        final SplittableRandom rnd;
        final List<Tensor[]> outputs = new ArrayList<>();
        final List<String> names = new ArrayList<>();
        final List<Tensor> all = new ArrayList<>();

        Twins(CpuBackend.Config cfg, long seed) {
            be = new Backend[] {new ReferenceBackend(), new CpuBackend(cfg)};
            rnd = new SplittableRandom(seed);
        }

        Tensor[] of(Shape s, float[] data) {
            Tensor[] t = {be[0].fromArray(s, data), be[1].fromArray(s, data)};
            all.add(t[0]);
            all.add(t[1]);
            return t;
        }

        /** Uniform in [lo, hi). */
        Tensor[] rand(Shape s, double lo, double hi) {
            float[] d = new float[s.size()];
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
            }
            return of(s, d);
        }

        Tensor[] rand(Shape s) {
            return rand(s, -1, 1);
        }

        /** An output, poisoned with NaN. */
        Tensor[] out(String name, Shape s) {
            float[] d = new float[s.size()];
            Arrays.fill(d, Float.NaN);
            Tensor[] t = of(s, d);
            outputs.add(t);
            names.add(name);
            return t;
        }

        /** An in-place operand (read and written), compared afterwards. */
        Tensor[] inout(String name, Tensor[] t) {
            outputs.add(t);
            names.add(name);
            return t;
        }

        /** One-hot rows [N, C]. */
        Tensor[] oneHot(int n, int c) {
            float[] d = new float[n * c];
            for (int i = 0; i < n; i++) {
                d[i * c + rnd.nextInt(c)] = 1;
            }
            return of(Shape.of(n, c), d);
        }

        void run(Function<Integer, Op> op) {
            try {
                be[0].execute(op.apply(0));
            } catch (UnsupportedOpException e) {
                Assumptions.abort("the reference does not implement this yet: " + e.getMessage());
            }
            be[1].execute(op.apply(1));
            for (int o = 0; o < outputs.size(); o++) {
                float[] want = outputs.get(o)[0].toFloatArray();
                float[] got = outputs.get(o)[1].toFloatArray();
                for (int i = 0; i < want.length; i++) {
                    double tol = ATOL + RTOL * Math.abs(want[i]);
                    boolean ok = Float.isNaN(want[i]) ? Float.isNaN(got[i])
                            : Math.abs(got[i] - want[i]) <= tol || got[i] == want[i];
                    if (!ok) {
                        fail(names.get(o) + "[" + i + "] of " + want.length + ": cpu " + got[i] + ", reference "
                                + want[i] + " (tolerance " + tol + ")");
                    }
                }
            }
        }

        @Override
        public void close() {
            for (Tensor t : all) {
                t.close();
            }
            assertEquals(0, be[1].liveTensors());
            be[0].close();
            be[1].close();
        }
    }

    /** A named case: builds its operands in a {@link Twins} and runs. */
    private record Case(String name, java.util.function.Consumer<Twins> body) {
    }

    private static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        // ---- convolution: forward, backward data, backward filter
        record ConvShape(int n, int ch, int h, int w, int k, int kh, int kw, Conv2d conv, boolean bias) {
        }
        List<ConvShape> convs = List.of(
                new ConvShape(2, 3, 9, 11, 5, 3, 3, Conv2d.of(1, 1), true),
                new ConvShape(3, 4, 13, 10, 6, 5, 3, new Conv2d(Size2d.of(2, 3), Size2d.of(2, 1), Size2d.of(1), 2),
                        true),
                new ConvShape(2, 6, 12, 12, 9, 3, 3, new Conv2d(Size2d.of(1), Size2d.of(2), Size2d.of(2, 3), 3),
                        false),
                new ConvShape(4, 8, 7, 7, 16, 1, 1, Conv2d.of(1, 0), true),
                new ConvShape(1, 5, 6, 6, 4, 1, 1, Conv2d.of(2, 0), true),
                new ConvShape(1, 3, 5, 5, 2, 5, 5, Conv2d.of(1, 0), true),
                new ConvShape(2, 3, 4, 4, 2, 2, 2, Conv2d.of(5, 1), false),
                new ConvShape(8, 16, 16, 16, 32, 3, 3, Conv2d.of(1, 1), true),
                new ConvShape(1, 32, 20, 20, 48, 3, 3, Conv2d.of(1, 1), true),
                new ConvShape(2, 3, 35, 35, 24, 11, 11, new Conv2d(Size2d.of(4), Size2d.of(2), Size2d.of(1), 1),
                        true),
                // the weight gradient by dot products (Conv2dCpu.dotsPay): LeNet-5's layers, a pointwise one with
                // rows of exactly two vectors, and a grouped one with an odd channel count per group
                new ConvShape(9, 1, 28, 28, 6, 5, 5, Conv2d.of(1, 2), true),
                new ConvShape(5, 6, 14, 14, 16, 5, 5, Conv2d.of(1, 0), true),
                new ConvShape(3, 7, 4, 8, 3, 1, 1, Conv2d.of(1, 0), false),
                new ConvShape(3, 32, 12, 12, 32, 3, 3, Conv2d.of(1, 1), true),
                new ConvShape(3, 10, 11, 9, 10, 3, 2, new Conv2d(Size2d.of(1), Size2d.of(1), Size2d.of(1), 2),
                        true),
                // the direct forward (Conv2dCpu.direct): 32 channels (two full blocks), 20 (a padded block) with
                // stride 2, padding and no bias, 12 with rows of exactly four outputs, 16 with rows of five (the last
                // step overlapping); and just past its bounds (33 channels, 11, 3-output rows, 63 and 261 taps,
                // dilation, groups)
                new ConvShape(2, 8, 9, 9, 32, 3, 3, Conv2d.of(1, 1), true),
                new ConvShape(2, 3, 11, 13, 20, 5, 5, Conv2d.of(2, 1), false),
                new ConvShape(2, 8, 6, 4, 12, 3, 3, Conv2d.of(1, 1), true),
                new ConvShape(2, 4, 7, 9, 16, 4, 5, Conv2d.of(1, 0), true),
                new ConvShape(2, 8, 8, 8, 33, 3, 3, Conv2d.of(1, 1), true),
                new ConvShape(2, 8, 8, 8, 11, 3, 3, Conv2d.of(1, 1), true),
                new ConvShape(2, 8, 8, 5, 16, 3, 3, Conv2d.of(1, 0), true),
                new ConvShape(2, 7, 8, 8, 16, 3, 3, Conv2d.of(1, 1), true),
                new ConvShape(1, 29, 8, 8, 16, 3, 3, Conv2d.of(1, 1), true),
                new ConvShape(2, 8, 9, 9, 16, 3, 3, new Conv2d(Size2d.of(1), Size2d.of(2), Size2d.of(2), 1), true),
                new ConvShape(2, 8, 9, 9, 16, 3, 3, new Conv2d(Size2d.of(1), Size2d.of(1), Size2d.of(1), 2), true),
                // im2col of full-width rows (stride 1, output as wide as the input) where the shift passes the row
                new ConvShape(2, 2, 5, 1, 3, 3, 3, Conv2d.of(1, 1), true),
                new ConvShape(2, 2, 3, 2, 3, 5, 5, Conv2d.of(1, 2), false),
                new ConvShape(2, 3, 6, 7, 4, 3, 5, new Conv2d(Size2d.of(1), Size2d.of(3, 2), Size2d.of(2, 1), 1),
                        true));
        for (ConvShape s : convs) {
            Shape xs = Shape.of(s.n, s.ch, s.h, s.w);
            Shape ws = s.conv.weightShape(s.ch, s.k, Size2d.of(s.kh, s.kw));
            Shape ys = s.conv.outputShape(xs, ws);
            String id = "x" + xs + " w" + ws + " " + s.conv;
            c.add(new Case("Conv2d.Forward " + id, t -> {
                Tensor[] x = t.rand(xs);
                Tensor[] w = t.rand(ws);
                Tensor[] b = s.bias ? t.rand(Shape.of(s.k)) : new Tensor[2];
                Tensor[] y = t.out("y", ys);
                t.run(i -> new Conv2d.Forward(s.conv, x[i], w[i], b[i], y[i]));
            }));
            c.add(new Case("Conv2d.BackwardData " + id, t -> {
                Tensor[] dy = t.rand(ys);
                Tensor[] w = t.rand(ws);
                Tensor[] dx = t.out("dx", xs);
                t.run(i -> new Conv2d.BackwardData(s.conv, dy[i], w[i], dx[i]));
            }));
            c.add(new Case("Conv2d.BackwardFilter " + id, t -> {
                Tensor[] x = t.rand(xs);
                Tensor[] dy = t.rand(ys);
                Tensor[] dw = t.out("dWeight", ws);
                Tensor[] db = s.bias ? t.out("dBias", Shape.of(s.k)) : new Tensor[2];
                t.run(i -> new Conv2d.BackwardFilter(s.conv, x[i], dy[i], dw[i], db[i]));
            }));
        }
        // ---- pooling
        List<Pool2d> pools = List.of(Pool2d.max(2, 2), Pool2d.max(3, 2), Pool2d.avg(2, 2), Pool2d.avg(3, 2),
                Pool2d.max(3, 2).withPadding(Size2d.of(1)).withCeilMode(true),
                Pool2d.avg(3, 2).withPadding(Size2d.of(1)).withCeilMode(true),
                Pool2d.avg(3, 2).withPadding(Size2d.of(1)).withCountIncludePad(false).withCeilMode(true),
                new Pool2d(Pool2d.Mode.MAX, Size2d.of(2, 3), Size2d.of(3, 1), Size2d.of(1), false, true),
                new Pool2d(Pool2d.Mode.AVG, Size2d.of(4, 2), Size2d.of(1, 3), Size2d.of(2, 1), true, false));
        for (Pool2d p : pools) {
            for (Shape xs : List.of(Shape.of(2, 3, 9, 11), Shape.of(4, 16, 28, 28))) {
                Shape ys = p.outputShape(xs);
                c.add(new Case("Pool2d.Forward " + p + " x" + xs, t -> {
                    Tensor[] x = t.rand(xs);
                    Tensor[] y = t.out("y", ys);
                    t.run(i -> new Pool2d.Forward(p, x[i], y[i]));
                }));
                c.add(new Case("Pool2d.Backward " + p + " x" + xs, t -> {
                    Tensor[] x = t.rand(xs);
                    Tensor[] dy = t.rand(ys);
                    Tensor[] dx = t.out("dx", xs);
                    t.run(i -> new Pool2d.Backward(p, x[i], dy[i], dx[i]));
                }));
            }
        }
        // ---- batch norm
        for (Shape xs : List.of(Shape.of(5, 3), Shape.of(2, 3, 5, 7), Shape.of(16, 32, 12, 12))) {
            Shape cs = Shape.of(xs.dim(1));
            BatchNorm bn = new BatchNorm(1e-5, 0.1);
            c.add(new Case("BatchNorm.ForwardTraining x" + xs, t -> {
                Tensor[] x = t.rand(xs, 2, 5);
                Tensor[] g = t.rand(cs);
                Tensor[] b = t.rand(cs);
                Tensor[] rm = t.inout("runningMean", t.rand(cs));
                Tensor[] rv = t.inout("runningVar", t.rand(cs, 0.5, 2));
                Tensor[] y = t.out("y", xs);
                Tensor[] sm = t.out("savedMean", cs);
                Tensor[] si = t.out("savedInvStd", cs);
                t.run(i -> new BatchNorm.ForwardTraining(bn, x[i], g[i], b[i], rm[i], rv[i], y[i], sm[i], si[i]));
            }));
            c.add(new Case("BatchNorm.ForwardInference x" + xs, t -> {
                Tensor[] x = t.rand(xs);
                Tensor[] g = t.rand(cs);
                Tensor[] b = t.rand(cs);
                Tensor[] rm = t.rand(cs);
                Tensor[] rv = t.rand(cs, 0.5, 2);
                Tensor[] y = t.out("y", xs);
                t.run(i -> new BatchNorm.ForwardInference(bn, x[i], g[i], b[i], rm[i], rv[i], y[i]));
            }));
            c.add(new Case("BatchNorm.Backward x" + xs, t -> {
                Tensor[] x = t.rand(xs);
                Tensor[] dy = t.rand(xs);
                Tensor[] g = t.rand(cs);
                Tensor[] sm = t.rand(cs, -0.2, 0.2);
                Tensor[] si = t.rand(cs, 0.5, 2);
                Tensor[] dx = t.out("dx", xs);
                Tensor[] dg = t.out("dGamma", cs);
                Tensor[] db = t.out("dBeta", cs);
                t.run(i -> new BatchNorm.Backward(bn, x[i], dy[i], g[i], sm[i], si[i], dx[i], dg[i], db[i]));
            }));
        }
        // ---- activations, PReLU
        List<Activation> acts = List.of(Activation.relu(), Activation.leakyRelu(0.01), Activation.elu(1.3),
                Activation.sigmoid(), Activation.tanh());
        for (Activation a : acts) {
            for (Shape xs : List.of(Shape.of(7), Shape.of(64, 1000))) {
                c.add(new Case("Activation.Forward " + a + " x" + xs, t -> {
                    Tensor[] x = t.rand(xs, -3, 3);
                    Tensor[] y = t.out("y", xs);
                    t.run(i -> new Activation.Forward(a, x[i], y[i]));
                }));
                c.add(new Case("Activation.Backward " + a + " x" + xs, t -> {
                    Tensor[] x = t.rand(xs, -3, 3);
                    float[] yv = new float[xs.size()];
                    float[] xv = x[1].toFloatArray();
                    for (int i = 0; i < yv.length; i++) {
                        yv[i] = (float) switch (a.kind()) {
                            case SIGMOID -> 1 / (1 + Math.exp(-xv[i]));
                            case TANH -> Math.tanh(xv[i]);
                            default -> xv[i];
                        };
                    }
                    Tensor[] y = t.of(xs, yv);
                    Tensor[] dy = t.rand(xs);
                    Tensor[] dx = t.out("dx", xs);
                    t.run(i -> new Activation.Backward(a, x[i], y[i], dy[i], dx[i]));
                }));
            }
        }
        for (Shape xs : List.of(Shape.of(9), Shape.of(3, 4), Shape.of(8, 16, 10, 10))) {
            for (boolean shared : new boolean[] {true, false}) {
                if (!shared && xs.rank() < 2) {
                    continue;
                }
                Shape ws = Shape.of(shared ? 1 : xs.dim(1));
                c.add(new Case("Prelu.Forward x" + xs + " w" + ws, t -> {
                    Tensor[] x = t.rand(xs);
                    Tensor[] w = t.rand(ws);
                    Tensor[] y = t.out("y", xs);
                    t.run(i -> new Prelu.Forward(x[i], w[i], y[i]));
                }));
                c.add(new Case("Prelu.Backward x" + xs + " w" + ws, t -> {
                    Tensor[] x = t.rand(xs);
                    Tensor[] w = t.rand(ws);
                    Tensor[] dy = t.rand(xs);
                    Tensor[] dx = t.out("dx", xs);
                    Tensor[] dw = t.out("dWeight", ws);
                    t.run(i -> new Prelu.Backward(x[i], w[i], dy[i], dx[i], dw[i]));
                }));
            }
        }
        // ---- softmax, dropout
        for (boolean log : new boolean[] {false, true}) {
            Softmax sm = new Softmax(log);
            for (Shape xs : List.of(Shape.of(3, 10), Shape.of(2, 5, 3, 4), Shape.of(256, 1000))) {
                c.add(new Case("Softmax.Forward log=" + log + " x" + xs, t -> {
                    Tensor[] x = t.rand(xs, -10, 10);
                    Tensor[] y = t.out("y", xs);
                    t.run(i -> new Softmax.Forward(sm, x[i], y[i]));
                }));
                c.add(new Case("Softmax.Backward log=" + log + " x" + xs, t -> {
                    Tensor[] x = t.rand(xs, -3, 3);
                    Tensor[] y = t.out("y0", xs);
                    t.be[0].execute(new Softmax.Forward(sm, x[0], y[0]));
                    y[1].copyFrom(y[0].toFloatArray());
                    t.outputs.clear();
                    t.names.clear();
                    Tensor[] dy = t.rand(xs);
                    Tensor[] dx = t.out("dx", xs);
                    t.run(i -> new Softmax.Backward(sm, y[i], dy[i], dx[i]));
                }));
            }
        }
        for (double p : new double[] {0, 0.3, 1}) {
            Dropout d = new Dropout(p, 0x1234_5678_9abcL);
            Shape xs = Shape.of(32, 1000);
            c.add(new Case("Dropout.Forward p=" + p, t -> {
                Tensor[] x = t.rand(xs);
                Tensor[] y = t.out("y", xs);
                t.run(i -> new Dropout.Forward(d, x[i], y[i]));
            }));
            c.add(new Case("Dropout.Backward p=" + p, t -> {
                Tensor[] dy = t.rand(xs);
                Tensor[] dx = t.out("dx", xs);
                t.run(i -> new Dropout.Backward(d, dy[i], dx[i]));
            }));
        }
        // ---- linear, gemm
        for (int[] s : new int[][] {{1, 1, 1}, {3, 7, 5}, {64, 400, 120}, {17, 129, 33}}) {
            Shape xs = Shape.of(s[0], s[1]);
            Shape ws = Shape.of(s[2], s[1]);
            Shape ys = Shape.of(s[0], s[2]);
            for (boolean bias : new boolean[] {true, false}) {
                String id = "x" + xs + " w" + ws + " bias=" + bias;
                c.add(new Case("Linear.Forward " + id, t -> {
                    Tensor[] x = t.rand(xs);
                    Tensor[] w = t.rand(ws);
                    Tensor[] b = bias ? t.rand(Shape.of(s[2])) : new Tensor[2];
                    Tensor[] y = t.out("y", ys);
                    t.run(i -> new Linear.Forward(x[i], w[i], b[i], y[i]));
                }));
                c.add(new Case("Linear.BackwardWeights " + id, t -> {
                    Tensor[] x = t.rand(xs);
                    Tensor[] dy = t.rand(ys);
                    Tensor[] dw = t.out("dWeight", ws);
                    Tensor[] db = bias ? t.out("dBias", Shape.of(s[2])) : new Tensor[2];
                    t.run(i -> new Linear.BackwardWeights(x[i], dy[i], dw[i], db[i]));
                }));
            }
            c.add(new Case("Linear.BackwardData x" + xs + " w" + ws, t -> {
                Tensor[] dy = t.rand(ys);
                Tensor[] w = t.rand(ws);
                Tensor[] dx = t.out("dx", xs);
                t.run(i -> new Linear.BackwardData(dy[i], w[i], dx[i]));
            }));
        }
        for (Gemm g : List.of(Gemm.plain(), new Gemm(true, false, 0.5, 0), new Gemm(false, true, 1, 2),
                new Gemm(true, true, -1, 0.5), new Gemm(false, false, 0, 3))) {
            c.add(new Case("Gemm.Run " + g, t -> {
                int m = 45;
                int n = 70;
                int k = 33;
                Tensor[] a = t.rand(g.transA() ? Shape.of(k, m) : Shape.of(m, k));
                Tensor[] b = t.rand(g.transB() ? Shape.of(n, k) : Shape.of(k, n));
                Tensor[] cc = g.beta() == 0 ? t.out("c", Shape.of(m, n)) : t.inout("c", t.rand(Shape.of(m, n)));
                t.run(i -> new Gemm.Run(g, a[i], b[i], cc[i]));
            }));
        }
        // ---- losses, L2
        for (Loss l : List.of(Loss.softmaxCrossEntropy(), Loss.mse(), Loss.mae(), Loss.hinge(1))) {
            Shape xs = Shape.of(16, 10);
            boolean classes = l.kind() == Loss.Kind.SOFTMAX_CROSS_ENTROPY || l.kind() == Loss.Kind.HINGE;
            c.add(new Case("Loss.Forward " + l, t -> {
                Tensor[] x = t.rand(xs, -3, 3);
                Tensor[] y = classes ? t.oneHot(16, 10) : t.rand(xs);
                Tensor[] loss = t.out("loss", Shape.scalar());
                t.run(i -> new Loss.Forward(l, x[i], y[i], loss[i]));
            }));
            c.add(new Case("Loss.Backward " + l, t -> {
                Tensor[] x = t.rand(xs, -3, 3);
                Tensor[] y = classes ? t.oneHot(16, 10) : t.rand(xs);
                Tensor[] d = t.out("dInput", xs);
                t.run(i -> new Loss.Backward(l, x[i], y[i], d[i]));
            }));
        }
        // the element losses, weighted, every reduction; cross-entropy per pixel with class indices
        Shape lossShape = Shape.of(64, 300);
        for (Loss base : List.of(Loss.bceWithLogits(), Loss.sigmoidFocal(0.25, 2), Loss.smoothL1(0.5))) {
            for (Loss l : List.of(base, base.sumOver(17), base.withReduction(Loss.Reduction.NONE))) {
                c.add(new Case("Loss.Forward " + l + " weighted", t -> {
                    Tensor[] x = t.rand(lossShape, -6, 6);
                    Tensor[] y = t.rand(lossShape, 0, 1);
                    Tensor[] w = t.rand(lossShape, 0, 2);
                    Tensor[] loss = t.out("loss", l.outputShape(lossShape));
                    t.run(i -> new Loss.Forward(l, x[i], y[i], w[i], loss[i]));
                }));
                c.add(new Case("Loss.Backward " + l + " weighted", t -> {
                    Tensor[] x = t.rand(lossShape, -6, 6);
                    Tensor[] y = t.rand(lossShape, 0, 1);
                    Tensor[] w = t.rand(lossShape, 0, 2);
                    Tensor[] up = l.reduction() == Loss.Reduction.NONE ? t.rand(lossShape) : new Tensor[2];
                    Tensor[] d = t.out("dInput", lossShape);
                    t.run(i -> new Loss.Backward(l, x[i], y[i], w[i], up[i], d[i]));
                }));
            }
        }
        Shape pixelShape = Shape.of(8, 5, 16, 16);
        Shape indexShape = Shape.of(8, 16, 16);
        float[] classIndex = new float[indexShape.size()];
        for (int i = 0; i < classIndex.length; i++) {
            classIndex[i] = i % 7 == 3 ? Loss.IGNORE_INDEX : (i * 31 + 7) % 5;
        }
        for (Loss l : List.of(Loss.softmaxCrossEntropy(), Loss.softmaxCrossEntropy().withReduction(
                Loss.Reduction.NONE))) {
            c.add(new Case("Loss.Forward " + l + " per pixel, class indices", t -> {
                Tensor[] x = t.rand(pixelShape, -4, 4);
                Tensor[] y = t.of(indexShape, classIndex);
                Tensor[] loss = t.out("loss", l.outputShape(pixelShape));
                t.run(i -> new Loss.Forward(l, x[i], y[i], loss[i]));
            }));
            c.add(new Case("Loss.Backward " + l + " per pixel, class indices", t -> {
                Tensor[] x = t.rand(pixelShape, -4, 4);
                Tensor[] y = t.of(indexShape, classIndex);
                Tensor[] up = l.reduction() == Loss.Reduction.NONE ? t.rand(indexShape) : new Tensor[2];
                Tensor[] d = t.out("dInput", pixelShape);
                t.run(i -> new Loss.Backward(l, x[i], y[i], null, up[i], d[i]));
            }));
        }
        c.add(new Case("L2Penalty.Forward", t -> {
            Tensor[] w = t.rand(Shape.of(30, 40));
            Tensor[] loss = t.out("loss", Shape.scalar());
            t.run(i -> new L2Penalty.Forward(new L2Penalty(0.01), w[i], loss[i]));
        }));
        c.add(new Case("L2Penalty.Backward", t -> {
            Tensor[] w = t.rand(Shape.of(30, 40));
            Tensor[] dw = t.inout("dWeight", t.rand(Shape.of(30, 40)));
            t.run(i -> new L2Penalty.Backward(new L2Penalty(0.01), w[i], dw[i]));
        }));
        // ---- optimizers
        Shape ps = Shape.of(100, 700);
        for (Sgd s : List.of(Sgd.plain(0.1), new Sgd(0.05, 0.9, 1e-4, false), new Sgd(0.05, 0.9, 0, true))) {
            c.add(new Case("Sgd.Step " + s, t -> {
                Tensor[] p = t.inout("param", t.rand(ps));
                Tensor[] g = t.rand(ps);
                Tensor[] buf = s.momentum() != 0 ? t.inout("momentumBuffer", t.rand(ps)) : new Tensor[2];
                t.run(i -> new Sgd.Step(s, p[i], g[i], buf[i]));
            }));
        }
        c.add(new Case("Adagrad.Step", t -> {
            Tensor[] p = t.inout("param", t.rand(ps));
            Tensor[] g = t.rand(ps);
            Tensor[] sum = t.inout("stateSum", t.rand(ps, 0, 1));
            t.run(i -> new Adagrad.Step(new Adagrad(0.01, 1e-10, 1e-3), p[i], g[i], sum[i]));
        }));
        c.add(new Case("RmsProp.Step", t -> {
            Tensor[] p = t.inout("param", t.rand(ps));
            Tensor[] g = t.rand(ps);
            Tensor[] v = t.inout("squareAvg", t.rand(ps, 0, 1));
            t.run(i -> new RmsProp.Step(new RmsProp(0.01, 0.99, 1e-8, 1e-3), p[i], g[i], v[i]));
        }));
        c.add(new Case("Adam.Step", t -> {
            Tensor[] p = t.inout("param", t.rand(ps));
            Tensor[] g = t.rand(ps);
            Tensor[] m = t.inout("expAvg", t.rand(ps, -0.1, 0.1));
            Tensor[] v = t.inout("expAvgSq", t.rand(ps, 0, 0.1));
            t.run(i -> new Adam.Step(new Adam(0.001, 0.9, 0.999, 1e-8, 1e-2, 7), p[i], g[i], m[i], v[i]));
        }));
        // ---- element-wise, sums
        Shape es = Shape.of(33, 1001);
        c.add(new Case("Fill.Run", t -> {
            Tensor[] y = t.out("y", es);
            t.run(i -> new Fill.Run(new Fill(0.7), y[i]));
        }));
        c.add(new Case("Copy.Run", t -> {
            Tensor[] x = t.rand(es);
            Tensor[] y = t.out("y", es);
            t.run(i -> new Copy.Run(x[i], y[i]));
        }));
        c.add(new Case("Add.Run", t -> {
            Tensor[] a = t.rand(es);
            Tensor[] b = t.rand(es);
            Tensor[] y = t.out("out", es);
            t.run(i -> new Add.Run(new Add(0.5, -2), a[i], b[i], y[i]));
        }));
        c.add(new Case("Scale.Run", t -> {
            Tensor[] x = t.rand(es);
            Tensor[] y = t.out("out", es);
            t.run(i -> new Scale.Run(new Scale(-3), x[i], y[i]));
        }));
        c.add(new Case("Axpy.Run", t -> {
            Tensor[] x = t.rand(es);
            Tensor[] y = t.inout("y", t.rand(es));
            t.run(i -> new Axpy.Run(new Axpy(0.25), x[i], y[i]));
        }));
        Shape ss = Shape.of(4, 5, 6, 7);
        for (int[] axes : new int[][] {{0}, {1}, {3}, {0, 2, 3}, {1, 2}, {0, 1, 2, 3}, {0, 3}, {1, 3}}) {
            SumAxes sa = SumAxes.of(axes);
            c.add(new Case("SumAxes.Run " + sa, t -> {
                Tensor[] x = t.rand(ss);
                Tensor[] y = t.out("y", sa.outputShape(ss));
                t.run(i -> new SumAxes.Run(sa, x[i], y[i]));
            }));
        }
        // ---- upsampling, concatenation (feature-pyramid sizes: the rows split over the threads)
        for (Upsample up : List.of(Upsample.nearest(2), Upsample.nearest(3, 1), Upsample.nearestToSize(50, 37))) {
            Shape xs = Shape.of(2, 16, 26, 30);
            Shape ys = up.outputShape(xs);
            c.add(new Case("Upsample.Forward " + up + " x" + xs, t -> {
                Tensor[] x = t.rand(xs);
                Tensor[] y = t.out("y", ys);
                t.run(i -> new Upsample.Forward(up, x[i], y[i]));
            }));
            c.add(new Case("Upsample.Backward " + up + " x" + xs, t -> {
                Tensor[] dy = t.rand(ys);
                Tensor[] dx = t.out("dx", xs);
                t.run(i -> new Upsample.Backward(up, dy[i], dx[i]));
            }));
        }
        for (int axis : new int[] {0, 1, 3}) {
            Concat cat = new Concat(axis);
            List<Shape> parts = new ArrayList<>();
            for (int k : new int[] {16, 8, 24}) {
                int[] d = {4, 32, 20, 20};
                d[axis] = k;
                parts.add(Shape.of(d));
            }
            Shape os = cat.outputShape(parts);
            c.add(new Case("Concat.Forward " + cat + " of " + parts, t -> {
                List<Tensor[]> xs = new ArrayList<>();
                for (Shape p : parts) {
                    xs.add(t.rand(p));
                }
                Tensor[] out = t.out("out", os);
                t.run(i -> new Concat.Forward(cat, xs.stream().map(x -> x[i]).toList(), out[i]));
            }));
            c.add(new Case("Concat.Backward " + cat + " of " + parts, t -> {
                Tensor[] dOut = t.rand(os);
                List<Tensor[]> dxs = new ArrayList<>();
                for (int k = 0; k < parts.size(); k++) {
                    dxs.add(t.out("dx" + k, parts.get(k)));
                }
                t.run(i -> new Concat.Backward(cat, dOut[i], dxs.stream().map(x -> x[i]).toList()));
            }));
        }
        // ---- dilated max pooling, inference-mode batch-norm backward, AdaGrad lr_decay
        for (Pool2d p : List.of(Pool2d.max(3, 2).withPadding(Size2d.of(1)).withDilation(Size2d.of(2)),
                Pool2d.max(3, 2).withPadding(Size2d.of(1)).withDilation(Size2d.of(2)).withCeilMode(true),
                new Pool2d(Pool2d.Mode.MAX, Size2d.of(2, 3), Size2d.of(1, 2), Size2d.of(1, 0), true, true,
                        Size2d.of(3, 2)))) {
            for (Shape xs : List.of(Shape.of(2, 3, 9, 11), Shape.of(4, 16, 28, 28))) {
                Shape ys = p.outputShape(xs);
                c.add(new Case("Pool2d.Forward " + p + " x" + xs, t -> {
                    Tensor[] x = t.rand(xs);
                    Tensor[] y = t.out("y", ys);
                    t.run(i -> new Pool2d.Forward(p, x[i], y[i]));
                }));
                c.add(new Case("Pool2d.Backward " + p + " x" + xs, t -> {
                    Tensor[] x = t.rand(xs);
                    Tensor[] dy = t.rand(ys);
                    Tensor[] dx = t.out("dx", xs);
                    t.run(i -> new Pool2d.Backward(p, x[i], dy[i], dx[i]));
                }));
            }
        }
        for (Shape xs : List.of(Shape.of(5, 3), Shape.of(2, 3, 5, 7), Shape.of(16, 32, 12, 12))) {
            Shape cs = Shape.of(xs.dim(1));
            c.add(new Case("BatchNorm.BackwardInference x" + xs, t -> {
                Tensor[] x = t.rand(xs);
                Tensor[] dy = t.rand(xs);
                Tensor[] g = t.rand(cs);
                Tensor[] rm = t.rand(cs, -0.2, 0.2);
                Tensor[] rv = t.rand(cs, 0.5, 2);
                Tensor[] dx = t.out("dx", xs);
                Tensor[] dg = t.out("dGamma", cs);
                Tensor[] db = t.out("dBeta", cs);
                t.run(i -> new BatchNorm.BackwardInference(BatchNorm.defaults(), x[i], dy[i], g[i], rm[i], rv[i],
                        dx[i], dg[i], db[i]));
            }));
        }
        Shape as = Shape.of(100, 700);
        c.add(new Case("Adagrad.Step lr_decay 0.3 at step 7", t -> {
            Tensor[] p = t.inout("param", t.rand(as));
            Tensor[] g = t.rand(as);
            Tensor[] sum = t.inout("stateSum", t.rand(as, 0, 1));
            t.run(i -> new Adagrad.Step(new Adagrad(0.01, 1e-10, 1e-3, 0.3, 7), p[i], g[i], sum[i]));
        }));
        return c;
    }

    @TestFactory
    Stream<DynamicNode> cpuMatchesReference() {
        List<DynamicNode> nodes = new ArrayList<>();
        List<CpuBackend.Config> cfgs = List.of(new CpuBackend.Config(2, true), new CpuBackend.Config(1, false));
        for (CpuBackend.Config cfg : cfgs) {
            List<DynamicNode> tests = new ArrayList<>();
            long seed = 42;
            for (Case k : cases()) {
                long s = seed++;
                tests.add(DynamicTest.dynamicTest(k.name() + " seed=" + s, () -> {
                    try (Twins t = new Twins(cfg, s)) {
                        k.body().accept(t);
                    }
                }));
            }
            nodes.add(DynamicContainer.dynamicContainer("threads=" + cfg.threads() + " vector=" + cfg.vector(),
                    tests));
        }
        return nodes.stream();
    }
}
