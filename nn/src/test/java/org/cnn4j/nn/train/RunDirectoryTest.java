package org.cnn4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.cnn4j.backend.reference.ReferenceBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.nn.io.IoErrors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's checkpoint directory belongs to one live run: a second writer, in this process or another, fails to
 * start naming the directory and the process that holds it, and deletes nothing of the first run's; the lock
 * dies with its process. A directory that cannot be written fails before training, and a checkpoint that cannot
 * be written says where and why.
 */
class RunDirectoryTest {
    @TempDir
    Path dir;

    /** Holds the lock of {@code args[0]} until its standard input closes or it is killed. */
    public static final class Holder {
        public static void main(String[] args) throws IOException {
            try (DirectoryLock lock = DirectoryLock.acquire(Path.of(args[0]))) {
                System.out.println("locked " + ProcessHandle.current().pid());
                System.out.flush();
                while (System.in.read() >= 0) {
                    // wait
                }
            }
        }
    }

    @Test
    void aSecondWriterInThisProcessFailsAndDeletesNothingOfTheFirst() throws IOException {
        try (Backend b = new ReferenceBackend()) {
            Trainer t = KillAndResumeTest.trainer(b);
            try (CheckpointWriter first = new CheckpointWriter(dir, t, p -> { })) {
                // the first run is writing epoch 3 right now
                Path writing = Files.writeString(dir.resolve(".epoch-3.safetensors5551.tmp"), "being written");
                DirectoryLock.DirectoryLockedException e = assertThrows(DirectoryLock.DirectoryLockedException.class,
                        () -> new CheckpointWriter(dir, t, p -> { }));
                assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
                assertTrue(e.getMessage().contains("in use by another run"), e.getMessage());
                assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
                assertTrue(Files.exists(writing), "the second writer deleted the first run's temporary file");
            }
            // released: the next run may have it
            new CheckpointWriter(dir, t, p -> { }).close();
            TrainerTest.closeAll(t);
        }
    }

    @Test
    void aLockHeldByAnotherProcessNamesItAndDiesWithIt() throws Exception {
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Holder.class.getName(),
                dir.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = r.readLine();
            assertEquals("locked " + p.pid(), line);
            Path writing = Files.writeString(dir.resolve(".epoch-1.safetensors77.tmp"), "being written");
            try (Backend b = new ReferenceBackend()) {
                Trainer t = KillAndResumeTest.trainer(b);
                DirectoryLock.DirectoryLockedException e = assertThrows(DirectoryLock.DirectoryLockedException.class,
                        () -> new CheckpointWriter(dir, t, q -> { }));
                assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
                assertTrue(e.getMessage().contains("process " + p.pid()), e.getMessage());
                assertTrue(Files.exists(writing), "the writer deleted a live run's temporary file");
                p.destroyForcibly(); // SIGKILL: the lock goes with the process
                assertTrue(p.waitFor(60, TimeUnit.SECONDS));
                try (CheckpointWriter w = new CheckpointWriter(dir, t, q -> { })) {
                    assertFalse(Files.exists(writing), "the dead run's temporary file is still there");
                }
                TrainerTest.closeAll(t);
            }
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aDirectoryThatCannotBeCreatedFailsBeforeTrainingWithThePathAndReason() throws IOException {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        Path under = file.resolve("checkpoints");
        IOException e = assertThrows(IOException.class, () -> DirectoryLock.acquire(under));
        assertTrue(e.getMessage().contains(under.toString()), e.getMessage());
        assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("not a directory")
                || e.getMessage().contains("already exists"), e.getMessage());
    }

    @Test
    void aReadOnlyDirectoryFailsBeforeTrainingWithThePathAndReason() throws IOException {
        Path ro = Files.createDirectory(dir.resolve("ro"));
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            assumeFalse(Files.isWritable(ro), "this user (root?) may write into a read-only directory");
            IOException e = assertThrows(IOException.class, () -> DirectoryLock.acquire(ro));
            assertTrue(e.getMessage().contains(ro.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("permission denied"), e.getMessage());
        } finally {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void aCheckpointThatCannotBeWrittenSaysWhereAndWhy() throws IOException {
        // epoch-1.safetensors is a directory with a file in it: the finished checkpoint cannot replace it
        Files.createDirectories(dir.resolve("epoch-1.safetensors"));
        Files.writeString(dir.resolve("epoch-1.safetensors").resolve("x"), "x");
        try (Backend b = new ReferenceBackend()) {
            Trainer t = KillAndResumeTest.trainer(b);
            try (CheckpointWriter w = new CheckpointWriter(dir, t, q -> { })) {
                UncheckedIOException e = assertThrows(UncheckedIOException.class,
                        () -> t.fit(KillAndResumeTest.DATA, null, 1, w));
                String m = e.getMessage();
                assertTrue(m.startsWith("cannot write checkpoint " + dir.resolve("epoch-1.safetensors") + ": "), m);
                assertTrue(m.length() > ("cannot write checkpoint " + dir.resolve("epoch-1.safetensors") + ": ")
                        .length() + 3, m);
            }
            TrainerTest.closeAll(t);
        }
    }

    @Test
    void ioErrorsKeepThePathAndTheReason() {
        assertEquals("/x/a.safetensors: not found", IoErrors.describe(new NoSuchFileException("/x/a.safetensors")));
        assertEquals("/x: permission denied", IoErrors.describe(new AccessDeniedException("/x")));
        assertEquals("writing /x/e.safetensors: No space left on device", IoErrors.describe(
                (Throwable) new UncheckedIOException("writing /x/e.safetensors", new IOException(
                        "No space left on device"))));
        assertEquals("/x/a: not found", IoErrors.describe((Throwable) new UncheckedIOException(
                new NoSuchFileException("/x/a"))));
    }
}
