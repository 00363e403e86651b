package org.cnn4j.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Size2d;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Conv2d;
import org.cnn4j.spi.SignalHandlers;
import org.junit.jupiter.api.Test;

/**
 * PoCL starts LLVM, which installs its crash handlers over the JVM's (SIGSEGV and others, with SA_RESETHAND); a
 * JVM left that way dies without an hs_err file when two threads take a null-check signal at once. The backend
 * puts the JVM's handlers back after each driver call that can start LLVM ({@link SignalHandlers}).
 *
 * <p>Checked in a child JVM started without {@code LD_PRELOAD=libjsig.so} (which the build gives the test JVMs,
 * and which would hide the driver's handlers): once as shipped, where no handler may change across finding the
 * devices, opening the backend and compiling and running a convolution; once with
 * {@code -Dcnn4j.signals.restore=false}, where the driver's handlers must show, so that this test can fail.
 */
class OpenClSignalHandlersTest {
    /** SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGBUS, SIGFPE, SIGSEGV, SIGUSR2, SIGTERM: the ones the JVM uses. */
    static final int[] JVM_SIGNALS = {1, 2, 3, 4, 7, 8, 11, 12, 15};

    @Test
    void theJvmsSignalHandlersSurviveTheDriver() throws Exception {
        OpenClTestSupport.requireDevice();
        assumeTrue(SignalHandlers.active(), "sigaction is not reachable here (not Linux)");

        String guarded = runChild(List.of());
        assertEquals("changed: []", guarded, "a driver's signal handlers were left in place of the JVM's");

        String unguarded = runChild(List.of("-D" + SignalHandlers.PROPERTY + "=false"));
        assumeTrue(unguarded.contains("SIGSEGV"), "this OpenCL driver installs no handlers of its own ("
                + unguarded + "): the guard is not exercised here");
        assertTrue(unguarded.startsWith("changed: ["), unguarded);
    }

    private static String runChild(List<String> flags) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        String device = System.getProperty(OpenClDevices.DEVICE_PROPERTY);
        if (device != null) {
            cmd.add("-D" + OpenClDevices.DEVICE_PROPERTY + "=" + device);
        }
        cmd.addAll(flags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("LD_PRELOAD");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM did not finish");
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        return text.lines().filter(l -> l.startsWith("changed: ")).findFirst().orElseThrow(() ->
                new AssertionError("the child printed no result:\n" + text));
    }

    /** Finds the devices, opens the backend, compiles and runs a convolution; prints the handlers that changed. */
    public static final class Child {
        public static void main(String[] args) {
            long[] before = new long[JVM_SIGNALS.length];
            for (int i = 0; i < JVM_SIGNALS.length; i++) {
                before[i] = SignalHandlers.handlerAddress(JVM_SIGNALS[i]).orElseThrow();
            }
            try (OpenClBackend cl = OpenClBackend.open()) {
                Conv2d conv = new Conv2d(Size2d.of(1), Size2d.of(1), Size2d.of(1), 1);
                try (Tensor x = cl.fromArray(Shape.of(1, 1, 4, 4), new float[16]);
                     Tensor w = cl.fromArray(Shape.of(2, 1, 3, 3), new float[18]);
                     Tensor b = cl.fromArray(Shape.of(2), new float[2]);
                     Tensor y = cl.allocate(conv.outputShape(x.shape(), w.shape()))) {
                    cl.execute(new Conv2d.Forward(conv, x, w, b, y));
                    y.toFloatArray();
                }
            }
            List<String> changed = new ArrayList<>();
            for (int i = 0; i < JVM_SIGNALS.length; i++) {
                if (SignalHandlers.handlerAddress(JVM_SIGNALS[i]).orElseThrow() != before[i]) {
                    changed.add(SignalHandlers.name(JVM_SIGNALS[i]));
                }
            }
            System.out.println("changed: " + changed);
        }
    }
}
