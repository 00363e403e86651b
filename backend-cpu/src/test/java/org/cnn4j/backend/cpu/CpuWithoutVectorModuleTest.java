package org.cnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.cnn4j.conformance.ConformanceSuite;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The conformance suite again in a JVM started without {@code --add-modules jdk.incubator.vector}, as a launcher
 * that forgets the flag would: the backend must start, say that it runs the scalar kernel, never load a Vector API
 * class, and pass every case (the split-sized ones included) on its default threads. The surefire execution
 * {@code without-vector-module} (backend-cpu/pom.xml) runs it; in the ordinary test JVM, which has the module, it
 * is skipped.
 */
class CpuWithoutVectorModuleTest {
    @BeforeAll
    static void onlyWithoutTheModule() {
        Assumptions.assumeFalse(CpuBackend.vectorModulePresent(),
                "this JVM has jdk.incubator.vector; the execution without-vector-module runs this class");
    }

    @Test
    void scalarKernelAndSayWhy() {
        try (CpuBackend be = new CpuBackend(new CpuBackend.Config(2, true))) {
            assertFalse(be.config().vector());
            assertTrue(be.device().contains("scalar") && be.device().contains("--add-modules jdk.incubator.vector"),
                    be.device());
        }
    }

    @TestFactory
    Stream<DynamicNode> conformance() {
        return ConformanceSuite.tests("without-vector-module", () -> new CpuBackend(new CpuBackend.Config(2, true)));
    }
}
