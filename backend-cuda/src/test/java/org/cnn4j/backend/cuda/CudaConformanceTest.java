package org.cnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.stream.Stream;
import org.cnn4j.conformance.ConformanceSuite;
import org.cnn4j.core.Probe;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The conformance suite with the CUDA backend as the candidate and the reference as the oracle, twice: with
 * cuDNN ({@code withCudnn}: cuDNN's operators on cuDNN, the rest on the own kernels) and without
 * ({@code ownKernels}: {@code -Dcnn4j.cuda.cudnn=false}'s path, every operator but cuBLAS's on the project's
 * kernels through NVRTC). Where no CUDA device is present every test is skipped by an assumption carrying the
 * probe's reason (what was searched and what was missing); with {@code -Dcnn4j.require=cuda} (on a GPU machine)
 * that is a failure instead. A machine without cuDNN skips {@code withCudnn} with the reason, a failure under
 * {@code -Dcnn4j.require=cudnn}; {@code -Dcnn4j.cuda.cudnn=false} skips it too (only the own kernels were asked
 * for).
 */
class CudaConformanceTest {
    static boolean required() {
        return required("cuda");
    }

    static boolean required(String what) {
        return org.cnn4j.core.Requirements.required(what);
    }

    static CudaBackend.Options options(boolean cudnn) {
        CudaBackend.Options o = CudaBackend.Options.fromSystemProperties();
        return new CudaBackend.Options(cudnn, o.allowTf32(), o.workspaceLimit(), o.ptxStore());
    }

    static Probe probeOrSkip() {
        Probe p = new CudaProvider().probe();
        if (!p.available()) {
            org.cnn4j.core.Requirements.failIfRequired("cuda", p.toString());
        }
        assumeTrue(p.available(), "cuda backend unavailable: " + p.detail());
        return p;
    }

    /** Shows as skipped, with the probe's reason, where there is no CUDA device; fails under the require flag. */
    @Test
    void cudaBackendIsPresent() {
        probeOrSkip();
    }

    /** The suite with cuDNN serving its operators. */
    @TestFactory
    Stream<DynamicNode> withCudnn() {
        probeOrSkip();
        CudaProvider provider = new CudaProvider();
        assumeTrue(!"false".equalsIgnoreCase(System.getProperty("cnn4j.cuda.cudnn")),
                "-Dcnn4j.cuda.cudnn=false: only the own kernels were asked for");
        if (!provider.hasCudnn()) {
            org.cnn4j.core.Requirements.failIfRequired("cudnn", "cuDNN was not found: " + provider.probe());
        }
        assumeTrue(provider.hasCudnn(), "no cuDNN on this machine: " + provider.probe().detail());
        return ConformanceSuite.tests(() -> {
            CudaBackend b = provider.open(options(true));
            assertTrue(b.cudnnOn(), b.device());
            return b;
        });
    }

    /** The suite without cuDNN: every operator but cuBLAS's on the project's own kernels (NVRTC). */
    @TestFactory
    Stream<DynamicNode> ownKernels() {
        probeOrSkip();
        CudaProvider provider = new CudaProvider();
        return ConformanceSuite.tests("own-kernels", () -> {
            CudaBackend b = provider.open(options(false));
            assertFalse(b.cudnnOn(), b.device());
            return b;
        });
    }

    /** Faults planted in this backend's results must be caught. */
    @TestFactory
    Stream<DynamicNode> plantedFaultsAreCaught() {
        probeOrSkip();
        CudaProvider provider = new CudaProvider();
        return ConformanceSuite.plantedFaultTests(provider::open);
    }
}
