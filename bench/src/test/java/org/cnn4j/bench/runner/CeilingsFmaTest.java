package org.cnn4j.bench.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which FMA figure is the ceiling, and how a lower bound is labelled in the JSON, the Markdown and the console. */
class CeilingsFmaTest {
    @TempDir
    Path dir;

    static final NativeFmaPeak.Outcome MEASURED = NativeFmaPeak.Outcome.of(
            new NativeFmaPeak.Measurement(240, 242, "avx2-fma", 8, 12, 2, 10, 0.5), "/usr/bin/cc -O2 -pthread -mavx2 -mfma");
    static final NativeFmaPeak.Outcome NO_CC = NativeFmaPeak.Outcome.none(
            "no C compiler (CC unset; no cc, gcc or clang on the PATH)", null);

    @Test
    void theCLoopIsThePeakAndTheVectorApiLoopIsItsShare() {
        List<Ceilings.Ceiling> cs = Ceilings.fma(MEASURED, 120, 2, 8, true);
        assertEquals(2, cs.size());
        Ceilings.Ceiling peak = cs.get(0);
        assertEquals("host", peak.device());
        assertEquals(Ceilings.FMA_PEAK, peak.name());
        assertEquals(240, peak.value());
        assertFalse(peak.lowerBound());
        assertTrue(peak.how().startsWith("C FMA loop (`/usr/bin/cc -O2 -pthread -mavx2 -mfma`), avx2-fma, 2 threads"),
                peak.how());
        assertFalse(peak.how().contains("CPU time"), peak.how()); // 242 is within 10% of 240: not contended
        Ceilings.Ceiling java = cs.get(1);
        assertEquals(Ceilings.FMA_VECTOR_API, java.name());
        assertEquals(120, java.value());
        assertFalse(java.lowerBound());
        assertTrue(java.how().endsWith("the Vector API loop reaches 50% of fma-peak"), java.how());
        assertNull(Ceilings.lowerBoundFmaPeak(cs));
        assertNull(Runner.lowerBoundNote(cs));
        assertEquals("240.0 GFLOP/s", peak.valueText());
    }

    @Test
    void aContendedMeasurementSaysWhatTheCoresReachedByCpuTime() {
        NativeFmaPeak.Outcome busy = NativeFmaPeak.Outcome.of(
                new NativeFmaPeak.Measurement(60, 200, "avx2-fma", 8, 12, 2, 3, 0.2), "cc -O2 -pthread -mavx2 -mfma");
        Ceilings.Ceiling peak = Ceilings.fma(busy, 50, 2, 8, true).get(0);
        assertEquals(60, peak.value()); // the wall-clock figure, as the cases are timed
        assertTrue(peak.how().contains("by the threads' CPU time 200.0 GFLOP/s"), peak.how());
    }

    @Test
    void withoutTheCLoopTheVectorApiLoopIsALabelledLowerBound() throws IOException {
        List<Ceilings.Ceiling> cs = Ceilings.fma(NO_CC, 120, 2, 8, true);
        assertEquals(1, cs.size());
        Ceilings.Ceiling peak = cs.get(0);
        assertEquals(Ceilings.FMA_PEAK, peak.name());
        assertEquals(120, peak.value());
        assertTrue(peak.lowerBound());
        assertTrue(peak.how().startsWith("LOWER BOUND: Vector API FMA loop, 2 threads, 8 float lanes"), peak.how());
        assertTrue(peak.how().contains("no C compiler"), peak.how());
        assertEquals(">= 120.0 GFLOP/s", peak.valueText());
        assertEquals(peak, Ceilings.lowerBoundFmaPeak(cs));
        String note = Runner.lowerBoundNote(cs);
        assertNotNull(note);
        assertTrue(note.startsWith("The FMA ceiling (>= 120.0 GFLOP/s) is a LOWER BOUND"), note);
        assertTrue(note.contains("every % of peak of a compute-bound case is an upper bound"), note);

        // JSON: the flag survives a round trip
        Results base = ResultsJsonTest.sample();
        List<Ceilings.Ceiling> ceilings = new ArrayList<>(cs);
        ceilings.add(new Ceilings.Ceiling("host", "copy-bandwidth", 22.3, "GB/s", "arraycopy"));
        List<String> notes = new ArrayList<>(base.notes());
        notes.add(note);
        Results r = new Results(Results.SCHEMA, base.machine(), ceilings, base.results(), base.skipped(), notes);
        Path f = dir.resolve("results.json");
        r.write(f);
        assertEquals(r, Results.read(f));
        assertTrue(Files.readString(f).contains("\"lowerBound\" : true"));

        // Markdown: the value, a mark and a sentence
        Path md = dir.resolve("results.md");
        Report.writeMarkdown(r, md);
        String text = Files.readString(md);
        assertTrue(text.contains("| host | fma-peak | >= 120.0 GFLOP/s (**lower bound**) | LOWER BOUND: "), text);
        assertTrue(text.contains("**The FMA ceiling is a lower bound**"), text);
        assertTrue(text.contains("- The FMA ceiling (>= 120.0 GFLOP/s) is a LOWER BOUND"), text);
        assertTrue(text.contains("| host | copy-bandwidth | 22.3 GB/s | arraycopy |"), text);
    }

    @Test
    void aMeasuredPeakIsNotMarkedInTheMarkdown() throws IOException {
        Results base = ResultsJsonTest.sample();
        Results r = new Results(Results.SCHEMA, base.machine(), Ceilings.fma(MEASURED, 120, 2, 8, true),
                base.results(), base.skipped(), base.notes());
        Path md = dir.resolve("results.md");
        Report.writeMarkdown(r, md);
        String text = Files.readString(md);
        assertTrue(text.contains("| host | fma-peak | 240.0 GFLOP/s | C FMA loop"), text);
        assertTrue(text.contains("| host | fma-vector-api | 120.0 GFLOP/s | "), text);
        assertFalse(text.toLowerCase(java.util.Locale.ROOT).contains("lower bound"), text);
    }

    @Test
    void aResultsFileFromBeforeTheFlagReadsAsMeasured() throws IOException {
        Path f = dir.resolve("old.json");
        Files.writeString(f, """
                {"schema": "cnn4j-bench/1",
                 "machine": {"host": "h", "cpu": "c", "cores": 2, "memory": "1 GiB", "runtime": "r", "os": "o",
                             "date": "d", "loadBefore": "0 0 0", "loadAfter": "0 0 0", "command": "x"},
                 "ceilings": [{"device": "host", "name": "fma-peak", "value": 122.8, "unit": "GFLOP/s", "how": "l"}],
                 "results": [], "skipped": [], "notes": []}
                """);
        Results r = Results.read(f);
        assertFalse(r.ceilings().get(0).lowerBound());
        assertNull(r.blas());
    }
}
