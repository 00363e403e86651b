package org.cnn4j.bench.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsJsonTest {
    @TempDir
    Path dir;

    static Results sample() {
        Results.Machine m = new Results.Machine("h", "AMD EPYC", 2, "23.5 GiB", "JDK 25", "Linux 6 amd64",
                "2026-12-06T11:00:00Z", "1.00 0.50 0.25", "2.00 1.00 0.50", "cnn4j bench --quick");
        Ceilings.Ceiling c = new Ceilings.Ceiling("host", "fma-peak", 150.5, "GFLOP/s", "loop");
        Results.Row conv = new Results.Row("lenet5-b64/conv1/fwd", "cpu", "host CPU", "conv", "conv2d", "fwd", 1.5e7,
                1.4e6, 0, 12, 0.5, 0.4, 0.55, 0.05, 30.0, null, null, 0.2, "host:fma-peak", "PASSED", "ok", null);
        Results.Row broken = new Results.Row("sgemm/4096", "opencl", "PoCL", "gemm", "gemm", "fwd", 1.37e11, 2e8, 0,
                0, null, null, null, null, null, null, null, null, null, null, null, "OutOfMemoryError: heap");
        return new Results(Results.SCHEMA, m, List.of(c), List.of(conv, broken),
                List.of(new Results.Skip("alexnet-b128/train-step", "reference", "too slow")), List.of("contended"));
    }

    @Test
    void resultsRoundTrip() throws IOException {
        Results r = sample();
        Path f = dir.resolve("sub/results.json");
        r.write(f);
        assertEquals(r, Results.read(f));
        String text = Files.readString(f);
        assertTrue(text.contains("\"medianMs\" : 0.5"), text);
        assertTrue(text.contains("\"gbps\" : null"), text);
    }

    @Test
    void aFileOfAnotherSchemaIsRefused() throws IOException {
        Path f = dir.resolve("other.json");
        Results r = sample();
        new Results("something-else/2", r.machine(), r.ceilings(), r.results(), r.skipped(), r.notes()).write(f);
        IOException e = assertThrows(IOException.class, () -> Results.read(f));
        assertTrue(e.getMessage().contains("something-else/2"), e.getMessage());
    }

    @Test
    void thePlanRoundTrips() throws IOException {
        Path f = dir.resolve("plan.json");
        Results.writePlan(f, Cases.specs());
        Results.Plan p = Results.readPlan(f);
        assertEquals(Results.SCHEMA, p.schema());
        assertEquals(Cases.specs(), p.cases());
    }

    @Test
    void anOverlayReplacesRowsOfTheSameCaseAndBackend() {
        Results base = sample();
        Results.Row rerun = new Results.Row("sgemm/4096", "opencl", "PoCL", "gemm", "gemm", "fwd", 1.37e11, 2e8, 0,
                1, 40000.0, 40000.0, 40000.0, 0.0, 3.4, null, null, 0.03, "host:fma-peak", "SKIPPED", "too big", null);
        Results.Row added = new Results.Row("alexnet-b128/train-step", "reference", "ref", "train", "train-step",
                "step", 1e12, 1e6, 128, 1, 9e6, 9e6, 9e6, 0.0, 0.1, null, 0.01, 0.001, "host:fma-peak", "REFERENCE",
                "is the reference", null);
        Results over = new Results(Results.SCHEMA, base.machine(), List.of(), List.of(rerun, added), List.of(),
                List.of());
        Results r = Runner.overlay(base, over, "rerun.json");
        assertEquals(List.of(base.results().get(0), rerun, added), r.results());
        assertTrue(r.skipped().isEmpty(), r.skipped().toString()); // the skipped pair has run now
        assertTrue(r.notes().getLast().startsWith("1 row(s) replaced and 1 added from rerun.json"), r.notes().getLast());
        assertEquals(base.ceilings(), r.ceilings());
    }

    @Test
    void mergedTorchRowsGetARatio() {
        Results base = sample();
        Results.Row torch = new Results.Row("lenet5-b64/conv1/fwd", "torch-cpu", "torch 1.13", "conv", "conv2d",
                "fwd", 1.5e7, 1.4e6, 0, 10, 0.25, 0.2, 0.3, 0.01, 60.0, null, null, null, null, null, null, null);
        Results t = new Results(Results.SCHEMA, base.machine(), List.of(), List.of(torch), List.of(), List.of());
        Results merged = Runner.merge(base, t);
        assertEquals(3, merged.results().size());
        String table = Report.table(merged);
        String cpuLine = table.lines().filter(l -> l.startsWith("lenet5-b64/conv1/fwd") && l.contains(" cpu "))
                .findFirst().orElseThrow();
        assertTrue(cpuLine.trim().endsWith("2.00"), cpuLine); // 0.5 ms against 0.25 ms
    }
}
