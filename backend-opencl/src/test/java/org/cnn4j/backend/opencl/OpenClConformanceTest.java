package org.cnn4j.backend.opencl;

import java.util.stream.Stream;
import org.cnn4j.conformance.ConformanceSuite;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * The cross-backend conformance suite on the OpenCL backend (PoCL in CI). Without an OpenCL device the suite is
 * skipped with the probe's reason; with {@code -Dcnn4j.require=opencl} it fails instead.
 */
class OpenClConformanceTest {
    @TestFactory
    Stream<DynamicNode> conformance() {
        OpenClTestSupport.requireDevice();
        return ConformanceSuite.tests(OpenClBackend::open);
    }
}
