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

    @Test
    void noLibraryMeansUnavailableWithTheReason() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-Dorg.lwjgl.opencl.libname=/nonexistent/libOpenCL.so", "-cp", System.getProperty("java.class.path"),
                OpenClProbeWithoutLibraryTest.class.getName());
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try (var in = proc.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(proc.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish: " + out);
        assertEquals(0, proc.exitValue(), out);
        assertTrue(out.contains("PROBE false could not load the OpenCL ICD loader"), out);
        assertTrue(out.contains("/nonexistent/libOpenCL.so"), out);
        assertTrue(out.contains("ocl-icd-opencl-dev"), out);
        assertTrue(out.contains("LISTED false"), out);
        assertTrue(out.contains("STILL RUNNING reference"), out);
    }
}
