package org.cnn4j.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cnn4j.nn.Replicas;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer data parallel over two MPI ranks: global batch 64 (32 a rank) takes the steps one process takes at
 * batch 64, within float32 summation-order error; both ranks hold the same bits; two launches give the same bits,
 * the second with small buckets summed while backward runs.
 * Skipped or failed as {@link MpiLaunchTest} is when MPI is missing.
 */
class DataParallelMpiTest {
    @BeforeAll
    static void findMpi() {
        MpiLaunchTest.findMpi();
    }

    @Test
    void twoRanksTakeTheStepsOfOneProcessAndRepeatBitForBit(@TempDir Path tmp) throws Exception {
        Path one = Files.createDirectories(tmp.resolve("one"));
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        TrainWorker.train(Replicas.single(), one);
        // b: buckets of 300 then 2,000 floats, so several sums run on their thread while backward goes on
        MpiLaunchTest.Run ra = MpiLaunchTest.launchMain(a, TrainWorker.class.getName(), 120);
        assertEquals(0, ra.exitCode(), ra.output());
        MpiLaunchTest.Run rb = MpiLaunchTest.launchMain(b, TrainWorker.class.getName(), 120, "300", "2000");
        assertEquals(0, rb.exitCode(), rb.output());
        int steps = TrainWorker.IMAGES / TrainWorker.BATCH;
        for (int s = 1; s <= steps; s++) {
            String name = "-step" + s + ".bin";
            byte[] rank0 = Files.readAllBytes(a.resolve("rank0" + name));
            assertArrayEquals(rank0, Files.readAllBytes(a.resolve("rank1" + name)), "ranks differ at step " + s);
            assertArrayEquals(rank0, Files.readAllBytes(b.resolve("rank0" + name)),
                    "launches with other buckets differ at step " + s);
            float[] want = floats(Files.readAllBytes(one.resolve("rank0" + name)));
            float[] got = floats(rank0);
            assertEquals(want.length, got.length);
            for (int i = 0; i < want.length; i++) {
                float tol = 1e-5f + 1e-4f * Math.abs(want[i]);
                int at = i;
                int step = s;
                assertTrue(Math.abs(got[i] - want[i]) <= tol, () -> "step " + step + ", value " + at
                        + ": one process " + want[at] + ", two ranks " + got[at]);
            }
        }
        assertTrue(Files.notExists(a.resolve("rank0-step" + (steps + 1) + ".bin")), "more steps than batches");
    }

    private static float[] floats(byte[] bytes) {
        float[] f = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }
}
