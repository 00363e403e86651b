package org.cnn4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.cnn4j.backend.reference.ReferenceBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.nn.Synthetic;
import org.cnn4j.nn.data.ImageDataset;
import org.cnn4j.nn.models.Model;
import org.cnn4j.nn.models.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training run killed with SIGKILL at any point and resumed from its last checkpoint ends with the weights,
 * buffers and optimizer state of the run that was never interrupted, bit for bit; every checkpoint file left
 * behind by the killed process loads (none is half-written). The killed run is a child JVM ({@link Child})
 * writing a checkpoint after every epoch; it is killed after a chosen epoch plus a random delay, so the kill
 * lands in training or in the middle of writing a checkpoint.
 */
class KillAndResumeTest {
    static final int EPOCHS = 24;
    static final ImageDataset DATA = Synthetic.bars(40, 10, 8, 21);
    static final Pattern FILE = Pattern.compile("epoch-(\\d+)\\.safetensors");

    @TempDir
    Path dir;

    static Trainer trainer(Backend b) {
        Model m = Models.create("seed002-dense", b, DATA.sampleShape(), 10, 77);
        return new Trainer(m, new Optimizer(b, m.net().parameters(),
                Optimizer.Config.defaults(Optimizer.Kind.ADAM, 0.003)), new Trainer.Config(16, 5, 1e-4,
                new StepLr(5, 0.5), null));
    }

    /** The training of the child JVM: resume from the newest checkpoint in the directory, if any, then train. */
    public static final class Child {
        public static void main(String[] args) throws IOException {
            Path dir = Path.of(args[0]);
            try (Backend b = new ReferenceBackend()) {
                Trainer t = trainer(b);
                Path last = newest(dir);
                if (last != null) {
                    Checkpoint.load(last, t);
                }
                t.fit(DATA, null, EPOCHS, new CheckpointWriter(dir, t, p -> {
                    System.out.println("wrote " + p.getFileName());
                    System.out.flush();
                }));
                TrainerTest.closeAll(t);
            }
        }
    }

    static Path newest(Path dir) throws IOException {
        Path best = null;
        int bestEpoch = -1;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Matcher m = FILE.matcher(p.getFileName().toString());
                if (m.matches() && Integer.parseInt(m.group(1)) > bestEpoch) {
                    bestEpoch = Integer.parseInt(m.group(1));
                    best = p;
                }
            }
        }
        return best;
    }

    /** Starts the child on {@code dir}, waits for checkpoint {@code epoch}, waits {@code delayMs} more, kills it. */
    static void runAndKill(Path dir, int epoch, long delayMs) throws Exception {
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                Child.class.getName(), dir.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                out.add(line);
                if (line.equals("wrote epoch-" + epoch + ".safetensors")) {
                    Thread.sleep(delayMs);
                    p.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no finally blocks
                    break;
                }
            }
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child did not end");
        assertTrue(out.contains("wrote epoch-" + epoch + ".safetensors"), "the child never wrote epoch " + epoch
                + ": " + out);
        assertTrue(p.exitValue() != 0, "the child was killed, yet exited " + p.exitValue() + ": " + out);
    }

    /** A resumed run's writer deletes the temporary files a kill left mid-write, and nothing else. */
    @Test
    void aNewWriterRemovesTemporaryFilesOfInterruptedWrites() throws IOException {
        Path stale = Files.writeString(dir.resolve(".epoch-3.safetensors8142.tmp"), "half a checkpoint");
        Path other = Files.writeString(dir.resolve("notes.tmp"), "not ours");
        Path ckpt = Files.writeString(dir.resolve("epoch-2.safetensors"), "a checkpoint");
        try (Backend b = new ReferenceBackend()) {
            Trainer t = trainer(b);
            new CheckpointWriter(dir, t, p -> { }).close();
            TrainerTest.closeAll(t);
        }
        assertTrue(!Files.exists(stale), "the stale temporary file is still there");
        assertTrue(Files.exists(other) && Files.exists(ckpt), "the writer deleted a file that is not its own");
    }

    @Test
    void killedAnywhereAndResumedEqualsUninterrupted() throws Exception {
        Map<String, float[]> straight;
        try (Backend b = new ReferenceBackend()) {
            Trainer t = trainer(b);
            t.fit(DATA, null, EPOCHS, new TrainingListener() { });
            straight = TrainerTest.state(t);
            TrainerTest.closeAll(t);
        }
        // three kills in one directory, each resumed by the next child; then resumed here to the end
        // the kill delays are random on purpose (a kill may land anywhere); the seed is printed and replays them
        long seed = Long.getLong("cnn4j.reliability.killSeed", System.nanoTime());
        System.out.println("KillAndResumeTest: kill delays from seed " + seed + " (replay with"
                + " -Dcnn4j.reliability.killSeed=" + seed + ")");
        SplittableRandom delays = new SplittableRandom(seed);
        // at least 12 epochs are left after the last kill point: the child is never done before it is killed
        int[] killAfter = {2, 7, 12};
        for (int k : killAfter) {
            long delay = delays.nextInt(25);
            runAndKill(dir, k, delay);
            // every checkpoint left behind loads completely; a temporary file is all a kill may leave besides
            try (Stream<Path> s = Files.list(dir)) {
                for (Path f : s.toList()) {
                    String name = f.getFileName().toString();
                    if (FILE.matcher(name).matches()) {
                        try (Backend b = new ReferenceBackend()) {
                            Trainer t = trainer(b);
                            Checkpoint.load(f, t);
                            TrainerTest.closeAll(t);
                        }
                    } else {
                        assertTrue(name.equals(DirectoryLock.FILE) || name.startsWith(".epoch-") && name.endsWith(".tmp"),
                                "unexpected file " + name
                                + " after a kill (seed " + seed + ")");
                    }
                }
            }
            Path last = newest(dir);
            int epoch = Integer.parseInt(FILE.matcher(last.getFileName().toString()).replaceAll("$1"));
            assertTrue(epoch >= k, "newest checkpoint " + last + " after killing past epoch " + k);
        }
        Map<String, float[]> resumed;
        try (Backend b = new ReferenceBackend()) {
            Trainer t = trainer(b);
            Checkpoint.load(newest(dir), t);
            t.fit(DATA, null, EPOCHS, new TrainingListener() { });
            assertEquals(EPOCHS, t.epochsDone());
            resumed = TrainerTest.state(t);
            TrainerTest.closeAll(t);
        }
        assertEquals(straight.keySet(), resumed.keySet());
        for (String k : straight.keySet()) {
            assertArrayEquals(straight.get(k), resumed.get(k), k + " differs after kills and resumes (kill delays"
                    + " from seed " + seed + ", -Dcnn4j.reliability.killSeed)");
        }
    }
}
