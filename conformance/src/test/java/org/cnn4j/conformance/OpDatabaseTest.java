package org.cnn4j.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.cnn4j.core.Shape;
import org.cnn4j.ops.Op;
import org.junit.jupiter.api.Test;

/** The database itself: every operator is covered, names are unique, seeds replay, comparisons report well. */
class OpDatabaseTest {
    private static final List<OpCase> CI = OpDatabase.cases(Sweep.CI, null);

    /** Every permitted record of the sealed {@link Op} has random samples, named edge cases and error cases. */
    @Test
    void everyOperatorHasSamplesEdgesAndErrorCases() {
        Set<String> ops = new TreeSet<>();
        for (Class<?> c : Op.class.getPermittedSubclasses()) {
            ops.add(c.getEnclosingClass().getSimpleName() + "." + c.getSimpleName());
        }
        assertEquals(43, ops.size());
        Map<String, Set<OpCase.Kind>> kinds = new TreeMap<>();
        for (OpCase c : CI) {
            kinds.computeIfAbsent(c.op(), k -> new HashSet<>()).add(c.kind());
        }
        assertEquals(ops, kinds.keySet(), "operators with cases");
        Set<String> noSamples = ops.stream().filter(o -> !kinds.get(o).contains(OpCase.Kind.SAMPLE))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of(), noSamples, "operators without random samples");
        Set<String> noErrors = ops.stream().filter(o -> !kinds.get(o).contains(OpCase.Kind.ERROR))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of(), noErrors, "operators without error cases");
        Set<String> noEdges = ops.stream().filter(o -> !kinds.get(o).contains(OpCase.Kind.EDGE))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of(), noEdges, "operators without named edge cases");
        for (OpCase c : CI) {
            Tolerances.of(c.op());
        }
    }

    @Test
    void caseNamesAreUnique() {
        Set<String> names = new HashSet<>();
        for (OpCase c : CI) {
            assertTrue(names.add(c.name()), "duplicate case " + c.name());
        }
    }

    @Test
    void aSeedReplaysItsCase() {
        OpCase sample = CI.stream().filter(c -> c.op().equals("Conv2d.Forward") && c.kind() == OpCase.Kind.SAMPLE)
                .skip(3).findFirst().orElseThrow();
        List<OpCase> replay = OpDatabase.cases(Sweep.CI, sample.seed());
        assertTrue(replay.stream().anyMatch(c -> c.name().equals(sample.name())), "replay of " + sample);
        OpCase edge = CI.stream().filter(c -> c.kind() == OpCase.Kind.EDGE).findFirst().orElseThrow();
        assertTrue(OpDatabase.cases(Sweep.CI, edge.seed()).stream().anyMatch(c -> c.name().equals(edge.name())));
    }

    @Test
    void theFullSweepIsLarger() {
        assertTrue(OpDatabase.cases(Sweep.FULL, null).size() > 3 * CI.size());
    }

    @Test
    void aComparisonNamesTheWorstElementAndItsCoordinates() {
        double[] ref = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
        double[] out = ref.clone();
        out[7] = 7.5;
        out[2] = Double.NaN;
        TensorCheck t = TensorCheck.compare("y", Shape.of(1, 3, 2, 2), out, ref, Tolerances.ELEMENTWISE);
        assertFalse(t.passed());
        assertEquals(2, t.violations());
        assertEquals(2, t.worst());
        String d = t.describe();
        assertTrue(d.contains("'y'") && d.contains("[n=0, c=0, h=1, w=0]") && d.contains("2 of 12"), d);

        double[] nan = {Double.NaN, 1};
        assertTrue(TensorCheck.compare("y", Shape.of(2), nan.clone(), nan, Tolerances.EXACT).passed());
        assertFalse(TensorCheck.compare("y", Shape.of(2), new double[] {0, 1}, nan, Tolerances.EXACT).passed());
        assertEquals("[1, 2]", TensorCheck.coordinates(Shape.of(3, 4), 6));
    }
}
