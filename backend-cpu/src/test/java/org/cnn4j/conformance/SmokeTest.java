package org.cnn4j.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The smoke check ({@link Smoke}, module conformance), run here on the reference backend, which this module provides. */
class SmokeTest {
    @Test
    void oneSampleOfEveryFamilyRunsAndEachIsNamedBeforeItRuns() {
        List<OpCase> cases = Smoke.oneCasePerFamily();
        assertEquals(cases.stream().map(OpCase::family).distinct().count(), cases.size());
        assertTrue(cases.stream().map(OpCase::family).toList().containsAll(List.of("Gemm", "Conv2d", "Pool2d",
                "BatchNorm", "Activation", "Softmax", "Loss", "Sgd")), cases.toString());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int rc = Smoke.run("reference", new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String log = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, log);
        assertTrue(log.contains("smoke: opened reference"), log);
        for (OpCase c : cases) {
            assertTrue(log.contains("smoke: running " + c.name() + "\nsmoke: ok " + c.family() + " ("), log);
        }
        assertTrue(log.contains("smoke: " + cases.size() + " families, 0 failed"), log);
    }

    @Test
    void anUnknownBackendIsExitStatusTwo() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        assertEquals(2, Smoke.run("no-such-backend", new PrintStream(bytes, true, StandardCharsets.UTF_8)));
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("smoke: cannot run on no-such-backend"));
    }
}
