package org.cnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    @TempDir
    Path dir;

    /** A tiny Fashion-MNIST look-alike: 28x28 images whose class is the row of a bright bar. */
    private void writeIdx(String prefix, int n, long seed) throws IOException {
        writeIdx(dir, prefix, n, seed);
    }

    /** As above, into {@code dir} (shared with the other command tests). */
    static void writeIdx(Path dir, String prefix, int n, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        ByteArrayOutputStream img = new ByteArrayOutputStream();
        ByteArrayOutputStream lab = new ByteArrayOutputStream();
        DataOutputStream di = new DataOutputStream(img);
        DataOutputStream dl = new DataOutputStream(lab);
        di.writeInt(0x803);
        di.writeInt(n);
        di.writeInt(28);
        di.writeInt(28);
        dl.writeInt(0x801);
        dl.writeInt(n);
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(10);
            dl.writeByte(k);
            for (int p = 0; p < 28 * 28; p++) {
                di.writeByte(p / 28 == 2 * k + 4 ? 220 : r.nextInt(30));
            }
        }
        gz(dir, prefix + "-images-idx3-ubyte.gz", img.toByteArray());
        gz(dir, prefix + "-labels-idx1-ubyte.gz", lab.toByteArray());
    }

    private static void gz(Path dir, String name, byte[] data) throws IOException {
        try (OutputStream os = new GZIPOutputStream(Files.newOutputStream(dir.resolve(name)))) {
            os.write(data);
        }
    }

    /** What {@code r} prints on standard output (shared with the other command tests). */
    static String capture(Runnable r) {
        PrintStream old = System.out;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        System.setOut(new PrintStream(b, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setOut(old);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void summaryPrintsTheSeedCounts() {
        String out = capture(() -> assertEquals(0, Main.run("summary", "--model", "seed002-cnn", "--dataset",
                "cifar-10")));
        assertTrue(out.contains("Total params: 329,194"), out);
        assertTrue(out.contains("Trainable params: 328,810"), out);
        String lenet = capture(() -> assertEquals(0, Main.run("summary", "--model", "lenet5")));
        assertTrue(lenet.contains("Total params: 61,706"), lenet);
    }

    @Test
    void infoListsTheReferenceBackend() {
        String out = capture(() -> assertEquals(0, Main.run("info")));
        assertTrue(out.contains("reference: available"), out);
    }

    @Test
    void trainCheckpointResumeAndEval() throws IOException {
        writeIdx("train", 200, 1);
        writeIdx("t10k", 50, 2);
        Path ck = dir.resolve("ck");
        String out = capture(() -> assertEquals(0, Main.run("train", "--model", "seed002-dense", "--dataset",
                "fashion-mnist", "--data-dir", dir.toString(), "--epochs", "1", "--batch", "32", "--lr", "0.003",
                "--backend", "reference", "--checkpoint-dir", ck.toString(), "--no-progress", "--augment",
                "crop=1,flip=0,brightness=0.05", "--limit", "150")));
        // stdout holds the human-readable report only; the JSON lines go to epochs.jsonl
        assertTrue(out.lines().noneMatch(l -> l.startsWith("{")), out);
        assertTrue(out.contains("epoch 1: train loss"), out);
        assertTrue(out.contains("test: loss"), out);
        List<String> lines = Files.readAllLines(ck.resolve("epochs.jsonl"));
        assertEquals(1, lines.size(), String.join("\n", lines));
        assertTrue(lines.getFirst().contains("\"epoch\":1"), lines.getFirst());
        assertTrue(Files.isRegularFile(ck.resolve("epoch-1.safetensors")));
        assertTrue(Files.isRegularFile(ck.resolve("curves.png")));
        assertTrue(Files.isRegularFile(ck.resolve("confusion.png")));
        String resumed = capture(() -> assertEquals(0, Main.run("train", "--model", "seed002-dense",
                "--data-dir", dir.toString(), "--epochs", "2", "--batch", "32", "--lr", "0.003", "--backend",
                "reference", "--checkpoint-dir", ck.toString(), "--no-progress", "--augment",
                "crop=1,flip=0,brightness=0.05", "--limit", "150", "--resume",
                ck.resolve("epoch-1.safetensors").toString(), "--json")));
        // with --json, stdout holds the JSON lines only
        List<String> jsonOut = resumed.lines().toList();
        assertEquals(1, jsonOut.size(), resumed);
        assertTrue(jsonOut.getFirst().startsWith("{\"epoch\":2,"), resumed);
        assertEquals(2, Files.readAllLines(ck.resolve("epochs.jsonl")).size());
        String eval = capture(() -> assertEquals(0, Main.run("eval", "--checkpoint",
                ck.resolve("epoch-2.safetensors").toString(), "--data-dir", dir.toString(), "--backend",
                "reference")));
        assertTrue(eval.contains("accuracy") && eval.contains("on 50"), eval);
    }

    @Test
    void missingDataNamesTheOptions() {
        Path empty = dir.resolve("none");
        int rc = Main.run("train", "--data-dir", empty.toString(), "--backend", "reference", "--no-progress",
                "--out-dir", dir.resolve("out").toString());
        assertEquals(1, rc);
    }
}
