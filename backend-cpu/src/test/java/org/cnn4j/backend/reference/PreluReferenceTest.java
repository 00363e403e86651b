package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ActivationReferenceTest.assertArrayClose;
import static org.cnn4j.backend.reference.ActivationReferenceTest.awayFromZero;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Prelu;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** PReLU on the reference: gradients for x and the slope, shared and per channel; values by hand. */
class PreluReferenceTest {
    private static final int[][] SHAPES = {{3, 4}, {2, 3, 4, 5}, {1, 4, 2, 3}, {2, 5, 7}, {1, 1}};

    @TestFactory
    List<DynamicTest> gradients() {
        List<DynamicTest> tests = new ArrayList<>();
        long seed = 200;
        for (int[] dims : SHAPES) {
            for (boolean shared : new boolean[] {true, false}) {
                long s = seed++;
                tests.add(dynamicTest((shared ? "shared" : "per-channel") + " shape=" + Arrays.toString(dims)
                        + " seed=" + s, () -> checkGradient(Shape.of(dims), shared, s)));
            }
        }
        // rank 1 has no channel axis: only the shared slope
        tests.add(dynamicTest("shared shape=[9] seed=299", () -> checkGradient(Shape.of(9), true, 299)));
        return tests;
    }

    private static void checkGradient(Shape shape, boolean shared, long seed) {
        Random rnd = new Random(seed);
        try (RefScratch ref = new RefScratch()) {
            Shape ws = Shape.of(shared ? 1 : shape.dim(1));
            double[] r = GradCheck.random(rnd, shape.size());
            Tensor x = ref.f64(shape, awayFromZero(rnd, shape.size()));
            Tensor w = ref.f64(ws, GradCheck.random(rnd, ws.size()));
            Tensor y = ref.zeros(shape);
            Tensor dy = ref.f64(shape, r);
            Tensor dx = ref.zeros(shape);
            // garbage in dWeight: the backward overwrites it, so any leftover would fail the check
            double[] junk = new double[ws.size()];
            Arrays.fill(junk, 123.0);
            Tensor dw = ref.f64(ws, junk);
            ref.run(new Prelu.Forward(x, w, y));
            ref.run(new Prelu.Backward(x, w, dy, dx, dw));
            GradCheck.check("prelu seed=" + seed, List.of(x, w), List.of(dx, dw), () -> {
                ref.run(new Prelu.Forward(x, w, y));
                return GradCheck.dot(y, r);
            }, rnd, 300);
        }
    }

    @Test
    void perChannelSlopeFollowsAxisOne() {
        try (RefScratch ref = new RefScratch()) {
            // x [1, 2, 2]: channel 0 = (-1, 2), channel 1 = (-3, -4); slopes (0.5, 0.1)
            Shape s = Shape.of(1, 2, 2);
            Tensor x = ref.f64(s, -1, 2, -3, -4);
            Tensor w = ref.f64(Shape.of(2), 0.5, 0.1);
            Tensor y = ref.zeros(s);
            ref.run(new Prelu.Forward(x, w, y));
            assertArrayClose(new double[] {-0.5, 2, -0.3, -0.4}, y.toDoubleArray(), 1e-15);
            // dy = (1, 1, 2, 1): dx = (0.5, 1, 0.2, 0.1); dw = (-1 * 1, -3 * 2 + -4 * 1) = (-1, -10)
            Tensor dy = ref.f64(s, 1, 1, 2, 1);
            Tensor dx = ref.zeros(s);
            Tensor dw = ref.zeros(Shape.of(2));
            ref.run(new Prelu.Backward(x, w, dy, dx, dw));
            assertArrayClose(new double[] {0.5, 1, 0.2, 0.1}, dx.toDoubleArray(), 1e-15);
            assertArrayClose(new double[] {-1, -10}, dw.toDoubleArray(), 1e-15);
        }
    }

    @Test
    void backwardIntoAViewOfItsInputIsRejected() {
        // dx sharing memory with x through a view is rejected before the backend runs
        try (RefScratch ref = new RefScratch()) {
            Shape s = Shape.of(1, 3);
            Tensor x = ref.f64(s, -1, 2, -3);
            Tensor w = ref.f64(Shape.of(1), 0.5);
            Tensor dy = ref.f64(s, 1, 1, 1);
            Tensor dw = ref.zeros(Shape.of(1));
            try (Tensor dx = x.reshape(s)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> ref.run(new Prelu.Backward(x, w, dy, dx, dw)));
                assertTrue(e.getMessage().contains("'dx'") && e.getMessage().contains("'x'"), e.getMessage());
            }
        }
    }
}
