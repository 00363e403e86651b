package org.cnn4j.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Starting the opencl backend prints nothing on stderr: LWJGL runs on its FFM memory backend, so the JDK's
 * {@code sun.misc.Unsafe} deprecation warnings do not appear (LWJGL warns once per JVM, so this runs in a child).
 */
class OpenClQuietStartTest {
    /** The child JVM: opens the backend, copies a tensor there and back. */
    public static void main(String[] args) {
        try (Backend be = OpenClBackend.open(); Tensor t = be.fromArray(Shape.of(4), new float[] {1, 2, 3, 4})) {
            System.out.println("ROUND TRIP " + t.toFloatArray()[3]);
        }
    }

    @Test
    void startingTheBackendWarnsAboutNothing() throws Exception {
        OpenClTestSupport.requireDevice();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process proc = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), OpenClQuietStartTest.class.getName())).start();
        String out;
        String err;
        try (var o = proc.getInputStream(); var e = proc.getErrorStream()) {
            out = new String(o.readAllBytes(), StandardCharsets.UTF_8);
            err = new String(e.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(proc.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish: " + out + err);
        assertEquals(0, proc.exitValue(), out + err);
        assertTrue(out.contains("ROUND TRIP 4.0"), out + err);
        assertFalse(err.contains("sun.misc.Unsafe"), err);
        assertEquals("", err.strip(), "the child wrote to stderr");
    }
}
