package org.cnn4j.nn.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.cnn4j.nn.io.IoErrors;

/**
 * Ownership of a run's directory (checkpoints, epoch log, charts) by one training run at a time: an exclusive
 * {@link FileLock} on {@value #FILE} in the directory, which holds the owner's process id. The operating system
 * releases the lock when its process ends, however it ends (a kill included), so a lock file left behind by a
 * dead run never blocks the next one; the file itself stays. Acquiring also proves the directory writable (a
 * probe file is created, written, forced to the disk and deleted), so a run fails before it trains rather than
 * after its first epoch.
 */
public final class DirectoryLock implements AutoCloseable {
    /** The lock file's name in the directory. */
    public static final String FILE = ".cnn4j.lock";

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(Path dir, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates {@code dir} when missing, locks it for this process and checks that it can be written.
     *
     * @throws DirectoryLockedException when another live run (another process, or another lock in this one)
     *                                  holds it, naming the directory and that process
     * @throws IOException              when the directory cannot be created, locked or written; the message
     *                                  names the path and the operating system's reason
     */
    public static DirectoryLock acquire(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new FileSystemException(dir.toString(), null, "is a file, not a directory");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            boolean here = e instanceof FileSystemException f && f.getFile() != null
                    && Path.of(f.getFile()).toAbsolutePath().equals(dir.toAbsolutePath());
            throw new FileSystemException(dir.toString(), null, "cannot create the directory: "
                    + (here ? IoErrors.reason(e) : IoErrors.describe(e)));
        }
        Path file = dir.resolve(FILE);
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new FileSystemException(dir.toString(), null, "cannot create its lock file " + FILE + ": "
                    + IoErrors.reason(e));
        }
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            ch.close();
            throw new DirectoryLockedException(dir, "is in use by another run in this process (pid "
                    + ProcessHandle.current().pid() + ")");
        } catch (IOException e) {
            ch.close();
            throw new FileSystemException(file.toString(), null, "cannot lock: " + IoErrors.reason(e));
        }
        if (lock == null) {
            String holder = holder(ch);
            ch.close();
            throw new DirectoryLockedException(dir, "is in use by another run: " + (holder.isEmpty() ? "a process"
                    : "process " + holder) + " holds its lock file " + file);
        }
        try {
            byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(pid), 0);
            ch.force(false);
            probe(dir);
        } catch (IOException | RuntimeException e) {
            lock.release();
            ch.close();
            throw e;
        }
        return new DirectoryLock(dir, ch, lock);
    }

    /** The process id written in the lock file, or "" when it cannot be read. */
    private static String holder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(32);
            ch.read(b, 0);
            return new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** Creates, writes, forces and deletes a file in {@code dir}; the failure names the directory and why. */
    private static void probe(Path dir) throws IOException {
        Path probe = dir.resolve(".cnn4j-write-probe-" + ProcessHandle.current().pid() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.allocate(4096));
                ch.force(true);
            }
            Files.delete(probe);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException ignored) {
                // the first failure is the one to report
            }
            throw new FileSystemException(dir.toString(), null, "is not writable: " + IoErrors.describe(e));
        }
    }

    /** The directory held. */
    public Path directory() {
        return dir;
    }

    /** Whether the lock is still held. */
    public boolean isHeld() {
        return lock.isValid();
    }

    /** Releases the lock (the file stays). */
    @Override
    public void close() throws IOException {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } finally {
            channel.close();
        }
    }

    /** Another live run holds the directory. */
    public static final class DirectoryLockedException extends IOException {
        private final Path directory;

        DirectoryLockedException(Path directory, String message) {
            super("directory " + directory + " " + message);
            this.directory = directory;
        }

        public Path directory() {
            return directory;
        }
    }
}
