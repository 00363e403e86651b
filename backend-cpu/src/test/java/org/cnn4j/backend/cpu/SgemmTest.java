package org.cnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Gemm;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * SGEMM against a double-precision loop: odd sizes around the kernel's tile and block edges, every transpose,
 * alpha and beta, on the vector and the scalar kernel, on one thread and on several.
 */
class SgemmTest {
    private static final int[] SIZES = {1, 7, 17, 33, 129};

    static List<CpuBackend.Config> configs() {
        return List.of(new CpuBackend.Config(1, true), new CpuBackend.Config(3, true),
                new CpuBackend.Config(1, false), new CpuBackend.Config(2, false));
    }

    @Test
    void vectorModuleIsPresentInTests() {
        assertTrue(CpuBackend.vectorModulePresent(), "surefire must run with --add-modules jdk.incubator.vector");
        try (CpuBackend be = new CpuBackend(new CpuBackend.Config(1, true))) {
            assertTrue(be.sgemm.kernelName().startsWith("Vector API"), be.sgemm.kernelName());
        }
    }

    @TestFactory
    Stream<DynamicTest> gemmAgainstDoubleLoop() {
        List<DynamicTest> tests = new ArrayList<>();
        for (CpuBackend.Config cfg : configs()) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    tests.add(DynamicTest.dynamicTest(cfg + " transA=" + ta + " transB=" + tb, () -> {
                        try (CpuBackend be = new CpuBackend(cfg)) {
                            long seed = 1;
                            for (int m : SIZES) {
                                for (int n : SIZES) {
                                    for (int k : SIZES) {
                                        check(be, m, n, k, ta, tb, 1, 0, seed++);
                                    }
                                }
                            }
                            check(be, 37, 45, 300, ta, tb, 0.5, -1.5, 7);
                            check(be, 200, 130, 513, ta, tb, 2, 1, 8);
                            check(be, 5, 4100, 3, ta, tb, 1, 0.25, 9);
                            // the dot-product path (few rows, B^T): tails of the lanes and of the column groups
                            check(be, 16, 67, 1001, ta, tb, 0.5, -1.5, 10);
                            check(be, 9, 5, 40, ta, tb, 1, 0, 11);
                        }
                    }));
                }
            }
        }
        return tests.stream();
    }

    private static void check(CpuBackend be, int m, int n, int k, boolean ta, boolean tb, double alpha,
            double beta, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = random(r, m * k);
        float[] b = random(r, k * n);
        float[] c = random(r, m * n);
        Shape as = ta ? Shape.of(k, m) : Shape.of(m, k);
        Shape bs = tb ? Shape.of(n, k) : Shape.of(k, n);
        try (Tensor at = be.fromArray(as, a); Tensor bt = be.fromArray(bs, b);
                Tensor ct = be.fromArray(Shape.of(m, n), beta == 0 ? nan(m * n) : c)) {
            be.execute(new Gemm.Run(new Gemm(ta, tb, alpha, beta), at, bt, ct));
            float[] got = ct.toFloatArray();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    double abs = 0;
                    for (int p = 0; p < k; p++) {
                        double av = ta ? a[p * m + i] : a[i * k + p];
                        double bv = tb ? b[j * k + p] : b[p * n + j];
                        s += av * bv;
                        abs += Math.abs(av * bv);
                    }
                    double want = alpha * s + (beta == 0 ? 0 : beta * c[i * n + j]);
                    double tol = 1e-6 * (Math.abs(alpha) * abs + Math.abs(beta * c[i * n + j])) + 1e-6;
                    int fi = i;
                    int fj = j;
                    assertEquals(want, got[i * n + j], tol, () -> "m=" + m + " n=" + n + " k=" + k + " transA=" + ta
                            + " transB=" + tb + " alpha=" + alpha + " beta=" + beta + " at (" + fi + ", " + fj + ")");
                }
            }
        }
    }

    static float[] random(SplittableRandom r, int size) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return a;
    }

    private static float[] nan(int size) {
        float[] a = new float[size];
        java.util.Arrays.fill(a, Float.NaN);
        return a;
    }
}
