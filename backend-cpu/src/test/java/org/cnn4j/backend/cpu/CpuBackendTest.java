package org.cnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Backends;
import org.cnn4j.core.DType;
import org.cnn4j.core.Probe;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Copy;
import org.cnn4j.ops.Scale;
import org.junit.jupiter.api.Test;

/** The cpu backend's contract: discovery, dtypes, counting, views, configuration and its worker pool. */
class CpuBackendTest {
    @Test
    void foundByNameAndPreferredOverTheReferenceByAuto() {
        try (Backend be = Backends.open("cpu")) {
            assertInstanceOf(CpuBackend.class, be);
            assertEquals("cpu", be.name());
        }
        Probe probe = Backends.probeAll().stream().filter(p -> p.backend().equals("cpu")).findFirst().orElseThrow();
        assertTrue(probe.available(), probe.toString());
        try (Backend be = Backends.open("auto")) {
            // no GPU backend on the test class path of this module
            assertEquals("cpu", be.name());
        }
    }

    @Test
    void float32Only() {
        try (CpuBackend be = new CpuBackend()) {
            assertTrue(be.supports(DType.FLOAT32));
            assertFalse(be.supports(DType.FLOAT64));
            assertThrows(IllegalArgumentException.class, () -> be.allocate(Shape.of(2), DType.FLOAT64));
        }
    }

    @Test
    void countsTensorsAndSharesMemoryWithViews() {
        try (CpuBackend be = new CpuBackend()) {
            Tensor t = be.fromArray(Shape.of(2, 3), new float[] {1, 2, 3, 4, 5, 6});
            assertEquals(1, be.liveTensors());
            assertEquals(24, be.liveBytes());
            Tensor v = t.reshape(Shape.of(6));
            assertEquals(1, be.liveTensors());
            Tensor out = be.allocate(Shape.of(2, 3));
            be.execute(new Scale.Run(new Scale(2), v, out.reshape(Shape.of(6))));
            assertArrayEquals(new float[] {2, 4, 6, 8, 10, 12}, out.toFloatArray());
            v.copyFrom(new float[] {6, 5, 4, 3, 2, 1});
            assertArrayEquals(new float[] {6, 5, 4, 3, 2, 1}, t.toFloatArray());
            out.close();
            v.close();
            assertEquals(1, be.liveTensors());
            t.close();
            assertEquals(0, be.liveTensors());
            assertEquals(0, be.liveBytes());
            assertThrows(IllegalStateException.class, v::toFloatArray);
        }
    }

    @Test
    void rejectsTensorsOfAnotherBackend() {
        try (CpuBackend a = new CpuBackend(); CpuBackend b = new CpuBackend();
                Tensor x = a.allocate(Shape.of(3)); Tensor y = b.allocate(Shape.of(3))) {
            assertThrows(IllegalArgumentException.class, () -> a.execute(new Copy.Run(x, y)));
        }
    }

    @Test
    void closedBackendRejectsWork() {
        CpuBackend be = new CpuBackend();
        Tensor x = be.allocate(Shape.of(3));
        Tensor y = be.allocate(Shape.of(3));
        be.close();
        assertThrows(IllegalStateException.class, () -> be.execute(new Copy.Run(x, y)));
        assertThrows(IllegalStateException.class, () -> be.allocate(Shape.of(1)));
    }

    @Test
    void configurationFromSystemProperties() {
        String threads = System.getProperty(CpuBackend.THREADS_PROPERTY);
        String vector = System.getProperty(CpuBackend.VECTOR_PROPERTY);
        try {
            System.setProperty(CpuBackend.THREADS_PROPERTY, "3");
            System.setProperty(CpuBackend.VECTOR_PROPERTY, "false");
            try (CpuBackend be = new CpuBackend()) {
                assertEquals(new CpuBackend.Config(3, false), be.config());
                assertTrue(be.device().contains("3 thread(s)") && be.device().contains("scalar"), be.device());
            }
            System.setProperty(CpuBackend.THREADS_PROPERTY, "zero");
            assertThrows(IllegalArgumentException.class, CpuBackend::new);
            System.setProperty(CpuBackend.THREADS_PROPERTY, "0");
            assertThrows(IllegalArgumentException.class, CpuBackend::new);
        } finally {
            restore(CpuBackend.THREADS_PROPERTY, threads);
            restore(CpuBackend.VECTOR_PROPERTY, vector);
        }
    }

    /**
     * The direct convolution is part of a backend's configuration ({@value CpuBackend#DIRECT_CONV_PROPERTY} read
     * with the other properties, once): two backends in one JVM may differ, and agree on the result.
     */
    @Test
    void theDirectConvolutionIsConfiguredPerBackend() {
        String direct = System.getProperty(CpuBackend.DIRECT_CONV_PROPERTY);
        try {
            System.setProperty(CpuBackend.DIRECT_CONV_PROPERTY, " FALSE ");
            assertFalse(CpuBackend.Config.fromSystemProperties().directConv());
            System.clearProperty(CpuBackend.DIRECT_CONV_PROPERTY);
            assertTrue(CpuBackend.Config.fromSystemProperties().directConv());
        } finally {
            restore(CpuBackend.DIRECT_CONV_PROPERTY, direct);
        }
        assertEquals(new CpuBackend.Config(2, true, true), new CpuBackend.Config(2, true));
        // LeNet-5's second convolution (6 -> 16 channels, 5 x 5, 14 x 14 in): the shape the direct path takes
        float[] x = new float[2 * 6 * 14 * 14];
        float[] w = new float[16 * 6 * 5 * 5];
        java.util.SplittableRandom rng = new java.util.SplittableRandom(7);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble(-1, 1);
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rng.nextDouble(-0.2, 0.2);
        }
        float[][] y = new float[2][];
        for (int run = 0; run < 2; run++) {
            try (CpuBackend be = new CpuBackend(new CpuBackend.Config(2, true, run == 0));
                    Tensor tx = be.fromArray(Shape.of(2, 6, 14, 14), x);
                    Tensor tw = be.fromArray(Shape.of(16, 6, 5, 5), w);
                    Tensor ty = be.allocate(Shape.of(2, 16, 10, 10))) {
                assertEquals(run == 0, be.config().directConv());
                if (CpuBackend.vectorModulePresent()) {
                    assertEquals(run == 0, !be.device().contains("direct convolution disabled"), be.device());
                }
                be.execute(new org.cnn4j.ops.Conv2d.Forward(org.cnn4j.ops.Conv2d.of(1, 0), tx, tw, null, ty));
                y[run] = ty.toFloatArray();
            }
        }
        for (int i = 0; i < y[0].length; i++) {
            assertEquals(y[1][i], y[0][i], 1e-4f * (1 + Math.abs(y[1][i])), "element " + i);
        }
    }

    @Test
    void splitLoopsRunOnEveryWorkerAndSmallLoopsOnTheCaller() {
        try (CpuBackend be = new CpuBackend(new CpuBackend.Config(2, true))) {
            Set<Thread> small = ConcurrentHashMap.newKeySet();
            be.parallelFor(100, 1, (from, to) -> small.add(Thread.currentThread()));
            assertEquals(Set.of(Thread.currentThread()), small);

            Set<String> big = ConcurrentHashMap.newKeySet();
            Set<Boolean> nestedSplit = ConcurrentHashMap.newKeySet();
            for (int rep = 0; rep < 20 && big.size() < 2; rep++) {
                be.parallelEach(16, 1 << 20, (from, to) -> {
                    big.add(Thread.currentThread().getName());
                    nestedSplit.add(be.worthSplitting(1000, 1 << 20));
                    long deadline = System.nanoTime() + 2_000_000;
                    while (System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                });
            }
            assertEquals(2, big.size(), big.toString());
            assertEquals(Set.of(false), nestedSplit, "a loop inside a split loop must not split again");
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
