package org.cnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cnn4j.bench.runner.Results;
import org.cnn4j.bench.runner.Runner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BenchCommandTest {
    @TempDir
    Path dir;

    private static Runner.Options parse(String... args) {
        BenchCommand b = new BenchCommand();
        new CommandLine(b).parseArgs(args);
        return b.options("test");
    }

    @Test
    void optionsParse() {
        Runner.Options o = parse("--backend", "cpu, OpenCL,cpu", "--quick", "--filter", "conv[12]/fwd", "--skip",
                "opencl=alexnet-b128", "--skip", "cpu=sgemm/4096", "--out", "x/y", "--torch", "t.json",
                "--check-max-gflop", "10", "--reference-max-gflop", "0.5", "--min-time", "2", "--merge", "a.json",
                "--merge", "b.json");
        assertEquals(List.of("cpu", "opencl"), o.backends());
        assertTrue(o.quick());
        assertTrue(o.filter().matcher("lenet5-b64/conv2/fwd").find());
        assertEquals("alexnet-b128", o.skips().get("opencl").pattern());
        assertEquals("sgemm/4096", o.skips().get("cpu").pattern());
        assertEquals(Path.of("x/y"), o.out());
        assertEquals(Path.of("t.json"), o.torch());
        assertEquals(10e9, o.checkMaxFlops());
        assertEquals(0.5e9, o.referenceMaxFlops());
        assertEquals(2.0, o.timer().minSeconds());
        assertEquals(List.of(Path.of("a.json"), Path.of("b.json")), o.overlays());
    }

    @Test
    void defaults() {
        Runner.Options o = parse();
        String configured = org.cnn4j.core.Backends.configuredName(null);
        assertEquals(List.of(configured.equals("auto") ? org.cnn4j.core.Backends.autoName() : configured),
                o.backends());
        assertTrue(!o.quick());
        assertNull(o.filter());
        assertNull(o.torch());
        assertTrue(o.out().startsWith("bench-results"), o.out().toString());
        assertEquals(25e9, o.checkMaxFlops());
    }

    @Test
    void badOptionsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> parse("--skip", "opencl"));
        assertThrows(IllegalArgumentException.class, () -> parse("--min-time", "0"));
        assertThrows(CommandLine.UnmatchedArgumentException.class, () -> parse("--fast"));
        assertEquals(1, Main.run("bench", "--list", "--filter", "no-such-case-[", "--quick"));
    }

    @Test
    void listAndPlan() throws Exception {
        String out = CliTest.capture(() -> assertEquals(0, Main.run("bench", "--list", "--quick")));
        assertTrue(out.contains("sgemm/1024"), out);
        assertTrue(out.contains("lenet5-b64/train-step"), out);
        assertTrue(!out.contains("alexnet"), out);
        Path plan = dir.resolve("plan.json");
        CliTest.capture(() -> assertEquals(0, Main.run("bench", "--plan", plan.toString())));
        Results.Plan p = Results.readPlan(plan);
        assertTrue(p.cases().size() > 100, p.cases().size() + " cases");
        assertTrue(Files.readString(plan).contains("\"alexnet-b8/conv1/fwdbwd\""));
    }

    @Test
    void aSmallRunWritesTheTableJsonMarkdownAndChart() throws Exception {
        Path o = dir.resolve("run");
        String out = CliTest.capture(() -> assertEquals(0, Main.run("bench", "--backend", "reference,cpu", "--quick",
                "--filter", "lenet5-b64/(relu1/fwd|fc3/fwd)$", "--min-time", "0.01", "--out", o.toString())));
        assertTrue(out.contains("fma-peak"), out);
        Results r = Results.read(o.resolve("results.json"));
        assertEquals(4, r.results().size());
        for (Results.Row row : r.results()) {
            assertEquals(row.backend().equals("reference") ? "REFERENCE" : "PASSED", row.check(), row.toString());
            assertTrue(row.medianMs() > 0 && row.peakShare() > 0, row.toString());
        }
        assertTrue(Files.readString(o.resolve("results.md")).contains("| lenet5-b64/relu1/fwd |"));
        assertTrue(Files.size(o.resolve("chart.png")) > 1000);
        assertTrue(Files.size(o.resolve("chart-memory.png")) > 1000);

        // the same results again with PyTorch rows merged in, measuring nothing
        Results.Row cpu = r.results().stream().filter(x -> x.backend().equals("cpu")).findFirst().orElseThrow();
        Results.Row torchRow = new Results.Row(cpu.name(), "torch-cpu", "torch", cpu.group(), cpu.kind(), cpu.pass(),
                cpu.flops(), cpu.bytes(), cpu.items(), 3, cpu.medianMs() * 2, null, null, null, null, null, null,
                null, null, null, null, null);
        Path torch = dir.resolve("torch.json");
        new Results(Results.SCHEMA, r.machine(), List.of(), List.of(torchRow), List.of(), List.of()).write(torch);
        Path merged = dir.resolve("merged");
        String table = CliTest.capture(() -> assertEquals(0, Main.run("bench", "--from", o.resolve("results.json").toString(),
                "--torch", torch.toString(), "--out", merged.toString())));
        assertTrue(table.contains("x torch"), table);
        assertTrue(table.contains("0.50"), table); // cnn4j's time is half of the planted PyTorch time
        assertEquals(5, Results.read(merged.resolve("results.json")).results().size());
    }

    @Test
    void theBackendIsTheFlagThenTheProperty() {
        String old = System.getProperty(org.cnn4j.core.Backends.PROPERTY);
        System.setProperty(org.cnn4j.core.Backends.PROPERTY, "reference");
        try {
            assertEquals(List.of("reference"), parse().backends());
            assertEquals(List.of("cpu"), parse("--backend", "cpu").backends());
        } finally {
            if (old == null) {
                System.clearProperty(org.cnn4j.core.Backends.PROPERTY);
            } else {
                System.setProperty(org.cnn4j.core.Backends.PROPERTY, old);
            }
        }
    }
}
