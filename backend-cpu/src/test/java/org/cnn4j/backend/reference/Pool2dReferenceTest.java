package org.cnn4j.backend.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Size2d;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Pool2d;
import org.cnn4j.ops.Pool2d.Mode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Pool2d on the reference backend: known answers (seed 000, PyTorch's rules by hand) and gradient checks. */
class Pool2dReferenceTest extends ReferenceTestSupport {
    private static final double NAN = Double.NaN;

    // ---- known answers ---------------------------------------------------------------------------------

    /** Seed 000, fig. 8: a 4x4 slice, 2x2 max pooling with stride 2. */
    @Test
    void seed000Figure8MaxPool() {
        Tensor x = tensor(Shape.of(1, 1, 4, 4),
                1, 1, 2, 4,
                5, 6, 7, 8,
                3, 2, 1, 0,
                1, 2, 3, 4);
        assertArrayEquals(new double[] {6, 8, 3, 4}, forward(Pool2d.max(2, 2), x), 0);
    }

    /** The averages of the same slice, each of four real elements. */
    @Test
    void seed000Figure8AveragePool() {
        Tensor x = tensor(Shape.of(1, 1, 4, 4),
                1, 1, 2, 4,
                5, 6, 7, 8,
                3, 2, 1, 0,
                1, 2, 3, 4);
        assertArrayEquals(new double[] {13 / 4.0, 21 / 4.0, 8 / 4.0, 8 / 4.0}, forward(Pool2d.avg(2, 2), x), 0);
    }

    /**
     * PyTorch's rule: {@code o = ceil((H + 2p - k) / s) + 1}, less one when the last window would start at or
     * beyond {@code H + p}; floor mode takes the floor and never drops.
     */
    @ParameterizedTest(name = "H={0} k={1} s={2} p={3}: floor {4}, ceil {5}")
    @CsvSource({
        "6, 3, 2, 0, 2, 3",   // ceil(3/2)+1 = 3; last start 4 < 6
        "5, 2, 2, 1, 3, 3",   // ceil(5/2)+1 = 4; last start 6 >= 5+1: dropped
        "5, 2, 2, 0, 2, 3",   // ceil(3/2)+1 = 3; last start 4 < 5
        "3, 2, 2, 1, 2, 2",   // ceil(3/2)+1 = 3; last start 4 >= 3+1: dropped
        "4, 3, 2, 1, 2, 3",   // ceil(3/2)+1 = 3; last start 4 < 5
        "14, 3, 2, 0, 6, 7",  // ceil(11/2)+1 = 7; last start 12 < 14
        "55, 3, 2, 0, 27, 27", // AlexNet: 52/2 + 1 either way
        "13, 3, 2, 0, 6, 6",
        "7, 3, 3, 1, 3, 3",   // ceil(6/3)+1 = 3; last start 6 < 8
        "2, 2, 2, 1, 2, 2",   // ceil(2/2)+1 = 2; last start 2 < 3
        "10, 4, 3, 2, 4, 4",  // ceil(10/3)+1 = 5; last start 12 >= 10+2: dropped
    })
    void ceilModeOutputSizes(int h, int k, int s, int p, int floor, int ceil) {
        Pool2d pool = new Pool2d(Mode.MAX, Size2d.of(k), Size2d.of(s), Size2d.of(p), false, true);
        assertEquals(Shape.of(1, 1, floor, floor), pool.outputShape(Shape.of(1, 1, h, h)), "floor mode");
        assertEquals(Shape.of(1, 1, ceil, ceil), pool.withCeilMode(true).outputShape(Shape.of(1, 1, h, h)),
                "ceil mode");
    }

    /**
     * x = 1..16 in 4x4, 3x3 average, stride 2, padding 1, ceil mode: 3x3 outputs. Per axis the windows are
     * [-1, 2), [1, 4), [3, 5) in the padded input (the last is cut at H + p = 5), covering real rows {0,1},
     * {1,2,3}, {3}: padded lengths 3, 3, 2 and real lengths 2, 3, 1. Window sums, row-major:
     * 1+2+5+6 = 14, 30, 4+8 = 12, 57, 99, 36, 13+14 = 27, 45, 16.
     */
    @Test
    void averageCeilModeCountingPadding() {
        Pool2d pool = new Pool2d(Mode.AVG, Size2d.of(3), Size2d.of(2), Size2d.of(1), true, true);
        double[] expected = {14 / 9.0, 30 / 9.0, 12 / 6.0, 57 / 9.0, 99 / 9.0, 36 / 6.0, 27 / 6.0, 45 / 6.0,
            16 / 4.0};
        assertArrayEquals(expected, forward(pool, sixteen()), 1e-15);
    }

    /** The same windows divided by their real element counts 4, 6, 2, 6, 9, 3, 2, 3, 1. */
    @Test
    void averageCeilModeNotCountingPadding() {
        Pool2d pool = new Pool2d(Mode.AVG, Size2d.of(3), Size2d.of(2), Size2d.of(1), true, false);
        double[] expected = {14 / 4.0, 30 / 6.0, 12 / 2.0, 57 / 6.0, 99 / 9.0, 36 / 3.0, 27 / 2.0, 45 / 3.0, 16};
        assertArrayEquals(expected, forward(pool, sixteen()), 1e-15);
    }

    /** Backward of the same pooling: each element collects dy / divisor from every window holding it. */
    @Test
    void averageCeilModeBackwardCountingPadding() {
        Pool2d pool = new Pool2d(Mode.AVG, Size2d.of(3), Size2d.of(2), Size2d.of(1), true, true);
        Tensor dy = tensor(Shape.of(1, 1, 3, 3), 1, 1, 1, 1, 1, 1, 1, 1, 1);
        double[] dx = backward(pool, sixteen(), dy);
        // x[0][0] is only in window (0,0): 1/9; x[1][1] is in (0,0), (0,1), (1,0), (1,1): 4/9;
        // x[3][3] is in (1,1), (1,2), (2,1), (2,2): 1/9 + 1/6 + 1/6 + 1/4
        assertEquals(1 / 9.0, dx[0], 1e-15);
        assertEquals(4 / 9.0, dx[5], 1e-15);
        assertEquals(1 / 9.0 + 1 / 6.0 + 1 / 6.0 + 1 / 4.0, dx[15], 1e-15);
    }

    /** Padding is -infinity for max pooling: a window of negative values and padding gives its real maximum. */
    @Test
    void maxPaddingIsNegativeInfinity() {
        Pool2d pool = Pool2d.max(2, 2).withPadding(Size2d.of(1));
        Tensor x = tensor(Shape.of(1, 1, 2, 2), -4, -3, -2, -1);
        assertArrayEquals(new double[] {-4, -3, -2, -1}, forward(pool, x), 0);
    }

    /** A NaN is the maximum of its window, wherever it is, and receives the window's gradient. */
    @Test
    void maxPropagatesNaN() {
        Tensor x = tensor(Shape.of(1, 1, 2, 4), 1, 9, 5, 6, NAN, 2, 7, NAN);
        assertArrayEquals(new double[] {NAN, NAN}, forward(Pool2d.max(2, 2), x), 0);
        double[] dx = backward(Pool2d.max(2, 2), x, tensor(Shape.of(1, 1, 1, 2), 10, 20));
        assertArrayEquals(new double[] {0, 0, 0, 0, 10, 0, 0, 20}, dx, 0);
    }

    /** As PyTorch: ties go to the first maximum in row-major window order, two NaNs to the last NaN. */
    @Test
    void maxBackwardRoutesAsPyTorch() {
        Tensor x = tensor(Shape.of(1, 1, 2, 4), 3, 1, NAN, 4, 2, 3, 5, NAN);
        double[] dx = backward(Pool2d.max(2, 2), x, tensor(Shape.of(1, 1, 1, 2), 10, 20));
        assertArrayEquals(new double[] {10, 0, 0, 0, 0, 0, 0, 20}, dx, 0);
    }

    /** Overlapping 3x3 windows with stride 2 share a maximum, which collects the gradient of both. */
    @Test
    void overlappingMaxWindowsAddTheirGradients() {
        Tensor x = tensor(Shape.of(1, 1, 3, 5),
                0, 0, 0, 0, 0,
                0, 0, 9, 0, 0,
                0, 0, 0, 0, 0);
        assertArrayEquals(new double[] {9, 9}, forward(Pool2d.max(3, 2), x), 0);
        double[] dx = backward(Pool2d.max(3, 2), x, tensor(Shape.of(1, 1, 1, 2), 1.5, 2.5));
        double[] expected = new double[15];
        expected[7] = 4;
        assertArrayEquals(expected, dx, 0);
    }

    private Tensor sixteen() {
        double[] v = new double[16];
        for (int i = 0; i < 16; i++) {
            v[i] = i + 1;
        }
        return tensor(Shape.of(1, 1, 4, 4), v);
    }

    private double[] forward(Pool2d pool, Tensor x) {
        Tensor y = poisoned(pool.outputShape(x.shape()));
        backend.execute(new Pool2d.Forward(pool, x, y));
        return y.toDoubleArray();
    }

    private double[] backward(Pool2d pool, Tensor x, Tensor dy) {
        Tensor dx = poisoned(x.shape());
        backend.execute(new Pool2d.Backward(pool, x, dy, dx));
        return dx.toDoubleArray();
    }

    /** Forward and backward of max and average pooling in float32 are the float64 results rounded once (seed 12). */
    @Test
    void float32IsFloat64RoundedOnceSeed12() {
        Random rnd = new Random(12);
        Shape xs = Shape.of(2, 3, 7, 6);
        double[] xv = Float32Parity.randomFloats(rnd, xs.size());
        for (Pool2d pool : List.of(pool(Mode.MAX, 3, 2, 1, true, true), pool(Mode.AVG, 3, 2, 1, true, true),
                pool(Mode.AVG, 3, 2, 1, true, false))) {
            Shape ys = pool.outputShape(xs);
            double[] dyv = Float32Parity.randomFloats(rnd, ys.size());
            Float32Parity.check(pool + ", seed 12", d -> {
                Tensor x = tensor(xs, d, xv);
                Tensor y = zeros(ys, d);
                Tensor dx = zeros(xs, d);
                backend.execute(new Pool2d.Forward(pool, x, y));
                backend.execute(new Pool2d.Backward(pool, x, tensor(ys, d, dyv), dx));
                return List.of(y, dx);
            });
        }
    }

    // ---- gradient checks -------------------------------------------------------------------------------

    /** One pooling to check on input [n, c, h, w]. */
    record Case(String name, long seed, int n, int c, int h, int w, Pool2d pool) {
        @Override
        public String toString() {
            return name + " (seed " + seed + "): x [" + n + ", " + c + ", " + h + ", " + w + "], " + pool;
        }
    }

    static Stream<Case> cases() {
        List<Case> list = new ArrayList<>();
        for (Mode m : Mode.values()) {
            String s = m.name().toLowerCase();
            long base = m == Mode.MAX ? 100 : 200;
            list.addAll(List.of(
                    new Case(s + " 2x2 stride 2", base + 1, 2, 3, 6, 6, pool(m, 2, 2, 0, false, true)),
                    new Case(s + " overlapping 3x3 stride 2", base + 2, 2, 2, 7, 9, pool(m, 3, 2, 0, false, true)),
                    new Case(s + " 3x3 stride 2 ceil mode", base + 3, 1, 2, 6, 6, pool(m, 3, 2, 0, true, true)),
                    new Case(s + " padding, ceil, counting padding", base + 4, 2, 2, 4, 5,
                            pool(m, 3, 2, 1, true, true)),
                    new Case(s + " padding, ceil, not counting padding", base + 5, 2, 2, 4, 5,
                            pool(m, 3, 2, 1, true, false)),
                    new Case(s + " padding, floor, not counting padding", base + 6, 1, 3, 5, 5,
                            pool(m, 2, 1, 1, false, false)),
                    new Case(s + " stride larger than kernel", base + 7, 2, 1, 8, 7, pool(m, 2, 3, 0, false, true)),
                    new Case(s + " non-square", base + 8, 1, 2, 7, 6,
                            new Pool2d(m, Size2d.of(3, 2), Size2d.of(2, 1), Size2d.of(1, 0), true, false)),
                    new Case(s + " batch 1, one channel", base + 9, 1, 1, 5, 5, pool(m, 2, 2, 1, false, true))));
        }
        for (long seed = 1; seed <= 8; seed++) {
            list.add(randomCase(seed));
        }
        // dilated max pooling (every window keeps a tap inside the input, so the loss stays finite)
        list.addAll(List.of(
                new Case("max dilation 2, padding 1, ceil mode", 301, 2, 2, 9, 8,
                        pool(Mode.MAX, 3, 2, 1, true, true).withDilation(Size2d.of(2))),
                new Case("max dilation (2, 3), padding (1, 0), stride 1", 302, 1, 2, 7, 9,
                        new Pool2d(Mode.MAX, Size2d.of(2, 3), Size2d.of(1), Size2d.of(1, 0), false, true,
                                Size2d.of(2, 3))),
                new Case("max dilation 3, kernel 2, stride 2, ceil mode", 303, 2, 1, 8, 11,
                        pool(Mode.MAX, 2, 2, 0, true, true).withDilation(Size2d.of(3)))));
        return list.stream();
    }

    private static Pool2d pool(Mode m, int k, int s, int p, boolean ceil, boolean countIncludePad) {
        return new Pool2d(m, Size2d.of(k), Size2d.of(s), Size2d.of(p), ceil, countIncludePad);
    }

    /** A valid random pooling drawn from {@code seed}. */
    static Case randomCase(long seed) {
        Random r = new Random(seed);
        Size2d k = Size2d.of(1 + r.nextInt(4), 1 + r.nextInt(4));
        Size2d s = Size2d.of(1 + r.nextInt(3), 1 + r.nextInt(3));
        Size2d p = Size2d.of(r.nextInt(k.h() / 2 + 1), r.nextInt(k.w() / 2 + 1));
        Pool2d pool = new Pool2d(r.nextBoolean() ? Mode.MAX : Mode.AVG, k, s, p, r.nextBoolean(), r.nextBoolean());
        int h = pool.smallestInput().h() + r.nextInt(5);
        int w = pool.smallestInput().w() + r.nextInt(5);
        return new Case("random", seed, 1 + r.nextInt(2), 1 + r.nextInt(3), h, w, pool);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientMatchesFiniteDifferences(Case t) {
        Random rnd = new Random(t.seed);
        Shape xs = Shape.of(t.n, t.c, t.h, t.w);
        Shape ys = t.pool.outputShape(xs);
        Tensor x = tensor(xs, GradCheck.random(rnd, xs.size()));
        Tensor y = poisoned(ys);
        double[] r = GradCheck.random(rnd, ys.size());
        Tensor dx = poisoned(xs);
        backend.execute(new Pool2d.Backward(t.pool, x, tensor(ys, r), dx));
        GradCheck.check(t.toString(), List.of(x), List.of(dx), () -> {
            backend.execute(new Pool2d.Forward(t.pool, x, y));
            return GradCheck.dot(y, r);
        }, rnd, 200);
    }

    // ---- dilation: PyTorch 1.13's max_pool2d(dilation=...) in float64 ------------------------------------------

    /** x[i] = (5 i mod 13) - 6 (ties), NaN at the given flat indices; dy[j] = j + 1. */
    private double[][] dilatedAgainstTorch(Pool2d pool, Shape xs, int... nanAt) {
        double[] v = new double[xs.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i * 5) % 13 - 6;
        }
        for (int i : nanAt) {
            v[i] = NAN;
        }
        Tensor x = tensor(xs, v);
        Shape ys = pool.outputShape(xs);
        double[] g = new double[ys.size()];
        for (int j = 0; j < g.length; j++) {
            g[j] = j + 1;
        }
        return new double[][] {forward(pool, x), backward(pool, x, tensor(ys, g))};
    }

    /** {@code max_pool2d(x[1,1,5,6], 3, 2, 1, dilation=2, ceil_mode=True)}: ceil mode adds a column of windows. */
    @Test
    void dilatedCeilModeWithPaddingMatchesTorch() {
        Pool2d pool = Pool2d.max(3, 2).withPadding(Size2d.of(1)).withDilation(Size2d.of(2)).withCeilMode(true);
        assertEquals(Shape.of(1, 1, 2, 3), pool.outputShape(Shape.of(1, 1, 5, 6)));
        double[][] r = dilatedAgainstTorch(pool, Shape.of(1, 1, 5, 6));
        assertArrayEquals(new double[] {3, 5, 5, 3, 5, 5}, r[0], 0);
        double[] dx = new double[30];
        dx[7] = 5;
        dx[23] = 16;
        assertArrayEquals(dx, r[1], 0);
    }

    /**
     * {@code max_pool2d(x[1,1,4,5], 2, 1, 1, dilation=2)} with NaN at 6 and 8: NaN propagates to every window
     * with a tap on it, and each such window's gradient goes to its last NaN.
     */
    @Test
    void dilatedNaNAndTiesMatchTorch() {
        Pool2d pool = Pool2d.max(2, 1).withPadding(Size2d.of(1)).withDilation(Size2d.of(2));
        double[][] r = dilatedAgainstTorch(pool, Shape.of(1, 1, 4, 5), 6, 8);
        assertArrayEquals(new double[] {NAN, 6, NAN, 3, NAN, -1, 5, -1, 4, -4, NAN, 6, NAN, 3, NAN, -3, 5, -3, 2,
            -6}, r[0], 0);
        assertArrayEquals(new double[] {0, 14, 9, 10, 0, 14, 12, 18, 36, 0, 24, 34, 19, 20, 0, 0, 0, 0, 0, 0}, r[1],
                0);
    }

    /** {@code max_pool2d(x[1,1,7,5], (2, 3), (2, 1), (1, 1), dilation=(3, 2), ceil_mode=True)}. */
    @Test
    void dilatedNonSquareMatchesTorch() {
        Pool2d pool = new Pool2d(Mode.MAX, Size2d.of(2, 3), Size2d.of(2, 1), Size2d.of(1), true, true,
                Size2d.of(3, 2));
        double[][] r = dilatedAgainstTorch(pool, Shape.of(1, 1, 7, 5));
        assertArrayEquals(new double[] {-3, 5, -3, 5, 6, 5, 6, 4, 6, 4, 2, 4}, r[0], 0);
        double[] dx = new double[35];
        dx[5] = 5;
        dx[10] = 2;
        dx[11] = 4;
        dx[15] = 8;
        dx[18] = 16;
        dx[23] = 10;
        dx[25] = 11;
        dx[28] = 22;
        assertArrayEquals(dx, r[1], 0);
    }

    /**
     * A dilated window may have no tap inside the input ({@code max_pool2d(x[1,1,2,2], 2, 1, 1, dilation=3)}: taps
     * at -1 and 2): its output is -inf, as PyTorch's forward gives, and no element receives its gradient.
     */
    @Test
    void dilatedWindowWithNoTapInsideIsNegativeInfinity() {
        Pool2d pool = Pool2d.max(2, 1).withPadding(Size2d.of(1)).withDilation(Size2d.of(3));
        Tensor x = tensor(Shape.of(1, 1, 2, 2), 1, 2, 3, 4);
        assertArrayEquals(new double[] {Double.NEGATIVE_INFINITY}, forward(pool, x), 0);
        assertArrayEquals(new double[4], backward(pool, x, tensor(Shape.of(1, 1, 1, 1), 7)), 0);
    }

    @Test
    void averagePoolingRejectsDilation() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Pool2d.avg(2, 2).withDilation(Size2d.of(2, 1)));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("dilation (2, 1) is defined only for MAX"),
                e.getMessage());
    }
}
