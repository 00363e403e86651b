package org.cnn4j.backend.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.cnn4j.conformance.CaseResult;
import org.cnn4j.core.BackendUnavailableException;
import org.cnn4j.conformance.ConformanceSuite;
import org.cnn4j.conformance.OpCase;
import org.cnn4j.conformance.OpDatabase;
import org.cnn4j.conformance.Sweep;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** How the suite reports to JUnit: unsupported calls are skips with a reason, faults are failures, a matrix is written. */
class SuiteHarnessTest {
    private static final List<OpCase> CASES = OpDatabase.cases(Sweep.CI, null);

    private static OpCase first(String op, OpCase.Kind kind) {
        return CASES.stream().filter(c -> c.op().equals(op) && c.kind() == kind).findFirst().orElseThrow();
    }

    private static List<DynamicTest> flatten(Stream<DynamicNode> nodes) {
        List<DynamicTest> out = new ArrayList<>();
        nodes.forEach(n -> {
            if (n instanceof DynamicContainer c) {
                out.addAll(flatten(c.getChildren().map(DynamicNode.class::cast)));
            } else {
                out.add((DynamicTest) n);
            }
        });
        return out;
    }

    @Test
    void anUnsupportedCallIsASkipWithTheReason() {
        try (ReferenceBackend reference = new ReferenceBackend();
                PartialBackend partial = new PartialBackend(Set.of("Copy"))) {
            CaseResult r = ConformanceSuite.run(partial, reference, first("Conv2d.Forward", OpCase.Kind.SAMPLE));
            assertEquals(CaseResult.Status.SKIPPED, r.status(), r.message());
            assertTrue(r.message().contains("does not support Conv2d.Forward for float32"), r.message());
            CaseResult dtype = ConformanceSuite.run(partial, reference, CASES.stream()
                    .filter(c -> c.params().equals("y float64")).findFirst().orElseThrow());
            assertEquals(CaseResult.Status.SKIPPED, dtype.status(), dtype.message());
            assertTrue(dtype.message().contains("no float64 tensors"), dtype.message());
            CaseResult copy = ConformanceSuite.run(partial, reference, first("Copy.Run", OpCase.Kind.SAMPLE));
            assertEquals(CaseResult.Status.PASSED, copy.status(), copy.message());
        }
    }

    /** The reference is the oracle and implements every call: one that it refuses is a failure, not a skip. */
    @Test
    void aCallTheReferenceRefusesIsAFailure() {
        try (ReferenceBackend candidate = new ReferenceBackend();
                PartialBackend reference = new PartialBackend(Set.of("Copy"))) {
            CaseResult r = ConformanceSuite.run(candidate, reference, first("Conv2d.Forward", OpCase.Kind.SAMPLE));
            assertEquals(CaseResult.Status.FAILED, r.status(), r.message());
            assertTrue(r.message().contains("refused a call that every backend must compute"), r.message());
            assertTrue(r.message().contains("does not support Conv2d.Forward"), r.message());
        }
    }

    @Test
    void theTestFactorySkipsFailsAndWritesTheMatrix() throws Throwable {
        List<DynamicTest> tests = flatten(ConformanceSuite.tests(() -> new PartialBackend(Set.of("Copy", "Add"))));
        DynamicTest conv = tests.stream().filter(t -> t.getDisplayName().startsWith("Conv2d.Forward ")).findFirst()
                .orElseThrow();
        assertTrue(conv.getDisplayName().contains("seed="), conv.getDisplayName());
        TestAbortedException skip = assertThrows(TestAbortedException.class, () -> conv.getExecutable().execute());
        assertTrue(skip.getMessage().contains("does not support Conv2d.Forward"), skip.getMessage());
        for (DynamicTest t : tests) {
            if (t.getDisplayName().startsWith("Copy.Run ") || t.getDisplayName().startsWith("Add.Run ")) {
                try {
                    t.getExecutable().execute();
                } catch (TestAbortedException e) {
                    assertTrue(e.getMessage().contains("float64"), e.getMessage());
                }
            }
        }
        DynamicTest matrix = tests.getLast();
        assertEquals("coverage matrix", matrix.getDisplayName());
        matrix.getExecutable().execute();
        String md = Files.readString(Path.of("target/conformance/partial.md"));
        assertTrue(md.contains("| Conv2d.Forward | 0 | 0 | 1 | backend 'partial' does not support Conv2d.Forward"),
                md);
        assertTrue(md.matches("(?s).*\\| Copy\\.Run \\| \\d+ \\| 0 \\| 1 \\|.*"), md);
    }

    @Test
    void anUnavailableCandidateIsASkipWithTheProbe() {
        List<DynamicTest> tests = flatten(ConformanceSuite.tests(() -> {
            throw new BackendUnavailableException("cuda", "backend 'cuda' cannot start: libcuda.so.1 not found",
                    List.of());
        }));
        TestAbortedException e = assertThrows(TestAbortedException.class,
                () -> tests.getFirst().getExecutable().execute());
        assertTrue(e.getMessage().contains("libcuda.so.1 not found"), e.getMessage());
    }

    @Test
    void aFaultIsAFailureNamingOpParamsSeedRoleAndWorstElement() {
        List<DynamicTest> tests = flatten(ConformanceSuite.tests(
                () -> new PlantedFaultBackend(PlantedFaultBackend.Fault.CONV_DBIAS_SIGN)));
        OpCase c = CASES.stream().filter(x -> x.op().equals("Conv2d.BackwardFilter") && x.params().contains(" bias")
                && x.kind() == OpCase.Kind.SAMPLE).findFirst().orElseThrow();
        DynamicTest t = tests.stream().filter(x -> x.getDisplayName().equals(c.name())).findFirst().orElseThrow();
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> t.getExecutable().execute());
        String m = e.getMessage();
        for (String part : List.of("Conv2d.BackwardFilter", c.params(), "seed=" + c.seed(), "'dBias'", "worst at index",
                "of tolerance", "elements outside tolerance", "-Dcnn4j.conformance.seed=" + c.seed())) {
            assertTrue(m.contains(part), "message lacks " + part + ":\n" + m);
        }
    }

    /**
     * What jqwik shrinks a failure towards, choices of zero, draws each family's smallest valid case, and every
     * call of it builds and runs (the generators' lower bounds are valid parameters).
     */
    @Test
    void choicesOfZeroDrawTheSmallestValidCaseOfEveryFamily() {
        try (ReferenceBackend reference = new ReferenceBackend(); ReferenceBackend candidate = new ReferenceBackend()) {
            for (OpDatabase.Generator g : OpDatabase.generators().values()) {
                OpDatabase.FamilySample s = g.draw(OpDatabase.Draw.fromChoices(
                        org.cnn4j.conformance.OpProperties.SWEEP, List.of()));
                for (var e : s.calls().entrySet()) {
                    CaseResult r = ConformanceSuite.run(candidate, reference, new OpCase(e.getKey(), s.params(), 1,
                            OpCase.Kind.SAMPLE, null, e.getValue()));
                    assertEquals(CaseResult.Status.PASSED, r.status(), r.message());
                }
            }
        }
    }
}
