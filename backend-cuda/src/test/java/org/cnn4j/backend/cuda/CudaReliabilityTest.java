package org.cnn4j.backend.cuda;

import java.util.stream.Stream;
import org.cnn4j.conformance.ReliabilitySuite;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * The reliability battery (bad input, NaN and infinities, memory, threads) on the CUDA backend, with and without
 * cuDNN. Without a CUDA device it is skipped with the probe's reason (a failure under {@code -Dcnn4j.require=cuda}).
 */
class CudaReliabilityTest {
    @TestFactory
    Stream<DynamicNode> reliability() {
        CudaConformanceTest.probeOrSkip();
        CudaProvider provider = new CudaProvider();
        return ReliabilitySuite.tests(() -> provider.open(CudaConformanceTest.options(provider.hasCudnn())));
    }

    @TestFactory
    Stream<DynamicNode> reliabilityOwnKernels() {
        CudaConformanceTest.probeOrSkip();
        CudaProvider provider = new CudaProvider();
        return ReliabilitySuite.tests(() -> provider.open(CudaConformanceTest.options(false)));
    }
}
