package org.cnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cnn4j.core.Backends;
import org.cnn4j.nn.train.DirectoryLock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The command line's failures: a bad option is one line naming it and its value (exit code 2); the backend is
 * chosen by the flag, then the property, then the environment, in every command, and a chosen backend that
 * cannot start fails; a checkpoint directory belongs to one run; I/O errors say what, where and why; a batch
 * that cannot fit says so in one line.
 */
class CliErrorsTest {
    @TempDir
    Path dir;

    record Result(int rc, String out, String err) {
        List<String> errLines() {
            return err.lines().filter(l -> !l.startsWith("WARNING:")).toList();
        }

        boolean trained() {
            return out.lines().anyMatch(l -> l.startsWith("{"));
        }
    }

    static Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = Main.run(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Result(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @BeforeEach
    void data() throws IOException {
        CliTest.writeIdx(dir, "train", 200, 1);
        CliTest.writeIdx(dir, "t10k", 40, 2);
    }

    /** {@code train} on the tiny data set, with {@code more} (option, value pairs) replacing the defaults. */
    private List<String> train(String... more) {
        java.util.Map<String, String> o = new java.util.LinkedHashMap<>();
        o.put("--model", "seed002-dense");
        o.put("--data-dir", dir.toString());
        o.put("--epochs", "1");
        o.put("--batch", "32");
        o.put("--test-limit", "-1");
        o.put("--out-dir", dir.resolve("out").toString());
        for (int i = 0; i < more.length; i += 2) {
            o.put(more[i], more[i + 1]);
        }
        // --json: the epochs' JSON lines on stdout are how a test sees that training happened (trained())
        List<String> a = new ArrayList<>(List.of("train", "--no-progress", "--json"));
        o.forEach((k, v) -> {
            a.add(k);
            a.add(v);
        });
        return a;
    }

    /** The error is one line starting with the command's name, and no stack trace. */
    private static void assertOneLine(Result r, String... fragments) {
        List<String> lines = r.errLines().stream().filter(l -> l.startsWith("cnn4j")).toList();
        assertEquals(1, lines.size(), "not one line: " + r.err);
        assertFalse(r.err.contains("\tat "), "a stack trace: " + r.err);
        for (String f : fragments) {
            assertTrue(lines.getFirst().contains(f), "'" + lines.getFirst() + "' lacks '" + f + "'");
        }
    }

    @ParameterizedTest
    @CsvSource({"--epochs,0", "--epochs,-1", "--limit,-5", "--batch,0", "--batch,-3", "--validation,1.0",
        "--validation,-0.5", "--lr-step,-1", "--test-limit,-2", "--lr,0.0", "--lr-gamma,0.0", "--momentum,-1.0",
        "--weight-decay,-1.0", "--l2,-1.0", "--lr-decay,-0.5"})
    void aBadTrainOptionIsOneLineUsageError(String option, String value) {
        Result r = run(train("--backend", "reference", option, value).toArray(String[]::new));
        assertEquals(2, r.rc(), r.err());
        assertOneLine(r, "cnn4j train: " + option + " " + value + ": must");
        assertFalse(r.trained(), r.out());
    }

    @ParameterizedTest
    @CsvSource({"--limit,-1", "--batch,0"})
    void aBadEvalOptionIsOneLineUsageError(String option, String value) {
        Result r = run("eval", "--checkpoint", dir.resolve("x.safetensors").toString(), "--data-dir", dir.toString(),
                "--backend", "reference", option, value);
        assertEquals(2, r.rc(), r.err());
        assertOneLine(r, "cnn4j eval: " + option + " " + value + ": must");
    }

    @Test
    void anUnknownOptimizerListsTheChoices() {
        Result r = run(train("--backend", "reference", "--optimizer", "nosuch").toArray(String[]::new));
        assertEquals(2, r.rc(), r.err());
        assertOneLine(r, "--optimizer nosuch", "sgd, adagrad, rmsprop, adam");
        assertFalse(r.err().contains("No enum constant"), r.err());
    }

    private static boolean cudaStarts() {
        return Backends.probeAll().stream().anyMatch(p -> p.backend().equals("cuda") && p.available());
    }

    private static Result withProperty(String value, String... args) {
        String old = System.getProperty(Backends.PROPERTY);
        System.setProperty(Backends.PROPERTY, value);
        try {
            return run(args);
        } finally {
            if (old == null) {
                System.clearProperty(Backends.PROPERTY);
            } else {
                System.setProperty(Backends.PROPERTY, old);
            }
        }
    }

    @Test
    void thePropertySelectsTheBackendAndABackendThatCannotStartFails() {
        assumeFalse(cudaStarts(), "cuda starts here: a backend that cannot start is needed");
        Result r = withProperty("cuda", train().toArray(String[]::new));
        assertEquals(1, r.rc(), r.err());
        assertOneLine(r, "backend 'cuda' cannot start");
        assertFalse(r.trained(), "trained on another backend: " + r.out());
        Result info = withProperty("cuda", "info");
        assertTrue(info.out().contains("selection: cuda (from -D" + Backends.PROPERTY), info.out());
        // the flag comes first
        Result flag = withProperty("cuda", train("--backend", "reference").toArray(String[]::new));
        assertEquals(0, flag.rc(), flag.err());
        assertTrue(flag.err().contains("backend reference"), flag.err());
        Result unknown = withProperty("tpu", train().toArray(String[]::new));
        assertEquals(2, unknown.rc(), unknown.err());
        assertOneLine(unknown, "-D" + Backends.PROPERTY + "=tpu", "unknown backend");
    }

    @Test
    void theEnvironmentSelectsTheBackendInEveryCommand() throws Exception {
        assumeFalse(cudaStarts(), "cuda starts here: a backend that cannot start is needed");
        assumeFalse(System.getProperty(Backends.PROPERTY) != null, "-D" + Backends.PROPERTY + " is set");
        Path ck = dir.resolve("ck");
        assertEquals(0, run(train("--backend", "reference", "--checkpoint-dir", ck.toString())
                .toArray(String[]::new)).rc());
        Child info = child(List.of("info"));
        assertEquals(0, info.rc(), info.out());
        assertTrue(info.out().contains("selection: cuda (from $" + Backends.ENV), info.out());
        for (List<String> cmd : List.of(train(), List.of("eval", "--checkpoint",
                ck.resolve("epoch-1.safetensors").toString(), "--data-dir", dir.toString()))) {
            Child c = child(cmd);
            assertEquals(1, c.rc(), c.out());
            assertTrue(c.out().contains("backend 'cuda' cannot start"), c.out());
            assertFalse(c.out().contains("accuracy") || c.out().lines().anyMatch(l -> l.startsWith("{")),
                    "ran on another backend: " + c.out());
        }
        // the flag wins over the environment
        Child flag = child(train("--backend", "reference", "--out-dir", dir.resolve("out2").toString()));
        assertEquals(0, flag.rc(), flag.out());
    }

    record Child(int rc, String out) {
    }

    /** Main with {@code args} in a JVM of its own whose environment has CNN4J_BACKEND=cuda. */
    private static Child child(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java(), "--add-modules=jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put(Backends.ENV, "cuda");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child did not end: " + out);
        return new Child(p.exitValue(), out);
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** Holds the lock of {@code args[0]} until its standard input closes or it is killed. */
    public static final class LockHolder {
        public static void main(String[] args) throws IOException {
            try (DirectoryLock lock = DirectoryLock.acquire(Path.of(args[0]))) {
                System.out.println("locked");
                System.out.flush();
                while (System.in.read() >= 0) {
                    // wait
                }
            }
        }
    }

    @Test
    void aSecondRunOnTheSameCheckpointDirectoryRefusesToStart() throws Exception {
        Path ck = dir.resolve("ck");
        try (DirectoryLock held = DirectoryLock.acquire(ck)) {
            Result r = run(train("--backend", "reference", "--checkpoint-dir", ck.toString()).toArray(String[]::new));
            assertEquals(1, r.rc(), r.err());
            assertOneLine(r, "--checkpoint-dir", ck.toString(), "in use by another run",
                    "pid " + ProcessHandle.current().pid());
            assertFalse(r.trained(), r.out());
        }
        // another JVM holds it: its pid is named
        Process p = new ProcessBuilder(java(), "-cp", System.getProperty("java.class.path"),
                LockHolder.class.getName(), ck.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", in.readLine());
            Result r = run(train("--backend", "reference", "--checkpoint-dir", ck.toString()).toArray(String[]::new));
            assertEquals(1, r.rc(), r.err());
            assertOneLine(r, "--checkpoint-dir", ck.toString(), "process " + p.pid());
            assertFalse(r.trained(), r.out());
            assertFalse(Files.exists(ck.resolve("epoch-1.safetensors")));
        } finally {
            p.destroyForcibly();
            p.waitFor(60, TimeUnit.SECONDS);
        }
        // the holder is dead: the lock went with it
        Result r = run(train("--backend", "reference", "--checkpoint-dir", ck.toString()).toArray(String[]::new));
        assertEquals(0, r.rc(), r.err());
        assertTrue(Files.isRegularFile(ck.resolve("epoch-1.safetensors")));
    }

    @Test
    void theSameOutputDirectoryIsAlsoOneRuns() throws IOException {
        try (DirectoryLock held = DirectoryLock.acquire(dir.resolve("out"))) {
            Result r = run(train("--backend", "reference").toArray(String[]::new));
            assertEquals(1, r.rc(), r.err());
            assertOneLine(r, "--out-dir", dir.resolve("out").toString(), "in use by another run");
        }
    }

    @Test
    void aMissingOrDirectoryCheckpointSaysWhereAndWhy() throws IOException {
        Path missing = dir.resolve("missing.safetensors");
        Result r = run("eval", "--checkpoint", missing.toString(), "--data-dir", dir.toString(), "--backend",
                "reference");
        assertEquals(1, r.rc(), r.err());
        assertOneLine(r, missing.toString(), "not found");
        Path folder = Files.createDirectory(dir.resolve("folder.safetensors"));
        Result d = run("eval", "--checkpoint", folder.toString(), "--data-dir", dir.toString(), "--backend",
                "reference");
        assertEquals(1, d.rc(), d.err());
        assertOneLine(d, folder.toString(), "is a directory");
        Result resume = run(train("--backend", "reference", "--resume", missing.toString()).toArray(String[]::new));
        assertEquals(1, resume.rc(), resume.err());
        assertOneLine(resume, "--resume", missing.toString(), "not found");
    }

    @Test
    void anUnusableCheckpointDirectoryFailsBeforeTraining() throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        Result r = run(train("--backend", "reference", "--checkpoint-dir", file.resolve("ck").toString())
                .toArray(String[]::new));
        assertEquals(1, r.rc(), r.err());
        assertOneLine(r, "--checkpoint-dir", file.resolve("ck").toString(), "Not a directory");
        assertFalse(r.trained(), r.out());
        Result f = run(train("--backend", "reference", "--checkpoint-dir", file.toString()).toArray(String[]::new));
        assertEquals(1, f.rc(), f.err());
        assertOneLine(f, "--checkpoint-dir", file.toString(), "not a directory");
        assertFalse(f.trained(), f.out());
    }

    @Test
    void aBatchLargerThanTheDataTrainsInOneStep() {
        Result r = run(train("--backend", "reference", "--batch", "2000000000").toArray(String[]::new));
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.out().contains("\"step\":1,"), r.out());
    }

    @Test
    void aBatchThatCannotFitIsOneLineNamingTheBatchAndTheLimit() {
        String key = "cnn4j.reference.memoryLimit";
        System.setProperty(key, "4m");
        Result r;
        try {
            r = run("train", "--model", "lenet5", "--data-dir", dir.toString(), "--epochs", "1", "--batch",
                    "2000000000", "--no-progress", "--test-limit", "-1", "--out-dir", dir.resolve("out").toString(),
                    "--backend", "reference");
        } finally {
            System.clearProperty(key);
        }
        assertEquals(1, r.rc(), r.err());
        List<String> lines = r.errLines().stream().filter(l -> l.startsWith("cnn4j")).toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.getFirst().contains("--batch 2000000000") && lines.getFirst().contains("limit of 4 MiB"),
                r.err());
        assertFalse(r.trained(), r.out());
    }
}
