package org.cnn4j.backend.reference;

import java.util.stream.Stream;
import org.cnn4j.conformance.ConformanceSuite;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * The whole conformance suite with a fresh reference backend as the candidate: every generator, edge case and
 * error case of the database runs, every comparison must be exact up to the tolerances, and every invalid call is
 * rejected. This is also how any other backend module wires the suite in.
 */
class ReferenceConformanceTest {
    @TestFactory
    Stream<DynamicNode> conformance() {
        return ConformanceSuite.tests(ReferenceBackend::new);
    }
}
