package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ActivationReferenceTest.assertArrayClose;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Concat;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Concatenation on the reference: finite-difference gradients of every part, and torch.cat's answers. */
class ConcatReferenceTest {
    private record G(int axis, int[] base, int[] along) {
    }

    @TestFactory
    List<DynamicTest> gradients() {
        List<G> cases = List.of(new G(1, new int[] {2, 1, 3, 4}, new int[] {2, 3}),
                new G(0, new int[] {1, 3, 2}, new int[] {2, 1, 2}),
                new G(2, new int[] {2, 3, 1}, new int[] {1, 4}),
                new G(0, new int[] {1}, new int[] {5}),
                new G(3, new int[] {1, 2, 2, 1}, new int[] {3, 1, 2}));
        List<DynamicTest> tests = new ArrayList<>();
        long seed = 500;
        for (G g : cases) {
            long s = seed++;
            tests.add(dynamicTest("axis " + g.axis() + " base=" + Arrays.toString(g.base()) + " along="
                    + Arrays.toString(g.along()) + " seed=" + s, () -> checkGradient(g, s)));
        }
        return tests;
    }

    private static void checkGradient(G g, long seed) {
        Random rnd = new Random(seed);
        Concat cat = new Concat(g.axis());
        try (RefScratch ref = new RefScratch()) {
            List<Tensor> xs = new ArrayList<>();
            List<Tensor> dxs = new ArrayList<>();
            List<Shape> shapes = new ArrayList<>();
            for (int a : g.along()) {
                int[] d = g.base().clone();
                d[g.axis()] = a;
                Shape s = Shape.of(d);
                shapes.add(s);
                xs.add(ref.f64(s, GradCheck.random(rnd, s.size())));
                double[] junk = new double[s.size()];
                Arrays.fill(junk, 123.0);
                dxs.add(ref.f64(s, junk));
            }
            Shape os = cat.outputShape(shapes);
            double[] r = GradCheck.random(rnd, os.size());
            Tensor out = ref.zeros(os);
            ref.run(new Concat.Backward(cat, ref.f64(os, r), dxs));
            GradCheck.check("concat seed=" + seed, xs, dxs, () -> {
                ref.run(new Concat.Forward(cat, xs, out));
                return GradCheck.dot(out, r);
            }, rnd, 300);
        }
    }

    /** torch.cat([arange(4).reshape(2, 2), 10 + arange(6).reshape(2, 3)], dim=1), and its split back. */
    @Test
    void channelConcatenationInterleavesRows() {
        try (RefScratch ref = new RefScratch()) {
            Concat cat = new Concat(1);
            Tensor a = ref.f64(Shape.of(2, 2), 0, 1, 2, 3);
            Tensor b = ref.f64(Shape.of(2, 3), 10, 11, 12, 13, 14, 15);
            Tensor out = ref.zeros(Shape.of(2, 5));
            ref.run(new Concat.Forward(cat, List.of(a, b), out));
            assertArrayClose(new double[] {0, 1, 10, 11, 12, 2, 3, 13, 14, 15}, out.toDoubleArray(), 0);
            Tensor da = ref.zeros(Shape.of(2, 2));
            Tensor db = ref.zeros(Shape.of(2, 3));
            ref.run(new Concat.Backward(cat, out, List.of(da, db)));
            assertArrayClose(a.toDoubleArray(), da.toDoubleArray(), 0);
            assertArrayClose(b.toDoubleArray(), db.toDoubleArray(), 0);
        }
    }
}
