package org.cnn4j.backend.reference;

import java.util.stream.Stream;
import org.cnn4j.conformance.ReliabilitySuite;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/** The reliability battery (bad input, NaN and infinities, memory, threads) on a fresh reference backend. */
class ReferenceReliabilityTest {
    @TestFactory
    Stream<DynamicNode> reliability() {
        return ReliabilitySuite.tests(ReferenceBackend::new);
    }
}
