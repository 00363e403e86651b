package org.cnn4j.backend.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.cnn4j.conformance.CaseResult;
import org.cnn4j.conformance.ConformanceSuite;
import org.cnn4j.conformance.OpCase;
import org.cnn4j.conformance.OpDatabase;
import org.cnn4j.conformance.Sweep;
import org.cnn4j.backend.reference.PlantedFaultBackend.Fault;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Proof that the conformance suite can fail: each planted fault must make at least one case of its operator
 * fail, and the same backend without a fault must pass every case. A fault whose operator the reference cannot
 * compute yet is skipped with that reason rather than counted as caught or missed.
 */
class PlantedFaultTest {
    private static final List<OpCase> CASES = OpDatabase.cases(Sweep.CI, null);

    @TestFactory
    Stream<DynamicTest> everyPlantedFaultIsCaught() {
        return Arrays.stream(Fault.values()).filter(f -> f != Fault.NONE && f.target != null)
                .map(f -> dynamicTest(f + " is caught by " + f.target, () -> {
                    Tally t = runAll(f, f.target);
                    assumeTrue(t.passed + t.failed > 0, "the reference computes no case of " + f.target + " yet: "
                            + t.firstSkip);
                    assertTrue(t.failed > 0, f + " was not caught by any of the " + t.passed + " cases of "
                            + f.target);
                    System.out.println(f + " caught by " + t.failed + " of " + (t.passed + t.failed) + " cases; first:\n"
                            + t.firstFailure);
                }));
    }

    /**
     * The families' generators alone (the random samples, no named case) catch every planted fault: what the jqwik
     * properties draw from is strong enough to find these faults.
     */
    @TestFactory
    Stream<DynamicTest> everyPlantedFaultIsCaughtByTheRandomSamplesAlone() {
        return Arrays.stream(Fault.values()).filter(f -> f != Fault.NONE && f.target != null)
                .map(f -> dynamicTest(f + " is caught by a random sample of " + f.target, () -> {
                    Tally t = runAll(f, f.target, OpCase.Kind.SAMPLE);
                    assumeTrue(t.passed + t.failed > 0, "the reference computes no case of " + f.target + " yet: "
                            + t.firstSkip);
                    assertTrue(t.failed > 0, f + " was not caught by any of the " + t.passed + " random samples of "
                            + f.target);
                }));
    }

    /** An output element left unwritten is caught in every operator the reference computes. */
    @Test
    void anUnwrittenElementIsCaughtInEveryOperator() {
        Tally t = runAll(Fault.LAST_ELEMENT_UNWRITTEN, null);
        assumeTrue(t.passed + t.failed > 0, "the reference computes no case yet");
        Set<String> missed = new LinkedHashSet<>(t.computed);
        missed.removeAll(t.caughtIn);
        assertEquals(Set.of(), missed, "operators whose cases all passed with an unwritten output element");
    }

    @Test
    void withoutAFaultEveryCasePasses() {
        Tally t = runAll(Fault.NONE, null);
        assertEquals(0, t.failed, () -> t.failed + " case(s) failed without a planted fault; first:\n"
                + t.firstFailure);
        assumeTrue(t.passed > 0, "the reference computes no case yet");
        System.out.println("no fault: " + t.passed + " passed, " + t.skipped + " skipped");
    }

    private static final class Tally {
        int passed;
        int failed;
        int skipped;
        String firstFailure = "";
        String firstSkip = "";
        final Set<String> computed = new LinkedHashSet<>();
        final Set<String> caughtIn = new LinkedHashSet<>();
    }

    /** Runs every valid case (of {@code op}, when given) on the faulty backend against the reference. */
    private static Tally runAll(Fault fault, String op) {
        return runAll(fault, op, null);
    }

    /** Runs every valid case (of {@code op} and {@code kind}, when given) on the faulty backend. */
    private static Tally runAll(Fault fault, String op, OpCase.Kind kind) {
        Tally t = new Tally();
        try (ReferenceBackend reference = new ReferenceBackend();
                PlantedFaultBackend candidate = new PlantedFaultBackend(fault)) {
            for (OpCase c : CASES) {
                // the split-sized cases add sizes, not code paths of the reference: they are left out here
                if (c.kind() == OpCase.Kind.ERROR || c.splitSized() || (op != null && !c.op().equals(op))
                        || (kind != null && c.kind() != kind)) {
                    continue;
                }
                CaseResult r = ConformanceSuite.run(candidate, reference, c);
                switch (r.status()) {
                    case PASSED -> {
                        t.passed++;
                        t.computed.add(c.op());
                    }
                    case FAILED -> {
                        if (t.failed++ == 0) {
                            t.firstFailure = r.message();
                        }
                        t.computed.add(c.op());
                        t.caughtIn.add(c.op());
                    }
                    case SKIPPED -> {
                        if (t.skipped++ == 0) {
                            t.firstSkip = r.message();
                        }
                    }
                }
            }
        }
        return t;
    }
}
