package org.cnn4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cnn4j.backend.reference.ReferenceBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.nn.Synthetic;
import org.cnn4j.nn.data.ImageDataset;
import org.cnn4j.nn.io.CheckpointException;
import org.cnn4j.nn.io.SafeTensors;
import org.cnn4j.nn.models.Model;
import org.cnn4j.nn.models.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TrainerTest {
    @TempDir
    Path dir;

    static final ImageDataset DATA = Synthetic.bars(96, 10, 8, 11);

    static Trainer trainer(Backend b, String model, Optimizer.Config oc, Trainer.Config tc) {
        Model m = Models.create(model, b, DATA.sampleShape(), 10, 5);
        return new Trainer(m, new Optimizer(b, m.net().parameters(), oc), tc);
    }

    static void closeAll(Trainer t) {
        t.close();
        t.optimizer().close();
        t.model().close();
    }

    /** Every parameter, buffer and optimizer state value, by name. */
    static Map<String, float[]> state(Trainer t) {
        Map<String, float[]> m = new LinkedHashMap<>();
        t.model().net().parameters().forEach((k, v) -> m.put(k, v.value().toFloatArray()));
        t.model().net().buffers().forEach((k, v) -> m.put(k, v.toFloatArray()));
        t.optimizer().state().forEach((k, v) -> m.put("optimizer." + k, v.toFloatArray()));
        return m;
    }

    @ParameterizedTest
    @EnumSource(Optimizer.Kind.class)
    void everyOptimizerLearnsTheBars(Optimizer.Kind kind) {
        double lr = kind == Optimizer.Kind.SGD ? 0.1 : kind == Optimizer.Kind.ADAGRAD ? 0.05 : 0.003;
        Optimizer.Config oc = Optimizer.Config.defaults(kind, lr);
        if (kind == Optimizer.Kind.SGD) {
            oc = oc.withMomentum(0.9).withWeightDecay(5e-4);
        }
        try (Backend b = new ReferenceBackend()) {
            Trainer t = trainer(b, "seed002-dense", oc, Trainer.Config.of(16, 3));
            try {
                Metrics before = t.evaluate(DATA);
                List<EpochResult> r = t.fit(DATA, DATA, 6, new TrainingListener() { });
                assertEquals(6, r.size());
                Metrics after = r.getLast().validation();
                assertTrue(after.loss() < before.loss() * 0.7, kind + ": loss " + before.loss() + " -> "
                        + after.loss());
                assertTrue(after.accuracy() > 0.5, kind + ": accuracy " + after.accuracy());
                assertEquals(6 * 6, t.optimizer().steps());
            } finally {
                closeAll(t);
            }
            assertEquals(0, b.liveTensors(), "everything closed");
        }
    }

    @Test
    void metricsAndSchedule() {
        try (Backend b = new ReferenceBackend()) {
            Trainer t = trainer(b, "seed002-dense", Optimizer.Config.defaults(Optimizer.Kind.SGD, 0.1),
                    new Trainer.Config(32, 1, 1e-4, new StepLr(1, 0.1), null));
            try {
                List<EpochResult> r = t.fit(DATA, null, 2, new TrainingListener() { });
                assertEquals(0.1, r.get(0).lr(), 1e-12);
                assertEquals(0.01, r.get(1).lr(), 1e-12);
                Metrics m = t.evaluate(DATA);
                long total = 0;
                for (long[] row : m.confusion()) {
                    for (long v : row) {
                        total += v;
                    }
                }
                assertEquals(DATA.size(), total);
                double[][] p = m.confusionPercent();
                double rowSum = 0;
                for (double v : p[DATA.labels()[0]]) {
                    rowSum += v;
                }
                assertEquals(100, rowSum, 1e-9);
                assertEquals(2, r.get(1).epoch());
                assertEquals(6, r.get(1).step());
            } finally {
                closeAll(t);
            }
        }
    }

    /**
     * Two epochs straight equal one epoch, a checkpoint, a fresh process state loaded from it, and one more
     * epoch: bit for bit, with batch norm, dropout, augmentation, an L2 penalty, a schedule and Adam.
     */
    @Test
    void resumingFromACheckpointContinuesExactly() throws IOException {
        Optimizer.Config oc = Optimizer.Config.defaults(Optimizer.Kind.ADAM, 0.002);
        Trainer.Config tc = new Trainer.Config(32, 9, 1e-4, new StepLr(1, 0.5), new Augment(1, 0.5, 0.1));
        ImageDataset data = DATA.head(64);
        Map<String, float[]> straight;
        try (Backend b = new ReferenceBackend()) {
            Trainer t = trainer(b, "seed002-cnn", oc, tc);
            t.fit(data, null, 2, new TrainingListener() { });
            straight = state(t);
            closeAll(t);
        }
        Path ckpt = dir.resolve("epoch-1.safetensors");
        try (Backend b = new ReferenceBackend()) {
            Trainer t = trainer(b, "seed002-cnn", oc, tc);
            t.fit(data, null, 1, new TrainingListener() { });
            Checkpoint.save(ckpt, t);
            closeAll(t);
        }
        Map<String, float[]> resumed;
        try (Backend b = new ReferenceBackend()) {
            Model m = Models.create("seed002-cnn", b, DATA.sampleShape(), 10, 12345);
            Trainer t = new Trainer(m, new Optimizer(b, m.net().parameters(), oc), tc);
            Map<String, String> meta = Checkpoint.load(ckpt, t);
            assertEquals("1", meta.get("epoch"));
            assertEquals(1, t.epochsDone());
            t.fit(data, null, 2, new TrainingListener() { });
            resumed = state(t);
            closeAll(t);
        }
        assertEquals(straight.keySet(), resumed.keySet());
        for (String k : straight.keySet()) {
            assertArrayEquals(straight.get(k), resumed.get(k), k);
        }
    }

    @Test
    void loadingChecksNamesShapesAndModel() throws IOException {
        Path ckpt = dir.resolve("a.safetensors");
        Optimizer.Config adam = Optimizer.Config.defaults(Optimizer.Kind.ADAM, 0.001);
        try (Backend b = new ReferenceBackend()) {
            Trainer t = trainer(b, "seed002-dense", adam, Trainer.Config.of(16, 1));
            try {
                Checkpoint.save(ckpt, t);
                Checkpoint.load(ckpt, t);
            } finally {
                closeAll(t);
            }
            Trainer other = trainer(b, "seed003-mnist", adam, Trainer.Config.of(16, 1));
            try {
                CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(ckpt, other));
                assertTrue(e.getMessage().contains("holds model seed002-dense"), e.getMessage());
            } finally {
                closeAll(other);
            }
            Trainer sgd = trainer(b, "seed002-dense", Optimizer.Config.defaults(Optimizer.Kind.SGD, 0.1),
                    Trainer.Config.of(16, 1));
            try {
                CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(ckpt, sgd));
                assertTrue(e.getMessage().contains("ADAM optimizer state"), e.getMessage());
            } finally {
                closeAll(sgd);
            }
            SafeTensors.Contents c = SafeTensors.read(ckpt);
            Map<String, SafeTensors.Entry> fewer = new LinkedHashMap<>(c.tensors());
            fewer.remove("1.bias");
            fewer.put("9.weight", new SafeTensors.Entry(org.cnn4j.core.Shape.of(1), new float[1]));
            Path bad = dir.resolve("bad.safetensors");
            Map<String, String> meta = new LinkedHashMap<>(c.metadata());
            meta.remove(SafeTensors.CHECKSUM_KEY);
            SafeTensors.write(bad, fewer, meta);
            Trainer t2 = trainer(b, "seed002-dense", adam, Trainer.Config.of(16, 1));
            try {
                CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(bad, t2));
                assertTrue(e.getMessage().contains("missing [1.bias], unexpected [9.weight]"), e.getMessage());
            } finally {
                closeAll(t2);
            }
            assertEquals(0, b.liveTensors());
        }
    }

    @Test
    void epochsAfterTheFirstAllocateNoTensors() {
        try (Backend b = new ReferenceBackend()) {
            Trainer t = trainer(b, "seed002-cnn", Optimizer.Config.defaults(Optimizer.Kind.ADAM, 0.001),
                    new Trainer.Config(20, 1, 1e-4, StepLr.none(), Augment.standard(8)));
            try {
                ImageDataset data = DATA.head(50);
                t.fit(data, data, 1, new TrainingListener() { });
                long warm = b.liveTensors();
                long bytes = b.liveBytes();
                t.fit(data, data, 3, new TrainingListener() { });
                assertEquals(warm, b.liveTensors());
                assertEquals(bytes, b.liveBytes());
            } finally {
                closeAll(t);
            }
        }
    }

    @Test
    void augmentationKeepsValuesInRangeAndIsSeeded() {
        Augment a = new Augment(2, 1.0, 0.2);
        float[] x = new float[16];
        for (int i = 0; i < 16; i++) {
            x[i] = i / 15f;
        }
        float[] y = x.clone();
        float[] z = x.clone();
        a.apply(y, 0, 1, 4, 4, new java.util.SplittableRandom(1), new float[16]);
        a.apply(z, 0, 1, 4, 4, new java.util.SplittableRandom(1), new float[16]);
        assertArrayEquals(y, z);
        for (float v : y) {
            assertTrue(v >= 0 && v <= 1);
        }
        Augment flipOnly = new Augment(0, 1.0, 0);
        float[] f = x.clone();
        flipOnly.apply(f, 0, 1, 4, 4, new java.util.SplittableRandom(1), new float[16]);
        assertEquals(x[3], f[0]);
        assertEquals(x[0], f[3]);
    }


    @Test
    void aBatchLargerThanTheDataTrainsOnOneBatchOfEverything() {
        try (Backend b = new ReferenceBackend()) {
            Trainer t = trainer(b, "seed002-dense", Optimizer.Config.defaults(Optimizer.Kind.SGD, 0.01),
                    Trainer.Config.of(2_000_000_000, 1));
            t.fit(DATA, DATA, 1, new TrainingListener() { });
            assertEquals(1, t.optimizer().steps());
            closeAll(t);
        }
    }

    @Test
    void aBatchThatCannotFitIsRefusedUpFrontNamingTheBatchAndTheLimit() {
        String key = "cnn4j.reference.memoryLimit";
        System.setProperty(key, "2m");
        Backend b;
        try {
            b = new ReferenceBackend();
        } finally {
            System.clearProperty(key);
        }
        try (b) {
            ImageDataset big = org.cnn4j.nn.Synthetic.bars(4000, 10, 8, 3);
            Trainer t = trainer(b, "seed002-dense", Optimizer.Config.defaults(Optimizer.Kind.SGD, 0.01),
                    Trainer.Config.of(4000, 1));
            long before = b.liveBytes();
            org.cnn4j.core.DeviceMemoryException e = assertThrows(org.cnn4j.core.DeviceMemoryException.class,
                    () -> t.fit(big, null, 1, new TrainingListener() { }));
            assertTrue(e.getMessage().contains("batch size 4000"), e.getMessage());
            assertTrue(e.getMessage().contains("limit of 2 MiB"), e.getMessage());
            assertEquals(before, b.liveBytes(), "the refused batch allocated tensors");
            assertEquals(0, t.epochsDone());
            org.cnn4j.core.DeviceMemoryException ev = assertThrows(org.cnn4j.core.DeviceMemoryException.class,
                    () -> t.evaluate(big));
            assertTrue(ev.getMessage().contains("batch size 4000"), ev.getMessage());
            closeAll(t);
        }
    }

    @Test
    void anUnknownOptimizerListsTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Optimizer.Kind.parse("nosuch"));
        assertTrue(e.getMessage().contains("'nosuch'") && e.getMessage().contains("sgd, adagrad, rmsprop, adam"),
                e.getMessage());
        assertEquals(Optimizer.Kind.RMSPROP, Optimizer.Kind.parse(" RMS-Prop "));
    }
}
