package org.cnn4j.backend.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Dropout;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Dropout on the reference: the mask from Philox, keep rate, exact scaling, the backward's mask. */
class DropoutReferenceTest {
    @TestFactory
    List<DynamicTest> gradients() {
        List<DynamicTest> tests = new ArrayList<>();
        int[][] shapes = {{3, 5}, {2, 3, 4, 4}, {1, 17}};
        long seed = 500;
        for (double p : new double[] {0.1, 0.5, 0.8}) {
            for (int[] dims : shapes) {
                long s = seed++;
                tests.add(dynamicTest("p=" + p + " shape=" + Arrays.toString(dims) + " seed=" + s,
                        () -> checkGradient(new Dropout(p, s * 7919), Shape.of(dims), s)));
            }
        }
        return tests;
    }

    private static void checkGradient(Dropout d, Shape shape, long seed) {
        Random rnd = new Random(seed);
        try (RefScratch ref = new RefScratch()) {
            double[] r = GradCheck.random(rnd, shape.size());
            Tensor x = ref.f64(shape, GradCheck.random(rnd, shape.size()));
            Tensor y = ref.zeros(shape);
            Tensor dy = ref.f64(shape, r);
            Tensor dx = ref.zeros(shape);
            ref.run(new Dropout.Backward(d, dy, dx));
            GradCheck.check(d + " seed=" + seed, List.of(x), List.of(dx), () -> {
                ref.run(new Dropout.Forward(d, x, y));
                return GradCheck.dot(y, r);
            }, rnd, 200);
        }
    }

    @Test
    void keepRateIsOneMinusPAndKeptValuesAreScaledExactly() {
        for (double p : new double[] {0.1, 0.3, 0.5, 0.9}) {
            Dropout d = new Dropout(p, 0x5eed_0001L);
            int n = 1 << 18;
            double[] xv = GradCheck.random(new Random(601), n);
            try (RefScratch ref = new RefScratch()) {
                Shape s = Shape.of(64, n / 64);
                Tensor x = ref.f64(s, xv);
                Tensor y = ref.zeros(s);
                ref.run(new Dropout.Forward(d, x, y));
                double[] yv = y.toDoubleArray();
                int kept = 0;
                for (int i = 0; i < n; i++) {
                    boolean keep = d.keeps(i);
                    kept += keep ? 1 : 0;
                    // kept: exactly x / (1 - p) computed in double; dropped: x * 0 (0 with x's sign)
                    assertEquals(keep ? xv[i] * (1.0 / (1.0 - p)) : xv[i] * 0.0, yv[i], 0, "p=" + p + " element " + i);
                }
                double rate = kept / (double) n;
                // five standard deviations of a binomial proportion: sqrt(p (1 - p) / n) <= 0.001
                assertEquals(1 - p, rate, 0.005, "keep rate for p=" + p);
            }
        }
    }

    @Test
    void float32KeptValuesAreTheRoundedProduct() {
        Dropout d = new Dropout(0.25, 77);
        float[] xv = {0.1f, -0.7f, 3.3f, 1e-3f, 5f, -2.5f, 0.3f, 9.9f};
        try (RefScratch ref = new RefScratch()) {
            Shape s = Shape.of(8);
            Tensor x = ref.f32(s, xv);
            Tensor y = ref.zeros(s, DType.FLOAT32);
            ref.run(new Dropout.Forward(d, x, y));
            float[] yv = y.toFloatArray();
            for (int i = 0; i < 8; i++) {
                // 1 / 0.75 = 4/3 in double, the product rounded once to float
                float expected = d.keeps(i) ? (float) (xv[i] * (4.0 / 3.0)) : 0f;
                assertEquals(expected, yv[i], 0, "element " + i);
            }
        }
    }

    @Test
    void backwardUsesTheForwardMask() {
        Dropout d = new Dropout(0.5, 31337);
        Shape s = Shape.of(4, 3, 5, 5);
        try (RefScratch ref = new RefScratch()) {
            double[] ones = new double[s.size()];
            Arrays.fill(ones, 1.0);
            Tensor x = ref.f64(s, ones);
            Tensor y = ref.zeros(s);
            Tensor dx = ref.zeros(s);
            ref.run(new Dropout.Forward(d, x, y));
            ref.run(new Dropout.Backward(d, x, dx));
            double[] yv = y.toDoubleArray();
            double[] dxv = dx.toDoubleArray();
            int kept = 0;
            for (int i = 0; i < yv.length; i++) {
                assertEquals(yv[i], dxv[i], 0, "element " + i);
                assertTrue(yv[i] == 0 || yv[i] == 2, "element " + i + " is " + yv[i]);
                kept += yv[i] != 0 ? 1 : 0;
            }
            assertTrue(kept > 0 && kept < yv.length, "kept " + kept + " of " + yv.length);
        }
    }

    @Test
    void anotherSeedGivesAnotherMask() {
        int n = 256;
        int differ = 0;
        for (int i = 0; i < n; i++) {
            differ += new Dropout(0.5, 1).keeps(i) != new Dropout(0.5, 2).keeps(i) ? 1 : 0;
        }
        assertNotEquals(0, differ);
        assertTrue(differ > n / 4 && differ < 3 * n / 4, "masks of seeds 1 and 2 differ in " + differ + " of " + n);
    }

    @Test
    void pOneZeroesEverythingAndPZeroCopies() {
        Shape s = Shape.of(3, 50);
        double[] xv = GradCheck.random(new Random(602), s.size());
        xv[0] = Double.NaN;
        xv[1] = Double.POSITIVE_INFINITY;
        try (RefScratch ref = new RefScratch()) {
            Tensor x = ref.f64(s, xv);
            Tensor y = ref.f64(s, GradCheck.random(new Random(603), s.size()));
            // p = 1 multiplies everything by 0, as PyTorch's dropout(p=1) (input * 0): NaN and inf become NaN
            ref.run(new Dropout.Forward(new Dropout(1, 9), x, y));
            double[] y1 = y.toDoubleArray();
            for (int i = 0; i < y1.length; i++) {
                assertEquals(i < 2 ? Double.NaN : 0.0, y1[i], 0, "element " + i);
            }
            Tensor dx = ref.f64(s, GradCheck.random(new Random(604), s.size()));
            ref.run(new Dropout.Backward(new Dropout(1, 9), x, dx));
            double[] dxv = dx.toDoubleArray();
            for (int i = 0; i < dxv.length; i++) {
                assertEquals(i < 2 ? Double.NaN : 0.0, dxv[i], 0, "element " + i);
            }
            ref.run(new Dropout.Forward(new Dropout(0, 9), x, y));
            double[] yv = y.toDoubleArray();
            for (int i = 0; i < yv.length; i++) {
                assertEquals(xv[i], yv[i], 0, "p=0 element " + i);
            }
        }
    }
}
