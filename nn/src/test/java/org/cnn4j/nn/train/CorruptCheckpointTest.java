package org.cnn4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.cnn4j.backend.reference.ReferenceBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.nn.Synthetic;
import org.cnn4j.nn.data.ImageDataset;
import org.cnn4j.nn.io.CheckpointException;
import org.cnn4j.nn.io.SafeTensors;
import org.cnn4j.nn.layers.Dropout;
import org.cnn4j.nn.layers.Flatten;
import org.cnn4j.nn.layers.Linear;
import org.cnn4j.nn.layers.Sequential;
import org.cnn4j.nn.models.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints that are damaged: one byte changed anywhere (header, padding, metadata, tensor data), cut at any
 * length, from another model or with tensors missing. Each load is a {@link CheckpointException}, and a failed
 * load leaves the model's weights, buffers, optimizer state and the trainer's counters exactly as they were.
 */
class CorruptCheckpointTest {
    @TempDir
    Path dir;

    static final ImageDataset DATA = Synthetic.bars(24, 3, 4, 5);

    /** A model small enough that every byte of its checkpoint can be flipped: 16 -> 3 with dropout. */
    static Trainer tiny(Backend b, long seed) {
        Sequential net = new Sequential(b).add(new Flatten(b)).add(new Dropout(b, 0.25, seed)).add(new Linear(b, 16, 3));
        net.initialize(org.cnn4j.nn.Init.PYTORCH_DEFAULT, new java.util.SplittableRandom(seed));
        Model m = new Model("tiny", net, DATA.sampleShape(), 3);
        return new Trainer(m, new Optimizer(b, m.net().parameters(),
                Optimizer.Config.defaults(Optimizer.Kind.ADAM, 0.01)), Trainer.Config.of(8, seed));
    }

    static Map<String, float[]> snapshot(Trainer t) {
        Map<String, float[]> s = new LinkedHashMap<>(TrainerTest.state(t));
        s.put("counters", new float[] {t.epochsDone(), t.optimizer().steps()});
        return s;
    }

    static void assertUnchanged(Map<String, float[]> before, Trainer t, String what) {
        Map<String, float[]> now = snapshot(t);
        assertEquals(before.keySet(), now.keySet());
        for (String k : before.keySet()) {
            assertArrayEquals(before.get(k), now.get(k), what + ": a failed load changed " + k);
        }
    }

    @Test
    void everySingleByteChangeIsDetectedAndLoadsNothing() throws IOException {
        Path ckpt = dir.resolve("tiny.safetensors");
        try (Backend b = new ReferenceBackend()) {
            Trainer src = tiny(b, 1);
            src.fit(DATA, null, 2, new TrainingListener() { });
            Checkpoint.save(ckpt, src);
            TrainerTest.closeAll(src);
            Trainer t = tiny(b, 2);
            try {
                t.fit(DATA, null, 1, new TrainingListener() { });
                Map<String, float[]> before = snapshot(t);
                byte[] good = Files.readAllBytes(ckpt);
                Path bad = dir.resolve("bad.safetensors");
                int detected = 0;
                // 0x01: the smallest change (a digit to its neighbour, JSON stays valid); 0xff: the largest
                for (int flip : new int[] {0x01, 0xff}) {
                    for (int at = 0; at < good.length; at++) {
                        byte[] v = good.clone();
                        v[at] ^= (byte) flip;
                        Files.write(bad, v);
                        int pos = at;
                        assertThrows(CheckpointException.class, () -> Checkpoint.load(bad, t),
                                () -> "byte " + pos + " of " + good.length + " xor 0x" + Integer.toHexString(flip)
                                        + " loaded without an error");
                        if (flip == 0x01) {
                            assertThrows(CheckpointException.class, () -> Checkpoint.loadWeights(bad,
                                    t.model().net()), () -> "byte " + pos + " xor 0x01: weights loaded");
                        }
                        detected++;
                    }
                    assertUnchanged(before, t, "after every flip with 0x" + Integer.toHexString(flip));
                }
                assertEquals(2 * good.length, detected);
                Checkpoint.load(ckpt, t); // the undamaged file still loads
                assertEquals(2, t.epochsDone());
            } finally {
                TrainerTest.closeAll(t);
            }
        }
    }

    @Test
    void aFileCutAtAnyLengthIsRefused() throws IOException {
        Path ckpt = dir.resolve("tiny.safetensors");
        try (Backend b = new ReferenceBackend()) {
            Trainer t = tiny(b, 3);
            try {
                t.fit(DATA, null, 1, new TrainingListener() { });
                Checkpoint.save(ckpt, t);
                Map<String, float[]> before = snapshot(t);
                byte[] good = Files.readAllBytes(ckpt);
                Path cut = dir.resolve("cut.safetensors");
                for (int len = 0; len < good.length; len++) {
                    Files.write(cut, Arrays.copyOf(good, len));
                    int l = len;
                    assertThrows(CheckpointException.class, () -> Checkpoint.load(cut, t),
                            () -> "cut to " + l + " of " + good.length + " bytes");
                }
                byte[] longer = Arrays.copyOf(good, good.length + 4);
                Files.write(cut, longer);
                assertThrows(CheckpointException.class, () -> Checkpoint.load(cut, t), "4 bytes appended");
                assertUnchanged(before, t, "after cut files");
            } finally {
                TrainerTest.closeAll(t);
            }
        }
    }

    @Test
    void anotherModelOrMissingTensorsLoadNothing() throws IOException {
        Path other = dir.resolve("other.safetensors");
        Path missing = dir.resolve("missing.safetensors");
        try (Backend b = new ReferenceBackend()) {
            Trainer dense = TrainerTest.trainer(b, "seed002-dense", Optimizer.Config.defaults(Optimizer.Kind.ADAM,
                    0.01), Trainer.Config.of(8, 1));
            Checkpoint.save(other, dense);
            TrainerTest.closeAll(dense);
            Trainer t = tiny(b, 4);
            try {
                t.fit(DATA, null, 1, new TrainingListener() { });
                Checkpoint.save(missing, t);
                SafeTensors.Contents c = SafeTensors.read(missing);
                Map<String, SafeTensors.Entry> fewer = new LinkedHashMap<>(c.tensors());
                fewer.remove("optimizer.2.weight.exp_avg_sq");
                SafeTensors.write(missing, fewer, c.metadata());
                Map<String, float[]> before = snapshot(t);
                CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(other, t));
                assertTrue(e.getMessage().contains("holds model seed002-dense but the trainer has tiny"),
                        e.getMessage());
                assertThrows(CheckpointException.class, () -> Checkpoint.loadWeights(other, t.model().net()));
                CheckpointException m = assertThrows(CheckpointException.class, () -> Checkpoint.load(missing, t));
                assertTrue(m.getMessage().contains("missing [optimizer.2.weight.exp_avg_sq]"), m.getMessage());
                // a file that names the same tensors but whose shape differs in the last one
                Map<String, SafeTensors.Entry> reshaped = new LinkedHashMap<>(c.tensors());
                reshaped.put("2.bias", new SafeTensors.Entry(Shape.of(4), new float[4]));
                Path wrong = dir.resolve("wrong.safetensors");
                SafeTensors.write(wrong, reshaped, c.metadata());
                CheckpointException w = assertThrows(CheckpointException.class, () -> Checkpoint.load(wrong, t));
                assertTrue(w.getMessage().contains("2.bias is [4] in the file, [3] in the model"), w.getMessage());
                assertThrows(CheckpointException.class, () -> Checkpoint.loadWeights(wrong, t.model().net()));
                // metadata that does not parse fails before any tensor is copied
                Map<String, String> meta = new LinkedHashMap<>(c.metadata());
                meta.put("step", "many");
                Path badMeta = dir.resolve("meta.safetensors");
                SafeTensors.write(badMeta, c.tensors(), meta);
                CheckpointException s = assertThrows(CheckpointException.class, () -> Checkpoint.load(badMeta, t));
                assertTrue(s.getMessage().contains("metadata step = 'many' is not an integer"), s.getMessage());
                assertUnchanged(before, t, "after loading other models' and incomplete files");
            } finally {
                TrainerTest.closeAll(t);
            }
        }
    }

    /** Checkpoints written before the header checksum ({@code cnn4j-checkpoint/1}) still load. */
    @Test
    void legacyCheckpointsWithoutHeaderChecksumStillLoad() throws IOException {
        Path ckpt = dir.resolve("new.safetensors");
        try (Backend b = new ReferenceBackend()) {
            Trainer t = tiny(b, 6);
            try {
                t.fit(DATA, null, 1, new TrainingListener() { });
                Checkpoint.save(ckpt, t);
                Map<String, float[]> saved = snapshot(t);
                byte[] file = Files.readAllBytes(ckpt);
                long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
                ObjectMapper json = new ObjectMapper();
                Map<String, Object> header = json.readValue(new String(file, 8, (int) n, StandardCharsets.UTF_8).strip(),
                        new TypeReference<LinkedHashMap<String, Object>>() { });
                @SuppressWarnings("unchecked")
                Map<String, Object> meta = (Map<String, Object>) header.get("__metadata__");
                meta.remove(SafeTensors.HEADER_CHECKSUM_KEY);
                meta.put("format", SafeTensors.LEGACY_FORMAT);
                byte[] h = json.writeValueAsBytes(header);
                int padded = (h.length + 7) / 8 * 8;
                ByteBuffer out = ByteBuffer.allocate(8 + padded + file.length - 8 - (int) n)
                        .order(ByteOrder.LITTLE_ENDIAN);
                out.putLong(padded).put(h);
                for (int i = h.length; i < padded; i++) {
                    out.put((byte) ' ');
                }
                out.put(file, 8 + (int) n, file.length - 8 - (int) n);
                Path legacy = dir.resolve("legacy.safetensors");
                Files.write(legacy, out.array());
                t.fit(DATA, null, 2, new TrainingListener() { });
                Checkpoint.load(legacy, t);
                assertUnchanged(saved, t, "a legacy checkpoint restores the saved state");
                // without the legacy format name, a file with the data checksum but no header checksum is refused
                meta.put("format", Checkpoint.FORMAT);
                byte[] h2 = json.writeValueAsBytes(header);
                int p2 = (h2.length + 7) / 8 * 8;
                ByteBuffer o2 = ByteBuffer.allocate(8 + p2 + file.length - 8 - (int) n).order(ByteOrder.LITTLE_ENDIAN);
                o2.putLong(p2).put(h2);
                for (int i = h2.length; i < p2; i++) {
                    o2.put((byte) ' ');
                }
                o2.put(file, 8 + (int) n, file.length - 8 - (int) n);
                Path stripped = dir.resolve("stripped.safetensors");
                Files.write(stripped, o2.array());
                CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(stripped, t));
                assertTrue(e.getMessage().contains("no " + SafeTensors.HEADER_CHECKSUM_KEY), e.getMessage());
            } finally {
                TrainerTest.closeAll(t);
            }
        }
    }

    @Test
    void aForeignSafetensorsFileSaysItHasNoCnn4jMetadataAndPointsAtLoadWeights() throws IOException {
        try (Backend b = new ReferenceBackend()) {
            Trainer t = tiny(b, 3);
            Path foreign = dir.resolve("foreign.safetensors");
            Map<String, SafeTensors.Entry> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, org.cnn4j.nn.Parameter> e : t.model().net().parameters().entrySet()) {
                tensors.put(e.getKey(), new SafeTensors.Entry(e.getValue().value().shape(),
                        e.getValue().value().toFloatArray()));
            }
            SafeTensors.write(foreign, tensors, Map.of());
            Map<String, float[]> before = snapshot(t);
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(foreign, t));
            assertTrue(e.getMessage().contains(foreign.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("no cnn4j metadata"), e.getMessage());
            assertTrue(e.getMessage().contains("Checkpoint.loadWeights"), e.getMessage());
            assertTrue(!e.getMessage().contains("null"), e.getMessage());
            assertUnchanged(before, t, "foreign file");
            TrainerTest.closeAll(t);
        }
    }
}
