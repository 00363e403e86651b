package org.cnn4j.backend.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Linear;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Linear on the reference backend: hand-computed forward and backward, gradient checks. */
class LinearReferenceTest extends ReferenceTestSupport {

    /**
     * x = [[1, 2, 3], [4, 5, 6]], weight = [[1, 0, -1], [2, 1, 0]], bias (10, 20):
     * y = [[1 - 3 + 10, 2 + 2 + 20], [4 - 6 + 10, 8 + 5 + 20]] = [[8, 24], [8, 33]].
     */
    @Test
    void handComputedForward() {
        Tensor y = poisoned(Shape.of(2, 2));
        backend.execute(new Linear.Forward(x23(), w23(), tensor(Shape.of(2), 10, 20), y));
        assertArrayEquals(new double[] {8, 24, 8, 33}, y.toDoubleArray(), 0);
    }

    /** Without bias the same product: [[-2, 4], [-2, 13]]. */
    @Test
    void handComputedForwardWithoutBias() {
        Tensor y = poisoned(Shape.of(2, 2));
        backend.execute(new Linear.Forward(x23(), w23(), null, y));
        assertArrayEquals(new double[] {-2, 4, -2, 13}, y.toDoubleArray(), 0);
    }

    /**
     * dy = [[1, 0], [0, 3]]: dx = dy * weight = [[1, 0, -1], [6, 3, 0]]; dWeight = dy^T * x =
     * [[1, 2, 3], [12, 15, 18]]; dBias = (1, 3).
     */
    @Test
    void handComputedBackward() {
        Tensor dy = tensor(Shape.of(2, 2), 1, 0, 0, 3);
        Tensor dx = poisoned(Shape.of(2, 3));
        Tensor dw = poisoned(Shape.of(2, 3));
        Tensor db = poisoned(Shape.of(2));
        backend.execute(new Linear.BackwardData(dy, w23(), dx));
        backend.execute(new Linear.BackwardWeights(x23(), dy, dw, db));
        assertArrayEquals(new double[] {1, 0, -1, 6, 3, 0}, dx.toDoubleArray(), 0, "dx");
        assertArrayEquals(new double[] {1, 2, 3, 12, 15, 18}, dw.toDoubleArray(), 0, "dWeight");
        assertArrayEquals(new double[] {1, 3}, db.toDoubleArray(), 0, "dBias");
    }

    private Tensor x23() {
        return tensor(Shape.of(2, 3), 1, 2, 3, 4, 5, 6);
    }

    private Tensor w23() {
        return tensor(Shape.of(2, 3), 1, 0, -1, 2, 1, 0);
    }

    /** The three calls in float32 are the float64 results rounded once (seed 14). */
    @Test
    void float32IsFloat64RoundedOnceSeed14() {
        Random rnd = new Random(14);
        double[] xv = Float32Parity.randomFloats(rnd, 4 * 9);
        double[] wv = Float32Parity.randomFloats(rnd, 5 * 9);
        double[] bv = Float32Parity.randomFloats(rnd, 5);
        double[] dyv = Float32Parity.randomFloats(rnd, 4 * 5);
        Float32Parity.check("Linear, seed 14", d -> {
            Tensor x = tensor(Shape.of(4, 9), d, xv);
            Tensor w = tensor(Shape.of(5, 9), d, wv);
            Tensor dy = tensor(Shape.of(4, 5), d, dyv);
            Tensor y = zeros(Shape.of(4, 5), d);
            Tensor dx = zeros(Shape.of(4, 9), d);
            Tensor dw = zeros(Shape.of(5, 9), d);
            Tensor db = zeros(Shape.of(5), d);
            backend.execute(new Linear.Forward(x, w, tensor(Shape.of(5), d, bv), y));
            backend.execute(new Linear.BackwardData(dy, w, dx));
            backend.execute(new Linear.BackwardWeights(x, dy, dw, db));
            return List.of(y, dx, dw, db);
        });
    }

    // ---- gradient checks -------------------------------------------------------------------------------

    /** One layer to check: x [n, in], weight [out, in]. */
    record Case(String name, long seed, int n, int in, int out, boolean bias) {
        @Override
        public String toString() {
            return name + " (seed " + seed + "): x [" + n + ", " + in + "], weight [" + out + ", " + in + "], "
                    + (bias ? "bias" : "no bias");
        }
    }

    static Stream<Case> cases() {
        List<Case> list = new ArrayList<>(List.of(
                new Case("with bias", 101, 3, 4, 5, true),
                new Case("without bias", 102, 3, 4, 5, false),
                new Case("batch 1", 103, 1, 6, 2, true),
                new Case("one input feature", 104, 5, 1, 3, false),
                new Case("one output", 105, 4, 3, 1, true)));
        for (long seed = 1; seed <= 4; seed++) {
            Random r = new Random(seed);
            list.add(new Case("random", seed, 1 + r.nextInt(5), 1 + r.nextInt(8), 1 + r.nextInt(8), r.nextBoolean()));
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientsMatchFiniteDifferences(Case t) {
        Random rnd = new Random(t.seed);
        Shape xs = Shape.of(t.n, t.in);
        Shape ws = Shape.of(t.out, t.in);
        Shape ys = Shape.of(t.n, t.out);
        Tensor x = tensor(xs, GradCheck.random(rnd, xs.size()));
        Tensor w = tensor(ws, GradCheck.random(rnd, ws.size()));
        Tensor b = t.bias ? tensor(Shape.of(t.out), GradCheck.random(rnd, t.out)) : null;
        Tensor y = poisoned(ys);
        double[] r = GradCheck.random(rnd, ys.size());
        Tensor dy = tensor(ys, r);
        Tensor dx = poisoned(xs);
        Tensor dw = poisoned(ws);
        Tensor db = t.bias ? poisoned(Shape.of(t.out)) : null;
        backend.execute(new Linear.BackwardData(dy, w, dx));
        backend.execute(new Linear.BackwardWeights(x, dy, dw, db));
        List<Tensor> wrt = t.bias ? List.of(x, w, b) : List.of(x, w);
        List<Tensor> grads = t.bias ? List.of(dx, dw, db) : List.of(dx, dw);
        GradCheck.check(t.toString(), wrt, grads, () -> {
            backend.execute(new Linear.Forward(x, w, b, y));
            return GradCheck.dot(y, r);
        }, rnd, 200);
    }
}
