package org.cnn4j.bench.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The C FMA loop's plumbing: flags to width, the result line, the compiler search, the fallback's reasons. */
class NativeFmaPeakTest {
    @TempDir
    Path dir;

    static final String LINE = "fma-peak gflops=240.125 cpu_gflops=241.5 isa=avx2-fma lanes=8 chains=12 threads=2 "
            + "trials=5 seconds=0.500";

    @Test
    void theResultLineIsParsed() {
        NativeFmaPeak.Measurement m = NativeFmaPeak.parse("warming up\n" + LINE + "\n");
        assertEquals(new NativeFmaPeak.Measurement(240.125, 241.5, "avx2-fma", 8, 12, 2, 5, 0.5), m);
    }

    @Test
    void aBrokenResultLineIsRefusedSayingWhy() {
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> NativeFmaPeak.parse("Segmentation fault\n"));
        assertTrue(none.getMessage().contains("no 'fma-peak ...' line") && none.getMessage().contains("Segmentation"),
                none.getMessage());
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> NativeFmaPeak.parse(LINE.replace("gflops=240.125", "gflops=abc")));
        assertTrue(nan.getMessage().contains("gflops=abc is not a number"), nan.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> NativeFmaPeak.parse(LINE.replace("gflops=240.125", "gflops=0")));
        assertTrue(zero.getMessage().contains("positive"), zero.getMessage());
        IllegalArgumentException noIsa = assertThrows(IllegalArgumentException.class,
                () -> NativeFmaPeak.parse(LINE.replace(" isa=avx2-fma", "")));
        assertTrue(noIsa.getMessage().contains("no isa="), noIsa.getMessage());
        IllegalArgumentException noLanes = assertThrows(IllegalArgumentException.class,
                () -> NativeFmaPeak.parse(LINE.replace(" lanes=8", "")));
        assertTrue(noLanes.getMessage().contains("no lanes="), noLanes.getMessage());
    }

    @Test
    void theWidthFollowsTheCpuFlags() {
        List<String> epyc = List.of("processor\t: 0", "vendor_id\t: AuthenticAMD",
                "flags\t\t: fpu vme sse sse2 ssse3 fma sse4_1 sse4_2 avx sse4a avx2 bmi2", "bugs\t\t: sysret_ss_attrs",
                "processor\t: 1", "flags\t\t: fpu");
        Set<String> flags = NativeFmaPeak.cpuFlags(epyc);
        assertTrue(flags.contains("avx2") && flags.contains("fma") && !flags.contains("fpu vme"), flags.toString());
        assertEquals(NativeFmaPeak.Isa.AVX2_FMA, NativeFmaPeak.isaFor(flags));
        assertEquals(NativeFmaPeak.Isa.AVX512F, NativeFmaPeak.isaFor(Set.of("sse2", "avx2", "fma", "avx512f")));
        assertEquals(NativeFmaPeak.Isa.SSE, NativeFmaPeak.isaFor(Set.of("sse2", "avx2"))); // AVX2 without FMA3
        assertEquals(NativeFmaPeak.Isa.SSE, NativeFmaPeak.isaFor(Set.of("sse", "sse2", "avx")));
        // aarch64's cpuinfo has "Features", no "flags": no width, the caller falls back
        List<String> arm = List.of("processor\t: 0", "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32");
        assertTrue(NativeFmaPeak.cpuFlags(arm).isEmpty());
        assertNull(NativeFmaPeak.isaFor(NativeFmaPeak.cpuFlags(arm)));
        assertEquals(List.of("-mavx2", "-mfma"), NativeFmaPeak.Isa.AVX2_FMA.flags);
        assertEquals(16, NativeFmaPeak.Isa.AVX512F.lanes);
    }

    @Test
    void theCompilerIsCcElseTheFirstOnThePath() throws IOException {
        assertEquals(List.of("clang-18", "-m64"), NativeFmaPeak.findCompiler(Map.of("CC", " clang-18  -m64 ",
                "PATH", "/usr/bin")));
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path gcc = Files.createFile(bin.resolve("gcc"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.createFile(bin.resolve("cc")); // not executable: passed over
        assertEquals(List.of(gcc.toString()), NativeFmaPeak.findCompiler(Map.of("PATH",
                dir.resolve("empty") + java.io.File.pathSeparator + bin)));
        assertNull(NativeFmaPeak.findCompiler(Map.of("PATH", dir.resolve("empty").toString())));
        assertNull(NativeFmaPeak.findCompiler(Map.of()));
    }

    @Test
    void withoutACompilerOrX86FlagsThereIsNoMeasurementAndTheReasonIsGiven() {
        Set<String> x86 = Set.of("sse2");
        NativeFmaPeak.Outcome noCc = NativeFmaPeak.measure(1, 0.01, 1, x86, Map.of("PATH", dir.toString()));
        assertNull(noCc.measurement());
        assertTrue(noCc.unavailable().startsWith("no C compiler"), noCc.unavailable());

        NativeFmaPeak.Outcome arm = NativeFmaPeak.measure(1, 0.01, 1, Set.of(), Map.of("CC", "cc"));
        assertNull(arm.measurement());
        assertTrue(arm.unavailable().startsWith("no x86 CPU flags"), arm.unavailable());

        NativeFmaPeak.Outcome missing = NativeFmaPeak.measure(1, 0.01, 1, x86,
                Map.of("CC", dir.resolve("no-such-cc").toString()));
        assertNull(missing.measurement());
        assertTrue(missing.unavailable().startsWith("CC=" + dir.resolve("no-such-cc") + ": "), missing.unavailable());
        assertTrue(missing.unavailable().endsWith("is not an executable file, nor one on the PATH"),
                missing.unavailable());
        NativeFmaPeak.Outcome bare = NativeFmaPeak.measure(1, 0.01, 1, x86,
                Map.of("CC", "no-such-cc-xyz -O3", "PATH", dir.toString()));
        assertTrue(bare.unavailable().startsWith("CC=no-such-cc-xyz -O3: no-such-cc-xyz is not"), bare.unavailable());

        assertThrows(IllegalArgumentException.class, () -> NativeFmaPeak.measure(0, 0.1, 1));
        assertThrows(IllegalArgumentException.class, () -> new NativeFmaPeak.Outcome(null, "cc", null));
    }

    @Test
    void theCLoopBuildsAndRunsWhereThereIsACompiler() {
        Set<String> flags = NativeFmaPeak.hostFlags();
        NativeFmaPeak.Isa isa = NativeFmaPeak.isaFor(flags);
        assumeTrue(isa != null, "not an x86 Linux host: the C loop does not apply");
        assumeTrue(NativeFmaPeak.findCompiler(System.getenv()) != null, "no C compiler (cc, gcc, clang) on the PATH");
        NativeFmaPeak.Outcome o = NativeFmaPeak.measure(2, 0.02, 1, flags, System.getenv());
        assertNotNull(o.measurement(), o.unavailable());
        NativeFmaPeak.Measurement m = o.measurement();
        assertEquals(isa.id, m.isa());
        assertEquals(isa.lanes, m.lanes());
        assertEquals(2, m.threads());
        assertEquals(12, m.chains());
        assertTrue(m.gflops() > 0 && m.cpuGflops() > 0, m.toString()); // a rate, no bound on its size
        assertTrue(o.command().contains(String.join(" ", isa.flags)), o.command());

        // the narrowest build runs on every x86-64 CPU
        NativeFmaPeak.Outcome sse = NativeFmaPeak.measure(1, 0.02, 1, Set.of("sse2"), System.getenv());
        assertNotNull(sse.measurement(), sse.unavailable());
        assertEquals("sse", sse.measurement().isa());
        assertFalse(sse.command().contains("avx"), sse.command());
    }
}
