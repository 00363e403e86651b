package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ActivationReferenceTest.assertArrayClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.L2Penalty;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The L2 penalty on the reference: its backward accumulates the gradient of its forward. */
class L2PenaltyReferenceTest {
    @TestFactory
    List<DynamicTest> gradients() {
        List<DynamicTest> tests = new ArrayList<>();
        int[][] shapes = {{5}, {3, 4}, {2, 3, 3, 3}, {1}};
        long seed = 800;
        for (double c : new double[] {0.1, 5e-4, 2.0}) {
            for (int[] dims : shapes) {
                long s = seed++;
                tests.add(dynamicTest("coefficient=" + c + " shape=" + Arrays.toString(dims) + " seed=" + s,
                        () -> checkGradient(new L2Penalty(c), Shape.of(dims), s)));
            }
        }
        return tests;
    }

    /** dWeight starts at a random d0; after the backward, dWeight - d0 must be the gradient of the loss. */
    private static void checkGradient(L2Penalty penalty, Shape shape, long seed) {
        Random rnd = new Random(seed);
        try (RefScratch ref = new RefScratch()) {
            double[] w0 = GradCheck.random(rnd, shape.size());
            double[] d0 = GradCheck.random(rnd, shape.size());
            Tensor w = ref.f64(shape, w0);
            Tensor dw = ref.f64(shape, d0);
            Tensor loss = ref.zeros(Shape.scalar());
            ref.run(new L2Penalty.Backward(penalty, w, dw));
            double[] after = dw.toDoubleArray();
            double[] added = new double[after.length];
            for (int i = 0; i < after.length; i++) {
                // accumulation, element by element: d0 + c * w in double
                assertEquals(d0[i] + penalty.coefficient() * w0[i], after[i], 0, "seed " + seed + " element " + i);
                added[i] = after[i] - d0[i];
            }
            Tensor analytic = ref.f64(shape, added);
            GradCheck.check(penalty + " seed=" + seed, List.of(w), List.of(analytic), () -> {
                ref.run(new L2Penalty.Forward(penalty, w, loss));
                return loss.toDoubleArray()[0];
            }, rnd, 200);
        }
    }

    @Test
    void byHand() {
        // w = (1, 2, -3), c = 0.1: loss = 0.05 * 14 = 0.7; dWeight (0.5, 0.5, 0.5) + 0.1 w = (0.6, 0.7, 0.2)
        try (RefScratch ref = new RefScratch()) {
            Tensor w = ref.f64(Shape.of(3), 1, 2, -3);
            Tensor dw = ref.f64(Shape.of(3), 0.5, 0.5, 0.5);
            Tensor loss = ref.zeros(Shape.scalar());
            ref.run(new L2Penalty.Forward(new L2Penalty(0.1), w, loss));
            ref.run(new L2Penalty.Backward(new L2Penalty(0.1), w, dw));
            assertEquals(0.7, loss.toDoubleArray()[0], 1e-15);
            assertArrayClose(new double[] {0.6, 0.7, 0.2}, dw.toDoubleArray(), 1e-15);
            // a second backward adds again
            ref.run(new L2Penalty.Backward(new L2Penalty(0.1), w, dw));
            assertArrayClose(new double[] {0.7, 0.9, -0.1}, dw.toDoubleArray(), 1e-15);
        }
    }
}
