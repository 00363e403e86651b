package org.cnn4j.backend.opencl;

import java.util.stream.Stream;
import org.cnn4j.conformance.ConformanceSuite;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * The cross-backend conformance suite on the OpenCL backend (PoCL in CI). Without an OpenCL device every case is
 * skipped with the reason (the suite turns the backend's {@code BackendUnavailableException} into skips); with
 * {@code -Dcnn4j.require=opencl} it fails instead.
 */
class OpenClConformanceTest {
    @TestFactory
    Stream<DynamicNode> conformance() {
        if (OpenClTestSupport.required()) {
            OpenClTestSupport.requireDevice();
        }
        return ConformanceSuite.tests(OpenClBackend::open);
    }

    /** Faults planted in this backend's results must be caught. */
    @TestFactory
    Stream<DynamicNode> plantedFaultsAreCaught() {
        if (OpenClTestSupport.required()) {
            OpenClTestSupport.requireDevice();
        }
        return ConformanceSuite.plantedFaultTests(OpenClBackend::open);
    }
}
