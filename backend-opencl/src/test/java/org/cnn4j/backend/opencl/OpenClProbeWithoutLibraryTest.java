package org.cnn4j.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cnn4j.core.Backends;
import org.cnn4j.core.Probe;
import org.junit.jupiter.api.Test;

/**
 * Without libOpenCL the probe is unavailable with what was searched, and the JVM carries on. LWJGL loads the
 * library once per JVM, so the check runs in a child JVM pointed at a library that does not exist.
 */
class OpenClProbeWithoutLibraryTest {
    /** The child JVM: prints the opencl probe, then proves selection still works by opening the reference. */
    public static void main(String[] args) {
        Probe p = new OpenClProvider().probe();
        System.out.println("PROBE " + p.available() + " " + p.detail());
        Probe listed = Backends.probeAll().stream().filter(q -> q.backend().equals("opencl")).findFirst()
                .orElseThrow();
        System.out.println("LISTED " + listed.available());
        try (var b = Backends.open("reference")) {
            System.out.println("STILL RUNNING " + b.name());
        }
    }

    /** Runs {@link #main} in a child JVM with {@code property} set and {@code env} added; returns its output. */
    private static String child(String property, String... env) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = property == null
                ? List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                        OpenClProbeWithoutLibraryTest.class.getName())
                : List.of(java, "--enable-native-access=ALL-UNNAMED", property, "-cp",
                        System.getProperty("java.class.path"), OpenClProbeWithoutLibraryTest.class.getName());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        for (int i = 0; i < env.length; i += 2) {
            pb.environment().put(env[i], env[i + 1]);
        }
        Process proc = pb.start();
        String out;
        try (var in = proc.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(proc.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish: " + out);
        assertEquals(0, proc.exitValue(), out);
        return out;
    }

    @Test
    void noLibraryMeansUnavailableWithTheReason() throws Exception {
        String out = child("-Dorg.lwjgl.opencl.libname=/nonexistent/libOpenCL.so");
        assertTrue(out.contains("PROBE false could not load the OpenCL ICD loader"), out);
        assertTrue(out.contains("/nonexistent/libOpenCL.so"), out);
        assertTrue(out.contains("ocl-icd-opencl-dev"), out);
        assertTrue(out.contains("LISTED false"), out);
        assertTrue(out.contains("STILL RUNNING reference"), out);
    }

    /** A file under the library's name that is not a library: unavailable with the reason, the JVM carries on. */
    @Test
    void aBogusLibraryMeansUnavailableWithTheReason(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path bogus = dir.resolve("libOpenCL.so.1");
        java.nio.file.Files.writeString(bogus, "not an ELF file\n");
        String out = child("-Dorg.lwjgl.opencl.libname=" + bogus);
        assertTrue(out.contains("PROBE false"), out);
        assertTrue(out.contains(bogus.toString()), out);
        assertTrue(out.contains("LISTED false"), out);
        assertTrue(out.contains("STILL RUNNING reference"), out);
    }

    /** The ICD loader finds no vendor file: no platform, unavailable, and the reason says where it looked. */
    @Test
    void noPlatformMeansUnavailableWithTheReason() throws Exception {
        OpenClTestSupport.requireDevice(); // needs the ICD loader itself
        String out = child(null, "OCL_ICD_VENDORS", "/nonexistent-icd-dir");
        assertTrue(out.contains("PROBE false"), out);
        assertTrue(out.contains("no platform"), out);
        assertTrue(out.contains("OCL_ICD_VENDORS=/nonexistent-icd-dir"), out);
        assertTrue(out.contains("LISTED false"), out);
        assertTrue(out.contains("STILL RUNNING reference"), out);
    }
}
