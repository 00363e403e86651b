package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ActivationReferenceTest.assertArrayClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Softmax;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Softmax and log-softmax over axis 1 on the reference: gradient checks, seed 000's example, stability. */
class SoftmaxReferenceTest {
    private static final int[][] SHAPES = {{3, 5}, {1, 4}, {4, 1}, {2, 3, 4, 5}, {1, 3, 2, 2}, {2, 4, 3}};

    @TestFactory
    List<DynamicTest> gradients() {
        List<DynamicTest> tests = new ArrayList<>();
        long seed = 300;
        for (Softmax sm : List.of(Softmax.softmax(), Softmax.logSoftmax())) {
            for (int[] dims : SHAPES) {
                long s = seed++;
                tests.add(dynamicTest((sm.log() ? "log-softmax" : "softmax") + " shape=" + Arrays.toString(dims)
                        + " seed=" + s, () -> checkGradient(sm, Shape.of(dims), s)));
            }
        }
        return tests;
    }

    private static void checkGradient(Softmax sm, Shape shape, long seed) {
        Random rnd = new Random(seed);
        try (RefScratch ref = new RefScratch()) {
            double[] xv = GradCheck.random(rnd, shape.size());
            for (int i = 0; i < xv.length; i++) {
                xv[i] *= 3;
            }
            double[] r = GradCheck.random(rnd, shape.size());
            Tensor x = ref.f64(shape, xv);
            Tensor y = ref.zeros(shape);
            Tensor dy = ref.f64(shape, r);
            Tensor dx = ref.zeros(shape);
            ref.run(new Softmax.Forward(sm, x, y));
            ref.run(new Softmax.Backward(sm, y, dy, dx));
            GradCheck.check(sm + " seed=" + seed, List.of(x), List.of(dx), () -> {
                ref.run(new Softmax.Forward(sm, x, y));
                return GradCheck.dot(y, r);
            }, rnd, 200);
        }
    }

    private static double[] forward(Softmax sm, Shape shape, double... x) {
        try (RefScratch ref = new RefScratch()) {
            Tensor tx = ref.f64(shape, x);
            Tensor ty = ref.zeros(shape);
            ref.run(new Softmax.Forward(sm, tx, ty));
            return ty.toDoubleArray();
        }
    }

    @Test
    void seed000Example() {
        // seed 000 eq. 12-14: z = [5.45, 3.21] -> q = [0.903784, 0.096216] (six digits in the text);
        // exactly q0 = 1 / (1 + e^-2.24) = 0.9037844582893072
        double[] q = forward(Softmax.softmax(), Shape.of(1, 2), 5.45, 3.21);
        assertArrayClose(new double[] {0.903784, 0.096216}, q, 5e-7);
        assertArrayClose(new double[] {0.9037844582893072, 1 - 0.9037844582893072}, q, 1e-15);
        // log-softmax gives log q: log q0 = -log(1 + e^-2.24) = -0.10116437811507248, log q1 = log q0 - 2.24
        double[] lq = forward(Softmax.logSoftmax(), Shape.of(1, 2), 5.45, 3.21);
        assertArrayClose(new double[] {-0.10116437811507248, -0.10116437811507248 - 2.24}, lq, 1e-14);
    }

    @Test
    void normalizesOverChannelsAtEachPixel() {
        // x [1, 2, 1, 2]: pixel 0 has channels (5.45, 3.21), pixel 1 has (0, 0); flat order is c, then w
        double[] y = forward(Softmax.softmax(), Shape.of(1, 2, 1, 2), 5.45, 0, 3.21, 0);
        assertArrayClose(new double[] {0.9037844582893072, 0.5, 0.0962155417106928, 0.5}, y, 1e-15);
    }

    @Test
    void stableForLargeLogits() {
        // exp(1e4) overflows; with the maximum subtracted first the answer is the seed 000 one
        double[] q = forward(Softmax.softmax(), Shape.of(2, 2), 1e4, 1e4 - 2.24, -1e4, -1e4 - 2.24);
        assertArrayClose(new double[] {0.9037844582893072, 0.0962155417106928, 0.9037844582893072,
            0.0962155417106928}, q, 1e-12);
        double[] lq = forward(Softmax.logSoftmax(), Shape.of(1, 2), 1e4, -1e4);
        assertEquals(0.0, lq[0], 0);
        assertEquals(-2e4, lq[1], 1e-9);
    }

    @Test
    void rowsSumToOne() {
        Random rnd = new Random(399);
        Shape s = Shape.of(3, 7, 2, 3);
        double[] x = GradCheck.random(rnd, s.size());
        double[] y = forward(Softmax.softmax(), s, x);
        for (int n = 0; n < 3; n++) {
            for (int k = 0; k < 6; k++) {
                double sum = 0;
                for (int c = 0; c < 7; c++) {
                    sum += y[(n * 7 + c) * 6 + k];
                }
                assertEquals(1.0, sum, 1e-14, "seed 399, n=" + n + " pixel " + k);
            }
        }
    }

    @Test
    void nanPoisonsOnlyItsOwnDistribution() {
        double[] y = forward(Softmax.softmax(), Shape.of(2, 2), Double.NaN, 1, 0, 0);
        assertTrue(Double.isNaN(y[0]) && Double.isNaN(y[1]), Arrays.toString(y));
        assertArrayClose(new double[] {0.5, 0.5}, new double[] {y[2], y[3]}, 1e-15);
    }

    /**
     * PyTorch 1.13, float64: {@code softmax(x, dim=1)} and {@code log_softmax(x, dim=1)} of x [1, 3, 2, 2], and
     * their backward for dy = 0.5 * arange(12) - 2 (each pixel's three channels are one distribution).
     */
    @Test
    void rank4OverChannelsMatchesTorchForwardAndBackward() {
        Shape s = Shape.of(1, 3, 2, 2);
        double[] x = {0.5, -1.0, 2.0, 0.25, 1.5, 3.0, -0.5, 0.75, -2.0, 1.0, 0.0, 1.25};
        double[] dy = new double[12];
        for (int i = 0; i < 12; i++) {
            dy[i] = 0.5 * i - 2;
        }
        double[][] want = {
            {0.2631324936512963, 0.015876239976466762, 0.8214090194651259, 0.1863237232258476, 0.7152682759694339,
                0.8668133321973347, 0.06742535823245292, 0.3071958857184984, 0.021599230379269717,
                0.11731042782619835, 0.11116562230242114, 0.506480391055654},
            {-0.3991544875735858, -0.034973266969174216, -0.4760173740402571, -0.49195301118295615,
                0.34552216161970767, -0.17584901273751236, 0.09577683097185942, -0.19670162228532093,
                0.05363232595387805, 0.21082227970668674, 0.3802405430683977, 0.688654633468277},
            {-1.3350975955161672, -4.1429316284999, -0.19673409691961713, -1.6802696706417346, -0.3350975955161672,
                -0.14293162849989968, -2.696734096919617, -1.1802696706417346, -3.8350975955161672,
                -2.1429316284998996, -2.196734096919617, -0.6802696706417346},
            {-2.0, -1.5238143599647, -3.4642270583953776, -1.338456754516314, 0.0, -0.8002199982960021,
                0.7977239253026411, 0.11761851426675732, 2.0, 2.3240343582607026, 2.6665031330927365,
                1.220838240249557}};
        int k = 0;
        for (Softmax sm : List.of(Softmax.softmax(), Softmax.logSoftmax())) {
            try (RefScratch ref = new RefScratch()) {
                Tensor y = ref.zeros(s);
                ref.run(new Softmax.Forward(sm, ref.f64(s, x), y));
                assertArrayClose(want[k], y.toDoubleArray(), 1e-14);
                Tensor dx = ref.zeros(s);
                ref.run(new Softmax.Backward(sm, y, ref.f64(s, dy), dx));
                assertArrayClose(want[k + 1], dx.toDoubleArray(), 1e-13);
            }
            k += 2;
        }
    }
}
