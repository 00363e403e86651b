package org.cnn4j.bench.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The BLAS bench_torch.py records: read from its file, carried through a merge, shown (loudly when reference). */
class TorchBlasReportTest {
    @TempDir
    Path dir;

    static final String WARNING = "PyTorch is using the REFERENCE BLAS";

    static Results.Row torchRow() {
        return new Results.Row("lenet5-b64/conv1/fwd", "torch-cpu", "torch 1.13", "conv", "conv2d", "fwd", 1.5e7,
                1.4e6, 0, 10, 0.25, 0.2, 0.3, 0.01, 60.0, null, null, null, null, null, null, null);
    }

    /** A torch.json as bench_torch.py writes it (its own key order, the blas object beside the results). */
    static Path torchJson(Path dir, boolean reference) throws IOException {
        String lib = reference ? "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3"
                : "/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3";
        Path f = dir.resolve(reference ? "torch-ref.json" : "torch-openblas.json");
        Files.writeString(f, """
                {"schema": "cnn4j-bench/1",
                 "machine": {"host": "h", "cpu": "AMD EPYC", "cores": 2, "memory": "23.5 GiB",
                             "runtime": "Python 3.11.2, PyTorch 1.13.1", "os": "Linux", "date": "2026-12-07T02:00:00Z",
                             "loadBefore": "1.0 1.0 1.0", "loadAfter": "1.0 1.0 1.0", "command": "bench_torch.py"},
                 "ceilings": [{"device": "torch-cpu", "name": "sgemm-2048", "value": %s, "unit": "GFLOP/s",
                               "how": "torch.mm"}],
                 "blas": {"implementation": "%s", "reference": %s, "blasInfo": "generic", "lapackInfo": "generic",
                          "libblas": "%s", "alternative": "%s", "loaded": ["%s"], "mm1024Gflops": %s,
                          "warning": %s, "extra": "ignored"},
                 "results": [{"name": "lenet5-b64/conv1/fwd", "backend": "torch-cpu", "device": "torch",
                              "group": "conv", "kind": "conv2d", "pass": "fwd", "flops": 1.5e7, "bytes": 1.4e6,
                              "items": 0, "reps": 10, "medianMs": 0.25, "minMs": 0.2, "meanMs": 0.3,
                              "stddevMs": 0.01, "gflops": 60.0, "gbps": null, "imagesPerSecond": null,
                              "peakShare": null, "ceiling": null, "check": null, "checkDetail": null, "error": null}],
                 "skipped": [],
                 "notes": ["PyTorch 1.13.1 on cpu with 2 threads"%s]}
                """.formatted(reference ? "3.9" : "140.2", reference ? "reference BLAS (netlib)" : "OpenBLAS",
                reference, lib, lib, lib, reference ? "4.1" : "120.5",
                reference ? "\"" + WARNING + "\"" : "null", reference ? ", \"" + WARNING + "\"" : ""));
        return f;
    }

    @Test
    void anOpenBlasRunIsShownAsOneLine() throws IOException {
        Results t = Results.read(torchJson(dir, false));
        assertEquals("OpenBLAS", t.blas().implementation());
        assertFalse(t.blas().reference());
        Results merged = Runner.merge(ResultsJsonTest.sample(), t);
        assertEquals(t.blas(), merged.blas());
        assertFalse(merged.notes().stream().anyMatch(n -> n.contains("REFERENCE")), merged.notes().toString());
        Path md = dir.resolve("results.md");
        Report.writeMarkdown(merged, md);
        String text = Files.readString(md);
        assertTrue(text.contains("| PyTorch BLAS | OpenBLAS (BLAS_INFO=generic; LAPACK_INFO=generic; libblas.so.3 -> "
                + "/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3; loaded "
                + "/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3; torch.mm 1024: 120.5 GFLOP/s) |"), text);
        assertFalse(text.contains("WARNING"), text);
        // and it survives the merged file's round trip (a later --from of the merged results)
        Path f = dir.resolve("merged.json");
        merged.write(f);
        assertEquals(merged, Results.read(f));
    }

    @Test
    void theReferenceBlasIsSaidLoudly() throws IOException {
        Results t = Results.read(torchJson(dir, true));
        assertTrue(t.blas().reference());
        Results merged = Runner.merge(ResultsJsonTest.sample(), t);
        String first = merged.notes().getFirst();
        assertTrue(first.startsWith("PYTORCH RAN ON THE REFERENCE BLAS: reference BLAS (netlib)"), first);
        assertTrue(first.contains("libopenblas0-openmp"), first);
        assertEquals(1, merged.notes().stream().filter(n -> n.contains("REFERENCE BLAS")).count(),
                merged.notes().toString()); // bench_torch.py's own warning is not repeated
        Path md = dir.resolve("results.md");
        Report.writeMarkdown(merged, md);
        String text = Files.readString(md);
        assertTrue(text.contains("> **WARNING: PyTorch ran on the reference BLAS** (reference BLAS (netlib)"), text);
        assertTrue(text.contains("| PyTorch BLAS | **REFERENCE BLAS** reference BLAS (netlib) ("), text);
        assertTrue(text.contains("torch.mm 1024: 4.1 GFLOP/s"), text);
    }

    @Test
    void torchRowsWithoutARecordSaySo() throws IOException {
        Results base = ResultsJsonTest.sample();
        Results t = new Results(Results.SCHEMA, base.machine(), List.of(), List.of(torchRow()), List.of(), List.of());
        Results merged = Runner.merge(base, t);
        assertNull(merged.blas());
        Path md = dir.resolve("results.md");
        Report.writeMarkdown(merged, md);
        assertTrue(Files.readString(md).contains("| PyTorch BLAS | not recorded"));
        // a cnn4j run alone has no such line
        Report.writeMarkdown(base, md);
        assertFalse(Files.readString(md).contains("PyTorch BLAS"));
    }

    @Test
    void anOverlayKeepsTheRecord() throws IOException {
        Results merged = Runner.merge(ResultsJsonTest.sample(), Results.read(torchJson(dir, false)));
        Results over = new Results(Results.SCHEMA, merged.machine(), List.of(), List.of(), List.of(), List.of());
        assertEquals(merged.blas(), Runner.overlay(merged, over, "rerun.json").blas());
    }
}
