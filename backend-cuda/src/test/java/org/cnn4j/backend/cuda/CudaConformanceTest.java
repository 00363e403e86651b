package org.cnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Probe;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Gemm;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The CUDA backend against the reference. Where no CUDA device is present the factory is skipped by an
 * assumption carrying the probe's reason; with {@code -Dcnn4j.require=cuda} (a GPU machine) that is a failure.
 *
 * <p>Until the conformance suite ({@code org.cnn4j.conformance.ConformanceSuite.tests(Supplier<Backend>)}) is
 * merged here, this runs a seeded GEMM smoke check of every transpose combination against plain Java loops.
 */
class CudaConformanceTest {
    static boolean required() {
        String r = System.getProperty("cnn4j.require", "");
        return Arrays.asList(r.split(",")).contains("cuda");
    }

    static Probe probeOrSkip() {
        Probe p = new CudaProvider().probe();
        if (required()) {
            assertTrue(p.available(), "-Dcnn4j.require=cuda but " + p);
        }
        assumeTrue(p.available(), "cuda backend unavailable: " + p.detail());
        return p;
    }

    /** Shows as skipped, with the probe's reason, where there is no CUDA device; fails under the require flag. */
    @Test
    void cudaBackendIsPresent() {
        probeOrSkip();
    }

    @TestFactory
    Stream<DynamicNode> conformance() {
        probeOrSkip();
        List<DynamicNode> tests = new java.util.ArrayList<>();
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                tests.add(DynamicTest.dynamicTest("Gemm transA=" + ta + " transB=" + tb + " seed=42",
                        () -> gemmMatchesLoops(ta, tb, 42)));
            }
        }
        return tests.stream().map(t -> (DynamicNode) t);
    }

    private static void gemmMatchesLoops(boolean ta, boolean tb, long seed) {
        int m = 37;
        int n = 29;
        int k = 53;
        java.util.Random r = new java.util.Random(seed);
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextGaussian();
        }
        try (Backend cuda = new CudaProvider().open();
                Tensor ta1 = cuda.fromArray(ta ? Shape.of(k, m) : Shape.of(m, k), a);
                Tensor tb1 = cuda.fromArray(tb ? Shape.of(n, k) : Shape.of(k, n), b);
                Tensor tc = cuda.allocate(Shape.of(m, n))) {
            cuda.execute(new Gemm.Run(new Gemm(ta, tb, 1, 0), ta1, tb1, tc));
            float[] c = tc.toFloatArray();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int l = 0; l < k; l++) {
                        double av = ta ? a[l * m + i] : a[i * k + l];
                        double bv = tb ? b[j * k + l] : b[l * n + j];
                        s += av * bv;
                    }
                    double err = Math.abs(c[i * n + j] - s);
                    assertTrue(err <= 1e-4 + 1e-4 * Math.abs(s), "c[" + i + "," + j + "] = " + c[i * n + j]
                            + " but expected " + s);
                }
            }
        }
    }
}
