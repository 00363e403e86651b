package org.cnn4j.backend.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Activation;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.AssertionFailedError;

/** Activations on the reference: gradient checks, values at and near the kinks, NaN propagation. */
class ActivationReferenceTest {
    private static final List<Activation> ACTIVATIONS = List.of(Activation.relu(), Activation.leakyRelu(0.01),
            Activation.leakyRelu(0.2), Activation.elu(1.0), Activation.elu(0.7), Activation.sigmoid(),
            Activation.tanh());

    private static final int[][] SHAPES = {{7}, {3, 5}, {2, 3, 4, 5}, {1, 2, 3, 3}};

    /** Values uniform in +-[0.05, 3): away from the kink at 0. */
    static double[] awayFromZero(Random rnd, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            double m = 0.05 + rnd.nextDouble() * 2.95;
            a[i] = rnd.nextBoolean() ? m : -m;
        }
        return a;
    }

    @TestFactory
    List<DynamicTest> gradients() {
        List<DynamicTest> tests = new ArrayList<>();
        long seed = 100;
        for (Activation act : ACTIVATIONS) {
            for (int[] dims : SHAPES) {
                long s = seed++;
                tests.add(dynamicTest(act + " shape=" + Arrays.toString(dims) + " seed=" + s,
                        () -> checkGradient(act, Shape.of(dims), s, 1.0)));
            }
        }
        return tests;
    }

    /** Runs forward and backward, then compares dx (times {@code skew}) with finite differences. */
    private static void checkGradient(Activation act, Shape shape, long seed, double skew) {
        Random rnd = new Random(seed);
        try (RefScratch ref = new RefScratch()) {
            double[] r = GradCheck.random(rnd, shape.size());
            Tensor x = ref.f64(shape, awayFromZero(rnd, shape.size()));
            Tensor y = ref.zeros(shape);
            Tensor dy = ref.f64(shape, r);
            Tensor dx = ref.zeros(shape);
            ref.run(new Activation.Forward(act, x, y));
            ref.run(new Activation.Backward(act, x, y, dy, dx));
            if (skew != 1.0) {
                double[] d = dx.toDoubleArray();
                d[0] *= skew;
                dx.copyFrom(d);
            }
            GradCheck.check(act + " seed=" + seed, List.of(x), List.of(dx), () -> {
                ref.run(new Activation.Forward(act, x, y));
                return GradCheck.dot(y, r);
            }, rnd, 200);
        }
    }

    @Test
    void gradientCheckRejectsAWrongGradient() {
        assertThrows(AssertionFailedError.class,
                () -> checkGradient(Activation.tanh(), Shape.of(3, 4), 7, 1.001));
    }

    private static double[] forward(Activation act, double... x) {
        try (RefScratch ref = new RefScratch()) {
            Shape s = Shape.of(x.length);
            Tensor tx = ref.f64(s, x);
            Tensor ty = ref.zeros(s);
            ref.run(new Activation.Forward(act, tx, ty));
            return ty.toDoubleArray();
        }
    }

    /** dx for dy = 1. */
    private static double[] derivative(Activation act, double... x) {
        try (RefScratch ref = new RefScratch()) {
            Shape s = Shape.of(x.length);
            Tensor tx = ref.f64(s, x);
            Tensor ty = ref.zeros(s);
            Tensor dy = ref.f64(s, filled(x.length, 1));
            Tensor dx = ref.zeros(s);
            ref.run(new Activation.Forward(act, tx, ty));
            ref.run(new Activation.Backward(act, tx, ty, dy, dx));
            return dx.toDoubleArray();
        }
    }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        Arrays.fill(a, v);
        return a;
    }

    @Test
    void knownValues() {
        // relu(-1) = 0, relu(0) = 0, relu(2) = 2
        assertArrayClose(new double[] {0, 0, 2}, forward(Activation.relu(), -1, 0, 2), 0);
        // leaky 0.1: -2 -> -0.2
        assertArrayClose(new double[] {-0.2, 3}, forward(Activation.leakyRelu(0.1), -2, 3), 1e-15);
        // elu alpha 1: -1 -> e^-1 - 1 = -0.6321205588285577
        assertArrayClose(new double[] {-0.6321205588285577, 0.5}, forward(Activation.elu(1), -1, 0.5), 1e-15);
        // sigmoid(0) = 1/2, sigmoid(ln 3) = 3/4
        assertArrayClose(new double[] {0.5, 0.75}, forward(Activation.sigmoid(), 0, Math.log(3)), 1e-15);
        // tanh(1) = 0.7615941559557649, tanh(-1) the negative
        assertArrayClose(new double[] {0.7615941559557649, -0.7615941559557649}, forward(Activation.tanh(), 1, -1),
                1e-15);
        // large arguments saturate without NaN
        assertArrayClose(new double[] {0, 1, -1}, new double[] {forward(Activation.sigmoid(), -800)[0],
            forward(Activation.sigmoid(), 800)[0], forward(Activation.tanh(), -800)[0]}, 0);
    }

    @Test
    void gradientsAtTheKinkFollowPyTorch() {
        // PyTorch at x = 0: relu' = 0, leaky' = alpha, elu' = alpha * exp(0) = alpha
        assertEquals(0.0, derivative(Activation.relu(), 0)[0]);
        assertEquals(0.3, derivative(Activation.leakyRelu(0.3), 0)[0]);
        assertEquals(0.7, derivative(Activation.elu(0.7), 0)[0], 1e-15);
        // sigmoid'(0) = 1/4, tanh'(0) = 1
        assertEquals(0.25, derivative(Activation.sigmoid(), 0)[0], 1e-15);
        assertEquals(1.0, derivative(Activation.tanh(), 0)[0], 1e-15);
    }

    @Test
    void nanPropagatesForwardAndBackward() {
        for (Activation act : ACTIVATIONS) {
            double[] y = forward(act, Double.NaN, 1.0);
            assertTrue(Double.isNaN(y[0]), act + " forward of NaN is " + y[0]);
            assertTrue(!Double.isNaN(y[1]), act + " forward of 1 is NaN");
            double[] d = derivative(act, Double.NaN, 1.0, -1.0);
            assertTrue(Double.isNaN(d[0]), act + " backward at NaN is " + d[0]);
            assertTrue(!Double.isNaN(d[1]) && !Double.isNaN(d[2]), act + " backward at +-1 is NaN");
        }
    }

    @Test
    void nanInUpstreamGradientPropagates() {
        for (Activation act : ACTIVATIONS) {
            try (RefScratch ref = new RefScratch()) {
                Shape s = Shape.of(2);
                Tensor x = ref.f64(s, -1.5, 2.0);
                Tensor y = ref.zeros(s);
                Tensor dy = ref.f64(s, Double.NaN, Double.NaN);
                Tensor dx = ref.zeros(s);
                ref.run(new Activation.Forward(act, x, y));
                ref.run(new Activation.Backward(act, x, y, dy, dx));
                double[] d = dx.toDoubleArray();
                assertTrue(Double.isNaN(d[0]) && Double.isNaN(d[1]), act + ": " + Arrays.toString(d));
            }
        }
    }

    @Test
    void float32OutputIsRoundedToFloat() {
        try (RefScratch ref = new RefScratch()) {
            Shape s = Shape.of(1);
            Tensor x = ref.f32(s, 0.3f);
            Tensor y = ref.zeros(s, DType.FLOAT32);
            ref.run(new Activation.Forward(Activation.tanh(), x, y));
            double[] got = y.toDoubleArray();
            assertEquals((float) Math.tanh(0.3f), got[0]);
        }
    }

    static void assertArrayClose(double[] expected, double[] actual, double tol) {
        assertEquals(expected.length, actual.length, "length");
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double a = actual[i];
            assertTrue(Math.abs(e - a) <= tol, "element " + i + ": expected " + e + " but was " + a
                    + " (" + Arrays.toString(actual) + ")");
        }
    }
}
