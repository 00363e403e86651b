package org.cnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cnn4j.core.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mpirun -np 2 cnn4j train --distributed}: two ranks train as one, rank 0 alone reports and writes the
 * checkpoint, and one process resumes from it. Skipped with the reason where {@code mpirun} is missing, failed
 * instead under {@code -Dcnn4j.require=mpi}.
 */
class DistributedTrainTest {
    @TempDir
    Path dir;

    @Test
    void twoRanksTrainAsOneAndOneProcessResumesTheirCheckpoint() throws Exception {
        Path mpirun = mpirun();
        String why = mpirun == null ? "no mpirun on the PATH (Debian: apt-get install openmpi-bin libopenmpi-dev)"
                : null;
        if (why != null) {
            Requirements.failIfRequired("mpi", why);
        }
        assumeTrue(why == null, why);
        CliTest.writeIdx(dir, "train", 200, 1);
        CliTest.writeIdx(dir, "t10k", 40, 2);
        Path ck = dir.resolve("ck");
        List<String> args = List.of("train", "--model", "seed002-dense", "--data-dir", dir.toString(),
                "--epochs", "1", "--batch", "32", "--lr", "0.003", "--backend", "cpu", "--no-progress", "--json",
                "--test-limit", "0");

        // two ranks on a shared 2-core machine: unbound, and yielding the core while they wait for each other
        List<String> cmd = new ArrayList<>(List.of(mpirun.toString(), "--oversubscribe", "--bind-to", "none",
                "--mca", "mpi_yield_when_idle", "1", "-np", "2",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-Xmx512m", "-cp", System.getProperty("surefire.test.class.path",
                        System.getProperty("java.class.path")), Main.class.getName()));
        cmd.addAll(args);
        cmd.addAll(List.of("--distributed", "mpi", "--checkpoint-dir", ck.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("mpirun.log").toFile());
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT", "1");
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        Process p = pb.start();
        boolean done = p.waitFor(180, TimeUnit.SECONDS);
        if (!done) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String log = Files.readString(dir.resolve("mpirun.log"), StandardCharsets.UTF_8);
        assertTrue(done, "mpirun did not end:\n" + log);
        assertEquals(0, p.exitValue(), log);
        // Rank 0 alone reports: one header, one epoch line, one test line.
        assertEquals(1, log.lines().filter(l -> l.startsWith("data parallel: 2 replicas")).count(), log);
        List<String> epochs = log.lines().filter(l -> l.startsWith("{")).toList();
        assertEquals(1, epochs.size(), log);
        assertEquals(1, log.lines().filter(l -> l.startsWith("test: ")).count(), log);
        assertTrue(log.contains("on 40 images"), "the test set, summed over both ranks:\n" + log);
        assertTrue(Files.exists(ck.resolve("epoch-1.safetensors")), log);

        // One process takes the same first epoch: the same loss and accuracy, up to summation order.
        CliErrorsTest.Result one = CliErrorsTest.run(concat(args, "--out-dir", dir.resolve("one").toString()));
        assertEquals(0, one.rc(), one.err());
        List<String> oneEpochs = one.out().lines().filter(l -> l.startsWith("{")).toList();
        assertEquals(1, oneEpochs.size(), one.out());
        assertEquals(number(oneEpochs.getFirst(), "train_loss"), number(epochs.getFirst(), "train_loss"), 1e-4,
                log + "\n" + one.out());
        assertEquals(number(oneEpochs.getFirst(), "val_accuracy"), number(epochs.getFirst(), "val_accuracy"),
                1e-9, log + "\n" + one.out());

        // The checkpoint of two ranks resumes in one process.
        CliErrorsTest.Result resumed = CliErrorsTest.run(concat(args, "--epochs", "2", "--resume",
                ck.resolve("epoch-1.safetensors").toString(), "--out-dir", dir.resolve("resumed").toString()));
        assertEquals(0, resumed.rc(), resumed.err());
        assertTrue(resumed.err().contains("resumed from") || resumed.out().contains("resumed from"),
                resumed.out() + resumed.err());
        assertTrue(resumed.out().lines().anyMatch(l -> l.startsWith("{") && l.contains("\"epoch\":2")),
                resumed.out());
    }

    @Test
    void optionsThatNeedADistributedRunAreUsageErrors() {
        CliErrorsTest.Result r = CliErrorsTest.run("train", "--sync-batch-norm", "--data-dir", dir.toString());
        assertEquals(2, r.rc(), r.err());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().contains("--sync-batch-norm") && r.err().contains("needs --distributed"), r.err());
        CliErrorsTest.Result d = CliErrorsTest.run("train", "--model", "seed003-detector-small", "--dataset",
                "fashion-detect", "--distributed", "mpi");
        assertEquals(2, d.rc(), d.err());
        assertTrue(d.err().contains("--distributed") && d.err().contains("one process"), d.err());
    }

    private static String[] concat(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        for (int i = 0; i < more.length; i += 2) {
            int at = all.indexOf(more[i]);
            if (at >= 0) {
                all.set(at + 1, more[i + 1]);
            } else {
                all.add(more[i]);
                all.add(more[i + 1]);
            }
        }
        return all.toArray(String[]::new);
    }

    /** A number field of a JSON epoch line. */
    private static double number(String json, String field) {
        var m = java.util.regex.Pattern.compile("\"" + field + "\":([-0-9.eE+]+)").matcher(json);
        assertTrue(m.find(), field + " in " + json);
        return Double.parseDouble(m.group(1));
    }

    private static Path mpirun() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(d.isEmpty() ? "." : d, "mpirun");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
