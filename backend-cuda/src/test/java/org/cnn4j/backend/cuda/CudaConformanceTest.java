package org.cnn4j.backend.cuda;

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
 * The conformance suite with the CUDA backend as the candidate and the reference as the oracle. Where no CUDA
 * device is present both tests are skipped by an assumption carrying the probe's reason (what was searched and
 * what was missing); with {@code -Dcnn4j.require=cuda} (on a GPU machine) that is a failure instead.
 * {@code -Dcnn4j.cuda.cudnn=false} runs the same suite without cuDNN.
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
        CudaProvider provider = new CudaProvider();
        return ConformanceSuite.tests(provider::open);
    }

    /** Faults planted in this backend's results must be caught. */
    @TestFactory
    Stream<DynamicNode> plantedFaultsAreCaught() {
        probeOrSkip();
        CudaProvider provider = new CudaProvider();
        return ConformanceSuite.plantedFaultTests(provider::open);
    }
}
