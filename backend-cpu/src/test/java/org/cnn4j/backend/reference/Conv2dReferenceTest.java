package org.cnn4j.backend.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Size2d;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Conv2d;
import org.cnn4j.ops.Pool2d;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Conv2d on the reference backend: known answers from the seeds and by hand, and gradient checks. */
class Conv2dReferenceTest extends ReferenceTestSupport {
    // ---- output sizes from the seeds -----------------------------------------------------------------

    @Test
    void seed001OutputSizesOf10x10With3x3Kernel() {
        Shape x = Shape.of(1, 1, 10, 10);
        Shape w = Shape.of(1, 1, 3, 3);
        assertEquals(Shape.of(1, 1, 8, 8), Conv2d.of(1, 0).outputShape(x, w), "stride 1");
        assertEquals(Shape.of(1, 1, 3, 3), Conv2d.of(3, 0).outputShape(x, w), "stride 3");
    }

    @Test
    void seed004OutputSizesOfW5F3P1() {
        Shape x = Shape.of(1, 1, 5, 5);
        Shape w = Shape.of(1, 1, 3, 3);
        assertEquals(Shape.of(1, 1, 5, 5), Conv2d.of(1, 1).outputShape(x, w), "S=1: (5-3+2)/1+1");
        assertEquals(Shape.of(1, 1, 3, 3), Conv2d.of(2, 1).outputShape(x, w), "S=2: (5-3+2)/2+1");
    }

    /** Seed 000, table 1: AlexNet (one tower), every convolution and pooling layer's output. */
    @Test
    void seed000AlexNetLayerShapes() {
        Shape s = Shape.of(1, 3, 227, 227);
        s = conv(s, 96, 11, 4, 0);
        assertEquals(Shape.of(1, 96, 55, 55), s, "conv1");
        s = Pool2d.max(3, 2).outputShape(s);
        assertEquals(Shape.of(1, 96, 27, 27), s, "maxpool1");
        s = conv(s, 256, 5, 1, 2);
        assertEquals(Shape.of(1, 256, 27, 27), s, "conv2");
        s = Pool2d.max(3, 2).outputShape(s);
        assertEquals(Shape.of(1, 256, 13, 13), s, "maxpool2");
        s = conv(s, 384, 3, 1, 1);
        assertEquals(Shape.of(1, 384, 13, 13), s, "conv3");
        s = conv(s, 384, 3, 1, 1);
        assertEquals(Shape.of(1, 384, 13, 13), s, "conv4");
        s = conv(s, 256, 3, 1, 1);
        assertEquals(Shape.of(1, 256, 13, 13), s, "conv5");
        s = Pool2d.max(3, 2).outputShape(s);
        assertEquals(Shape.of(1, 256, 6, 6), s, "maxpool5");
        assertEquals(9216, s.size(), "fc6 input features");
    }

    private static Shape conv(Shape x, int out, int kernel, int stride, int pad) {
        Conv2d c = Conv2d.of(stride, pad);
        return c.outputShape(x, c.weightShape(x.dim(1), out, Size2d.of(kernel)));
    }

    // ---- hand-computed values -------------------------------------------------------------------------

    /**
     * x = 1..16 in a 4x4 image, an edge kernel with columns (1, 0, -1), padding 1, stride 2. Cross-correlation
     * (no kernel flip): output (0,0) sees x rows 0..1, cols -1..1, so -(x[0][1] + x[1][1]) = -(2 + 6) = -8;
     * (0,1): (2-4) + (6-8) = -4; (1,0): -(6 + 10 + 14) = -30; (1,1): (6-8) + (10-12) + (14-16) = -6; bias 0.5.
     */
    @Test
    void handComputedPaddedStridedConvolution() {
        Tensor x = tensor(Shape.of(1, 1, 4, 4), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
        Tensor w = tensor(Shape.of(1, 1, 3, 3), 1, 0, -1, 1, 0, -1, 1, 0, -1);
        Tensor b = tensor(Shape.of(1), 0.5);
        Tensor y = poisoned(Shape.of(1, 1, 2, 2));
        backend.execute(new Conv2d.Forward(Conv2d.of(2, 1), x, w, b, y));
        assertArrayEquals(new double[] {-7.5, -3.5, -29.5, -5.5}, y.toDoubleArray(), 0);
    }

    /** groups = 2: output channel 0 sees only input channel 0 (all 1) and output channel 1 only channel 1 (all 2). */
    @Test
    void handComputedGroupsKeepChannelsApart() {
        Tensor x = tensor(Shape.of(1, 2, 2, 2), 1, 1, 1, 1, 2, 2, 2, 2);
        Tensor w = tensor(Shape.of(2, 1, 1, 1), 3, 10);
        Tensor y = poisoned(Shape.of(1, 2, 2, 2));
        backend.execute(new Conv2d.Forward(Conv2d.of(1, 0).withGroups(2), x, w, null, y));
        assertArrayEquals(new double[] {3, 3, 3, 3, 20, 20, 20, 20}, y.toDoubleArray(), 0);
    }

    /** Dilation 2 on a 1x5 row: taps at columns ow, ow+2, ow+4 of x = (1, 2, 4, 8, 16) with weights (1, 10, 100). */
    @Test
    void handComputedDilation() {
        Tensor x = tensor(Shape.of(1, 1, 1, 5), 1, 2, 4, 8, 16);
        Tensor w = tensor(Shape.of(1, 1, 1, 3), 1, 10, 100);
        Tensor y = poisoned(Shape.of(1, 1, 1, 1));
        backend.execute(new Conv2d.Forward(Conv2d.of(1, 0).withDilation(Size2d.of(1, 2)), x, w, null, y));
        assertArrayEquals(new double[] {1 + 40 + 1600}, y.toDoubleArray(), 0);
    }

    /**
     * Seed 004: the gradient of the input is the full convolution of dy with the kernel rotated by 180 degrees.
     * Here computed independently (dy padded by KH-1, KW-1 zeros, correlated with the rotated kernel) and
     * compared with backwardData, at stride 1 without padding, where the two statements coincide.
     */
    @Test
    void backwardDataIsFullConvolutionWithRotatedKernelSeed7() {
        Random rnd = new Random(7);
        int h = 6, w = 5, kh = 3, kw = 2, oh = h - kh + 1, ow = w - kw + 1;
        double[] dyv = GradCheck.random(rnd, oh * ow);
        double[] wv = GradCheck.random(rnd, kh * kw);
        Tensor dy = tensor(Shape.of(1, 1, oh, ow), dyv);
        Tensor wt = tensor(Shape.of(1, 1, kh, kw), wv);
        Tensor dx = poisoned(Shape.of(1, 1, h, w));
        backend.execute(new Conv2d.BackwardData(Conv2d.of(1, 0), dy, wt, dx));
        double[] expected = new double[h * w];
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                double s = 0;
                for (int i = 0; i < kh; i++) {
                    for (int j = 0; j < kw; j++) {
                        // padded dy at (r + i, c + j) is dy at (r + i - (kh-1), c + j - (kw-1))
                        int pr = r + i - (kh - 1);
                        int pc = c + j - (kw - 1);
                        if (pr >= 0 && pr < oh && pc >= 0 && pc < ow) {
                            s += dyv[pr * ow + pc] * wv[(kh - 1 - i) * kw + (kw - 1 - j)];
                        }
                    }
                }
                expected[r * w + c] = s;
            }
        }
        assertArrayEquals(expected, dx.toDoubleArray(), 1e-12);
    }

    /** Float32 outputs are rounded to float once, from a sum taken in double. */
    @Test
    void float32OutputIsTheRoundedDoubleSum() {
        Tensor x = own(backend.allocate(Shape.of(1, 1, 1, 3), DType.FLOAT32));
        x.copyFrom(new float[] {1e8f, 1, -1e8f});
        Tensor w = own(backend.allocate(Shape.of(1, 1, 1, 3), DType.FLOAT32));
        w.copyFrom(new float[] {1, 1, 1});
        Tensor y = own(backend.allocate(Shape.of(1, 1, 1, 1), DType.FLOAT32));
        backend.execute(new Conv2d.Forward(Conv2d.of(1, 0), x, w, null, y));
        assertArrayEquals(new float[] {1}, y.toFloatArray(), 0);
    }

    /** Every output of the three calls in float32 is the float64 result rounded once (seed 11). */
    @Test
    void float32IsFloat64RoundedOnceSeed11() {
        Random rnd = new Random(11);
        Conv2d conv = new Conv2d(Size2d.of(2, 1), Size2d.of(1), Size2d.of(1, 2), 2);
        Shape xs = Shape.of(2, 4, 6, 7);
        Shape ws = conv.weightShape(4, 6, Size2d.of(3, 2));
        Shape ys = conv.outputShape(xs, ws);
        double[] xv = Float32Parity.randomFloats(rnd, xs.size());
        double[] wv = Float32Parity.randomFloats(rnd, ws.size());
        double[] bv = Float32Parity.randomFloats(rnd, 6);
        double[] dyv = Float32Parity.randomFloats(rnd, ys.size());
        Float32Parity.check("Conv2d, seed 11", d -> {
            Tensor x = tensor(xs, d, xv);
            Tensor w = tensor(ws, d, wv);
            Tensor dy = tensor(ys, d, dyv);
            Tensor y = zeros(ys, d);
            Tensor dx = zeros(xs, d);
            Tensor dw = zeros(ws, d);
            Tensor db = zeros(Shape.of(6), d);
            backend.execute(new Conv2d.Forward(conv, x, w, tensor(Shape.of(6), d, bv), y));
            backend.execute(new Conv2d.BackwardData(conv, dy, w, dx));
            backend.execute(new Conv2d.BackwardFilter(conv, x, dy, dw, db));
            return List.of(y, dx, dw, db);
        });
    }

    // ---- gradient checks -------------------------------------------------------------------------------

    /** One convolution to check: input [n, c, h, w], weight [k, c/groups, kh, kw]. */
    record Case(String name, long seed, int n, int c, int h, int w, int k, Size2d kernel, Conv2d conv,
            boolean bias) {
        @Override
        public String toString() {
            return name + " (seed " + seed + "): x [" + n + ", " + c + ", " + h + ", " + w + "], k=" + k
                    + ", kernel " + kernel + ", stride " + conv.stride() + ", padding " + conv.padding()
                    + ", dilation " + conv.dilation()
                    + ", groups " + conv.groups() + (bias ? ", bias" : ", no bias");
        }
    }

    static Stream<Case> cases() {
        List<Case> list = new ArrayList<>(List.of(
                new Case("plain", 101L, 2, 3, 7, 7, 4, Size2d.of(3), conv(1, 0, 1, 1), true),
                new Case("stride larger than kernel", 102L, 2, 2, 9, 8, 3, Size2d.of(2), conv(3, 0, 1, 1),
                        true),
                new Case("padding", 103L, 2, 2, 5, 6, 3, Size2d.of(3), conv(1, 1, 1, 1), false),
                new Case("padding and stride", 104L, 1, 3, 7, 6, 2, Size2d.of(3), conv(2, 2, 1, 1), true),
                new Case("dilation", 105L, 1, 2, 9, 9, 2, Size2d.of(3), conv(1, 2, 2, 1), true),
                new Case("two groups", 106L, 2, 4, 6, 6, 6, Size2d.of(3), conv(2, 1, 1, 2), true),
                new Case("groups = channels", 107L, 1, 3, 5, 5, 3, Size2d.of(3), conv(1, 1, 1, 3), true),
                new Case("groups = channels, multiplier 2", 108L, 2, 3, 5, 4, 6, Size2d.of(2),
                        conv(1, 0, 1, 3), false),
                new Case("non-square kernel, stride, padding, dilation", 109L, 1, 2, 8, 7, 3, Size2d.of(3, 2),
                        new Conv2d(Size2d.of(2, 1), Size2d.of(1, 0), Size2d.of(1, 2), 1), true),
                new Case("1x1 kernel stride 2, batch 1", 110L, 1, 3, 5, 5, 2, Size2d.of(1), conv(2, 0, 1, 1),
                        true),
                new Case("kernel as large as padded input", 111L, 2, 1, 3, 4, 2, Size2d.of(5, 6), conv(1, 1, 1, 1),
                        true)));
        for (long seed = 1; seed <= 8; seed++) {
            list.add(randomCase(seed));
        }
        return list.stream();
    }

    private static Conv2d conv(int stride, int pad, int dilation, int groups) {
        return new Conv2d(Size2d.of(stride), Size2d.of(pad), Size2d.of(dilation), groups);
    }

    /** A valid random convolution drawn from {@code seed}. */
    static Case randomCase(long seed) {
        Random r = new Random(seed);
        int groups = 1 + r.nextInt(3);
        int c = groups * (1 + r.nextInt(2));
        int k = groups * (1 + r.nextInt(2));
        Size2d kernel = Size2d.of(1 + r.nextInt(4), 1 + r.nextInt(4));
        Size2d stride = Size2d.of(1 + r.nextInt(4), 1 + r.nextInt(4));
        Size2d dil = Size2d.of(1 + r.nextInt(2), 1 + r.nextInt(2));
        Size2d pad = Size2d.of(r.nextInt(3), r.nextInt(3));
        Conv2d conv = new Conv2d(stride, pad, dil, groups);
        int h = conv.smallestInput(kernel).h() + r.nextInt(5);
        int w = conv.smallestInput(kernel).w() + r.nextInt(5);
        return new Case("random", seed, 1 + r.nextInt(2), c, h, w, k, kernel, conv, r.nextBoolean());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientsMatchFiniteDifferences(Case t) {
        Random rnd = new Random(t.seed);
        Shape xs = Shape.of(t.n, t.c, t.h, t.w);
        Shape ws = t.conv.weightShape(t.c, t.k, t.kernel);
        Shape ys = t.conv.outputShape(xs, ws);
        Tensor x = tensor(xs, GradCheck.random(rnd, xs.size()));
        Tensor w = tensor(ws, GradCheck.random(rnd, ws.size()));
        Tensor b = t.bias ? tensor(Shape.of(t.k), GradCheck.random(rnd, t.k)) : null;
        Tensor y = poisoned(ys);
        double[] r = GradCheck.random(rnd, ys.size());
        Tensor dy = tensor(ys, r);

        Tensor dx = poisoned(xs);
        Tensor dw = poisoned(ws);
        Tensor db = t.bias ? poisoned(Shape.of(t.k)) : null;
        backend.execute(new Conv2d.BackwardData(t.conv, dy, w, dx));
        backend.execute(new Conv2d.BackwardFilter(t.conv, x, dy, dw, db));

        List<Tensor> wrt = t.bias ? List.of(x, w, b) : List.of(x, w);
        List<Tensor> grads = t.bias ? List.of(dx, dw, db) : List.of(dx, dw);
        GradCheck.check(t.toString(), wrt, grads, () -> {
            backend.execute(new Conv2d.Forward(t.conv, x, w, b, y));
            return GradCheck.dot(y, r);
        }, rnd, 80);
    }
}
