package org.cnn4j.backend.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Gemm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Gemm on the reference backend: hand-computed products in every transpose combination, gradient checks. */
class GemmReferenceTest extends ReferenceTestSupport {
    /** A = [[1, 2, 3], [4, 5, 6]] and its transpose, row-major. */
    private static final double[] A = {1, 2, 3, 4, 5, 6};
    private static final double[] A_T = {1, 4, 2, 5, 3, 6};
    /** B = [[7, 8], [9, 10], [11, 12]] and its transpose. */
    private static final double[] B = {7, 8, 9, 10, 11, 12};
    private static final double[] B_T = {7, 9, 11, 8, 10, 12};

    // ---- hand-computed values ----------------------------------------------------------------------------

    /**
     * A * B = [[58, 64], [139, 154]]; with alpha 2, beta -1 and c = [[1, 2], [3, 4]]:
     * [[115, 126], [275, 304]], whichever of A, B is stored transposed.
     */
    @ParameterizedTest(name = "transA={0} transB={1}")
    @CsvSource({"false, false", "true, false", "false, true", "true, true"})
    void handComputedProduct(boolean transA, boolean transB) {
        Tensor a = transA ? tensor(Shape.of(3, 2), A_T) : tensor(Shape.of(2, 3), A);
        Tensor b = transB ? tensor(Shape.of(2, 3), B_T) : tensor(Shape.of(3, 2), B);
        Tensor c = tensor(Shape.of(2, 2), 1, 2, 3, 4);
        backend.execute(new Gemm.Run(new Gemm(transA, transB, 2, -1), a, b, c));
        assertArrayEquals(new double[] {115, 126, 275, 304}, c.toDoubleArray(), 0);
    }

    /** beta = 0: the old c is not read, so NaN in it does not reach the result. */
    @Test
    void betaZeroDoesNotReadC() {
        Tensor c = tensor(Shape.of(2, 2), Double.NaN, Double.POSITIVE_INFINITY, Double.NaN, Double.NaN);
        backend.execute(new Gemm.Run(Gemm.plain(), tensor(Shape.of(2, 3), A), tensor(Shape.of(3, 2), B), c));
        assertArrayEquals(new double[] {58, 64, 139, 154}, c.toDoubleArray(), 0);
    }

    /** beta != 0 reads c: a NaN there stays in its own element only. */
    @Test
    void betaNonZeroReadsC() {
        Tensor c = tensor(Shape.of(2, 2), 0, Double.NaN, 0, 1);
        backend.execute(new Gemm.Run(new Gemm(false, false, 1, 0.5), tensor(Shape.of(2, 3), A),
                tensor(Shape.of(3, 2), B), c));
        double[] v = c.toDoubleArray();
        assertTrue(Double.isNaN(v[1]), "c[0,1] = 64 + 0.5 * NaN");
        assertArrayEquals(new double[] {58, 139, 154.5}, new double[] {v[0], v[2], v[3]}, 0);
    }

    /** An outer product, K = 1: [1, 2]^T * [3, 4, 5] scaled by alpha = -1. */
    @Test
    void outerProduct() {
        Tensor c = poisoned(Shape.of(2, 3));
        backend.execute(new Gemm.Run(new Gemm(false, false, -1, 0), tensor(Shape.of(2, 1), 1, 2),
                tensor(Shape.of(1, 3), 3, 4, 5), c));
        assertArrayEquals(new double[] {-3, -4, -5, -6, -8, -10}, c.toDoubleArray(), 0);
    }

    /** In float32 the product is the float64 product rounded once, for every transpose combination (seed 15). */
    @Test
    void float32IsFloat64RoundedOnceSeed15() {
        Random rnd = new Random(15);
        double[] av = Float32Parity.randomFloats(rnd, 6 * 7);
        double[] bv = Float32Parity.randomFloats(rnd, 7 * 5);
        double[] cv = Float32Parity.randomFloats(rnd, 6 * 5);
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                Gemm g = new Gemm(ta, tb, 0.3, -1.7);
                Float32Parity.check(g + ", seed 15", d -> {
                    Tensor c = tensor(Shape.of(6, 5), d, cv);
                    backend.execute(new Gemm.Run(g, tensor(ta ? Shape.of(7, 6) : Shape.of(6, 7), d, av),
                            tensor(tb ? Shape.of(5, 7) : Shape.of(7, 5), d, bv), c));
                    return List.of(c);
                });
            }
        }
    }

    // ---- gradient checks -------------------------------------------------------------------------------

    /** One product to check: op(a) [m, k], op(b) [k, n]. */
    record Case(String name, long seed, int m, int k, int n, Gemm gemm) {
        @Override
        public String toString() {
            return name + " (seed " + seed + "): M=" + m + " K=" + k + " N=" + n + ", " + gemm;
        }
    }

    static Stream<Case> cases() {
        List<Case> list = new ArrayList<>();
        long seed = 100;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                String t = "transA=" + ta + " transB=" + tb;
                list.add(new Case(t + ", plain", ++seed, 3, 4, 5, new Gemm(ta, tb, 1, 0)));
                list.add(new Case(t + ", alpha and beta", ++seed, 4, 2, 3, new Gemm(ta, tb, -1.5, 0.75)));
                list.add(new Case(t + ", vector times matrix", ++seed, 1, 5, 3, new Gemm(ta, tb, 0.5, 2)));
            }
        }
        for (long s = 1; s <= 4; s++) {
            Random r = new Random(s);
            list.add(new Case("random", s, 1 + r.nextInt(5), 1 + r.nextInt(5), 1 + r.nextInt(5),
                    new Gemm(r.nextBoolean(), r.nextBoolean(), r.nextDouble() * 4 - 2, r.nextBoolean() ? 0 : 1)));
        }
        return list.stream();
    }

    /**
     * With {@code c = alpha * op(a) * op(b) + beta * c0} and {@code L = sum(r * c)}: {@code dop(a) = alpha * r *
     * op(b)^T}, {@code dop(b) = alpha * op(a)^T * r}, {@code dc0 = beta * r}; {@code da} is {@code dop(a)} or its
     * transpose as a is stored. Computed here by plain loops and compared with finite differences of the
     * reference Gemm.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientsMatchFiniteDifferences(Case t) {
        Random rnd = new Random(t.seed);
        Gemm g = t.gemm;
        int m = t.m, k = t.k, n = t.n;
        Shape as = g.transA() ? Shape.of(k, m) : Shape.of(m, k);
        Shape bs = g.transB() ? Shape.of(n, k) : Shape.of(k, n);
        double[] av = GradCheck.random(rnd, as.size());
        double[] bv = GradCheck.random(rnd, bs.size());
        double[] r = GradCheck.random(rnd, m * n);
        Tensor a = tensor(as, av);
        Tensor b = tensor(bs, bv);
        Tensor c0 = tensor(Shape.of(m, n), GradCheck.random(rnd, m * n));
        Tensor c = poisoned(Shape.of(m, n));

        double[] da = new double[as.size()];
        double[] db = new double[bs.size()];
        double[] dc0 = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                dc0[i * n + j] = g.beta() * r[i * n + j];
                for (int p = 0; p < k; p++) {
                    int ai = g.transA() ? p * m + i : i * k + p;
                    int bi = g.transB() ? j * k + p : p * n + j;
                    da[ai] += g.alpha() * r[i * n + j] * bv[bi];
                    db[bi] += g.alpha() * r[i * n + j] * av[ai];
                }
            }
        }
        GradCheck.check(t.toString(), List.of(a, b, c0),
                List.of(tensor(as, da), tensor(bs, db), tensor(Shape.of(m, n), dc0)), () -> {
                    c.copyFrom(c0.toDoubleArray());
                    backend.execute(new Gemm.Run(g, a, b, c));
                    return GradCheck.dot(c, r);
                }, rnd, 200);
    }
}
