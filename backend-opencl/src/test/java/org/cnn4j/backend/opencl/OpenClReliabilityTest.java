package org.cnn4j.backend.opencl;

import java.util.stream.Stream;
import org.cnn4j.conformance.ReliabilitySuite;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * The reliability battery (bad input, NaN and infinities, memory, threads) on the OpenCL backend (PoCL in CI);
 * skipped with the reason without a device, a failure under {@code -Dcnn4j.require=opencl}.
 */
class OpenClReliabilityTest {
    @TestFactory
    Stream<DynamicNode> reliability() {
        if (OpenClTestSupport.required()) {
            OpenClTestSupport.requireDevice();
        }
        return ReliabilitySuite.tests(OpenClBackend::open);
    }
}
