package org.cnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Backends;
import org.junit.jupiter.api.Test;

/**
 * A JVM started without {@code --add-modules jdk.incubator.vector} runs the cpu backend's scalar kernel, and says
 * so: one warning through System.Logger, or a failure under {@code -Dcnn4j.require=vector}. Checked in child JVMs,
 * since the test JVM has the module.
 */
class VectorModuleAbsentTest {
    /** The child JVM: opens the cpu backend twice; prints the device or the first line of the refusal. */
    public static void main(String[] args) {
        for (int i = 0; i < 2; i++) {
            try (Backend b = Backends.open("cpu")) {
                System.out.println("OPENED " + b.device());
            } catch (RuntimeException e) { // the probe fails, so the backend is unavailable with the reason
                System.out.println("REFUSED " + e.getMessage().lines().findFirst().orElse(""));
            }
        }
    }

    private static String child(String... props) throws Exception {
        return child(java.util.Map.of(), props);
    }

    private static String child(java.util.Map<String, String> env, String... props) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(List.of(props));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), VectorModuleAbsentTest.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("CNN4J_REQUIRE");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void withoutTheModuleTheBackendWarnsOnce() throws Exception {
        String out = child();
        assertEquals(2, out.lines().filter(l -> l.startsWith("OPENED ")).count(), out);
        assertEquals(1, out.lines().filter(l -> l.contains("started without --add-modules jdk.incubator.vector"))
                .count(), out);
    }

    @Test
    void withoutTheModuleARequiredVectorKernelFails() throws Exception {
        String out = child("-Dcnn4j.require=vector");
        assertEquals(2, out.lines().filter(l -> l.startsWith("REFUSED ") && l.contains("-Dcnn4j.require=vector"))
                .count(), out);
    }

    /** The requirement is read through Requirements alone: its environment variable and "all" count too. */
    @Test
    void theRequirementFromTheEnvironmentFailsToo() throws Exception {
        String out = child(java.util.Map.of("CNN4J_REQUIRE", "opencl, Vector"));
        assertEquals(2, out.lines().filter(l -> l.startsWith("REFUSED ") && l.contains("CNN4J_REQUIRE=opencl, Vector"))
                .count(), out);
        String all = child("-Dcnn4j.require=all");
        assertEquals(2, all.lines().filter(l -> l.startsWith("REFUSED ")).count(), all);
    }

    @Test
    void choosingTheScalarKernelIsQuiet() throws Exception {
        String out = child("-Dcnn4j.cpu.vector=false");
        assertEquals(2, out.lines().filter(l -> l.startsWith("OPENED ")).count(), out);
        assertTrue(!out.contains("WARNING") && !out.contains("started without"), out);
    }
}
