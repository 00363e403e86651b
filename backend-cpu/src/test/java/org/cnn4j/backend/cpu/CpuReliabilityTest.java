package org.cnn4j.backend.cpu;

import java.util.stream.Stream;
import org.cnn4j.conformance.ReliabilitySuite;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/** The reliability battery (bad input, NaN and infinities, memory, threads) on the cpu backend. */
class CpuReliabilityTest {
    @TestFactory
    Stream<DynamicNode> reliability() {
        return ReliabilitySuite.tests(CpuBackend::new);
    }

    /** Single-threaded on the scalar kernel: the other code path of every loop. */
    @TestFactory
    Stream<DynamicNode> reliabilityScalarKernel() {
        return ReliabilitySuite.tests(() -> new CpuBackend(new CpuBackend.Config(1, false)));
    }
}
