package org.cnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cnn4j.backend.reference.ReferenceBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.core.DeviceMemoryException;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Conv2d;
import org.junit.jupiter.api.Test;

/**
 * The host backends' device is the Java heap: their memory limit is the heap's size (half of it for the
 * reference, which holds every element as a double), and an array that does not fit is a
 * {@link DeviceMemoryException}, never an {@link OutOfMemoryError}; the backend computes afterwards.
 */
class HeapExhaustionTest {
    /** The child JVM: fills most of a small heap with ballast, then allocates tensors until one does not fit. */
    public static void main(String[] args) {
        byte[] ballast = new byte[(int) (Runtime.getRuntime().maxMemory() * 6 / 10)];
        ballast[0] = 1;
        for (Backend b : new Backend[] {new CpuBackend(), new ReferenceBackend()}) {
            List<Tensor> held = new ArrayList<>();
            try {
                for (int i = 0; i < 50; i++) {
                    held.add(b.allocate(Shape.of(1 << 20))); // 4 MiB counted
                }
                System.out.println("NO FAILURE " + b.name());
            } catch (DeviceMemoryException e) {
                System.out.println("DEVICE MEMORY " + b.name() + " after " + held.size() + ": " + e.getMessage());
                long live = b.liveTensors();
                held.forEach(Tensor::close);
                held.clear();
                System.out.println("LIVE " + b.name() + " " + live + " -> " + b.liveTensors() + " " + b.liveBytes());
                System.out.println(stillComputes(b) ? "STILL RUNNING " + b.name() : "BROKEN " + b.name());
            } catch (OutOfMemoryError e) {
                held.clear();
                System.out.println("OOM ESCAPED " + b.name() + ": " + e);
            } finally {
                b.close();
            }
        }
        System.out.println("BALLAST " + ballast[0]);
    }

    static boolean stillComputes(Backend b) {
        try (Tensor x = b.fromArray(Shape.of(1, 1, 3, 3), new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
                Tensor w = b.fromArray(Shape.of(1, 1, 2, 2), new float[] {1, 1, 1, 1});
                Tensor y = b.allocate(Shape.of(1, 1, 2, 2))) {
            b.execute(new Conv2d.Forward(Conv2d.of(1, 0), x, w, null, y));
            float[] v = y.toFloatArray();
            return v[0] == 12 && v[1] == 16 && v[2] == 24 && v[3] == 28;
        }
    }

    @Test
    void theLimitIsTheHeapAndALargerTensorIsRefused() {
        long heap = Runtime.getRuntime().maxMemory();
        try (Backend cpu = new CpuBackend(); Backend ref = new ReferenceBackend()) {
            assertTrue(cpu.memoryLimit() <= heap, cpu.memoryLimit() + " > heap " + heap);
            assertTrue(ref.memoryLimit() <= heap / 2, ref.memoryLimit() + " > half the heap " + heap);
            for (Backend b : new Backend[] {cpu, ref}) {
                assumeTrue(b.memoryLimit() < 4L * Integer.MAX_VALUE, "a heap of " + (heap >> 20)
                        + " MiB holds the largest tensor");
                DeviceMemoryException e = assertThrows(DeviceMemoryException.class,
                        () -> b.allocate(Shape.of(Integer.MAX_VALUE)));
                assertTrue(e.getMessage().contains("[2147483647]"), e.getMessage());
                assertEquals(0, b.liveBytes());
                assertTrue(stillComputes(b), b.name());
            }
        }
    }

    @Test
    void aFullHeapIsDeviceMemoryExceptionNotOutOfMemoryError() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx128m", "-XX:+UseSerialGC", "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), HeapExhaustionTest.class.getName())
                .redirectErrorStream(true).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        for (String name : new String[] {"cpu", "reference"}) {
            assertTrue(out.contains("DEVICE MEMORY " + name), out);
            assertTrue(out.contains("STILL RUNNING " + name), out);
            assertTrue(out.contains("LIVE " + name) && out.matches("(?s).*LIVE " + name + " \\d+ -> 0 0.*"), out);
        }
        // the ballast leaves less heap than the limit: the refusal came from the heap, not from the limit
        assertTrue(out.contains("the Java heap is exhausted"), out);
        assertTrue(!out.contains("OOM ESCAPED") && !out.contains("NO FAILURE"), out);
    }
}
