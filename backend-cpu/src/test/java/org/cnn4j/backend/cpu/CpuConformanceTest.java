package org.cnn4j.backend.cpu;

import java.util.stream.Stream;
import org.cnn4j.conformance.ConformanceSuite;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * The conformance suite on the cpu backend, twice: as configured (all cores, the Vector API kernel when the module
 * is present) and on the scalar kernel with the vector path disabled, single-threaded; and the proof that faults
 * planted in this backend's results are caught.
 */
class CpuConformanceTest {
    @TestFactory
    Stream<DynamicNode> conformance() {
        return ConformanceSuite.tests(CpuBackend::new);
    }

    @TestFactory
    Stream<DynamicNode> plantedFaultsAreCaught() {
        return ConformanceSuite.plantedFaultTests(CpuBackend::new);
    }

    @TestFactory
    Stream<DynamicNode> conformanceScalarKernel() {
        return ConformanceSuite.tests("scalar-1-thread", () -> new CpuBackend(new CpuBackend.Config(1, false)));
    }
}
