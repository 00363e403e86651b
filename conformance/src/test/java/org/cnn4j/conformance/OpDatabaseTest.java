package org.cnn4j.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.cnn4j.check.Tolerances;
import org.cnn4j.ops.Op;
import org.junit.jupiter.api.Test;

/** The database itself: every operator is covered, names are unique, seeds replay (the comparison: TensorCheckTest). */
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
    }

    /**
     * One generator per family, and the families' generators draw every call of the sealed {@link Op}: the suite's
     * samples and the jqwik properties come from them alone.
     */
    @Test
    void everyCallIsDrawnByItsFamilysOneGenerator() {
        Set<String> ops = new TreeSet<>();
        for (Class<?> c : Op.class.getPermittedSubclasses()) {
            ops.add(c.getEnclosingClass().getSimpleName() + "." + c.getSimpleName());
        }
        Set<String> drawn = new TreeSet<>();
        for (OpDatabase.Generator g : OpDatabase.generators().values()) {
            drawn.addAll(g.calls());
        }
        assertEquals(ops, drawn, "calls drawn by the generators");
        Set<String> families = ops.stream().map(o -> o.substring(0, o.indexOf('.')))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(families, new TreeSet<>(OpDatabase.generators().keySet()), "families with a generator");
    }

    /** The split-sized sweep reaches the sizes it is for: the cpu backend's thread split and GEMM blocks. */
    @Test
    void theSplitSizedSweepCrossesTheThresholds() {
        List<OpCase> split = CI.stream().filter(c -> c.params().startsWith("split: ")).toList();
        assertTrue(split.size() > 300, "split-sized cases: " + split.size());
        assertTrue(split.stream().anyMatch(c -> c.name().contains("x[33, 1001]")), "element-wise past 2^15");
        assertTrue(split.stream().anyMatch(c -> c.name().contains("N=4100")), "GEMM past a column block");
        assertTrue(split.stream().anyMatch(c -> c.name().contains("K=257")), "GEMM past a depth block");
        Set<String> ops = split.stream().map(OpCase::op).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(39, ops.size(), "calls with split-sized cases: " + ops);
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
        long full = OpDatabase.cases(Sweep.FULL, null).stream().filter(c -> c.kind() == OpCase.Kind.SAMPLE).count();
        long ci = CI.stream().filter(c -> c.kind() == OpCase.Kind.SAMPLE).count();
        assertTrue(full > 3 * ci, full + " random samples in the full sweep, " + ci + " in CI");
    }
}
