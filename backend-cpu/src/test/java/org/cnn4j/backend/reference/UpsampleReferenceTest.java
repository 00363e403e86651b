package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ActivationReferenceTest.assertArrayClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Upsample;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Nearest upsampling on the reference: finite-difference gradients for each form, and PyTorch 1.13's answers
 * ({@code F.interpolate(mode="nearest")}) on non-integer ratios and on a factor whose float scale rounds down.
 */
class UpsampleReferenceTest {
    private record G(Upsample up, int[] x) {
    }

    @TestFactory
    List<DynamicTest> gradients() {
        List<G> cases = List.of(new G(Upsample.nearest(2), new int[] {2, 3, 4, 5}),
                new G(Upsample.nearest(3, 1), new int[] {1, 2, 3, 4}),
                new G(Upsample.nearest(1), new int[] {1, 1, 3, 3}),
                new G(Upsample.nearest(4), new int[] {1, 2, 1, 1}),
                new G(Upsample.nearestToSize(8, 3), new int[] {1, 2, 5, 7}),
                new G(Upsample.nearestToSize(7, 17), new int[] {2, 1, 3, 6}),
                new G(Upsample.nearestToSize(2, 2), new int[] {1, 1, 5, 4}),
                new G(Upsample.nearest(1, 41), new int[] {1, 1, 2, 3}));
        List<DynamicTest> tests = new ArrayList<>();
        long seed = 400;
        for (G g : cases) {
            long s = seed++;
            tests.add(dynamicTest(g.up() + " x=" + Arrays.toString(g.x()) + " seed=" + s,
                    () -> checkGradient(g.up(), Shape.of(g.x()), s)));
        }
        return tests;
    }

    private static void checkGradient(Upsample up, Shape xs, long seed) {
        Random rnd = new Random(seed);
        try (RefScratch ref = new RefScratch()) {
            Shape ys = up.outputShape(xs);
            double[] r = GradCheck.random(rnd, ys.size());
            Tensor x = ref.f64(xs, GradCheck.random(rnd, xs.size()));
            Tensor y = ref.zeros(ys);
            Tensor dy = ref.f64(ys, r);
            // garbage in dx: the backward overwrites it, so any leftover would fail the check
            double[] junk = new double[xs.size()];
            Arrays.fill(junk, 123.0);
            Tensor dx = ref.f64(xs, junk);
            ref.run(new Upsample.Backward(up, dy, dx));
            GradCheck.check("upsample seed=" + seed, List.of(x), List.of(dx), () -> {
                ref.run(new Upsample.Forward(up, x, y));
                return GradCheck.dot(y, r);
            }, rnd, 300);
        }
    }

    private static double[] range(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = i;
        }
        return v;
    }

    /** x = arange(35).reshape(1, 1, 5, 7) to size (8, 3): rows 5 -> 8, columns 7 -> 3 (a downsampling). */
    @Test
    void nonIntegerRatiosFollowPyTorch() {
        try (RefScratch ref = new RefScratch()) {
            Upsample up = Upsample.nearestToSize(8, 3);
            Shape xs = Shape.of(1, 1, 5, 7);
            Shape ys = Shape.of(1, 1, 8, 3);
            Tensor y = ref.zeros(ys);
            ref.run(new Upsample.Forward(up, ref.f64(xs, range(35)), y));
            assertArrayClose(new double[] {0, 2, 4, 0, 2, 4, 7, 9, 11, 7, 9, 11, 14, 16, 18, 21, 23, 25, 21, 23, 25,
                28, 30, 32}, y.toDoubleArray(), 0);
            // y.backward(arange(24).reshape(1, 1, 8, 3)): columns 1, 3, 5 and 6 of x copied nowhere get 0
            Tensor dx = ref.zeros(xs);
            ref.run(new Upsample.Backward(up, ref.f64(ys, range(24)), dx));
            assertArrayClose(new double[] {3, 0, 5, 0, 7, 0, 0, 15, 0, 17, 0, 19, 0, 0, 12, 0, 13, 0, 14, 0, 0, 33, 0,
                35, 0, 37, 0, 0, 21, 0, 22, 0, 23, 0, 0}, dx.toDoubleArray(), 0);
        }
    }

    /** PyTorch's per-axis index for sizes 5 -> 8 and 7 -> 3. */
    @Test
    void sourceIndicesOfSizesFollowPyTorch() {
        Upsample up = Upsample.nearestToSize(8, 3);
        int[] rows = new int[8];
        for (int d = 0; d < 8; d++) {
            rows[d] = Upsample.sourceIndex(d, 5, 8, up.indexScaleH(5, 8));
        }
        assertArrayEquals(new int[] {0, 0, 1, 1, 2, 3, 3, 4}, rows);
        int[] cols = new int[3];
        for (int d = 0; d < 3; d++) {
            cols[d] = Upsample.sourceIndex(d, 7, 3, up.indexScaleW(7, 3));
        }
        assertArrayEquals(new int[] {0, 2, 4}, cols);
    }

    /**
     * Factor 41: PyTorch multiplies by (float) (1.0 / 41), which rounds down, so output 41 still copies input 0
     * (output cells 38..44 copy 0, 0, 0, 0, 1, 1, 1) and input 0 receives 42 gradients, input 2 only 40.
     */
    @Test
    void factorFortyOneKeepsPyTorchsFloatScale() {
        try (RefScratch ref = new RefScratch()) {
            Upsample up = Upsample.nearest(1, 41);
            Shape xs = Shape.of(1, 1, 2, 3);
            Shape ys = up.outputShape(xs);
            assertEquals(Shape.of(1, 1, 2, 123), ys);
            Tensor y = ref.zeros(ys);
            ref.run(new Upsample.Forward(up, ref.f64(xs, range(6)), y));
            assertArrayClose(new double[] {0, 0, 0, 0, 1, 1, 1}, Arrays.copyOfRange(y.toDoubleArray(), 38, 45), 0);
            double[] ones = new double[ys.size()];
            Arrays.fill(ones, 1);
            Tensor dx = ref.zeros(xs);
            ref.run(new Upsample.Backward(up, ref.f64(ys, ones), dx));
            assertArrayClose(new double[] {42, 41, 40, 42, 41, 40}, dx.toDoubleArray(), 0);
        }
    }

    /** Every input cell's output range from firstOutput is exactly the cells whose source index is that cell. */
    @Test
    void firstOutputInvertsTheSourceIndex() {
        for (int in = 1; in <= 40; in++) {
            for (int out = 1; out <= 90; out++) {
                float scale = (float) in / out;
                for (int i = 0; i < in; i++) {
                    int lo = Upsample.firstOutput(i, in, out, scale);
                    int hi = Upsample.firstOutput(i + 1, in, out, scale);
                    for (int d = 0; d < out; d++) {
                        boolean inside = d >= lo && d < hi;
                        assertEquals(Upsample.sourceIndex(d, in, out, scale) == i, inside,
                                "in=" + in + " out=" + out + " i=" + i + " d=" + d);
                    }
                }
            }
        }
    }
}
