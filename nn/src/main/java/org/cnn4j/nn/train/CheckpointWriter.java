package org.cnn4j.nn.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.cnn4j.nn.io.IoErrors;

/**
 * Writes {@code epoch-N.safetensors} into a directory after every epoch (see {@link Checkpoint}). The directory
 * belongs to one run at a time: the writer holds its {@link DirectoryLock} (its own, or one the caller acquired
 * and passes in), so a second run given the same directory fails to start instead of overwriting this run's
 * checkpoints, and the temporary files it deletes are never those of another live run.
 */
public final class CheckpointWriter implements TrainingListener, AutoCloseable {
    private final Path dir;
    private final Trainer trainer;
    private final Consumer<Path> written;
    private final Map<String, String> extra;
    private final DirectoryLock ownLock;

    /**
     * @param dir     where the checkpoints go (created when missing, locked until {@link #close()})
     * @param trainer whose state is saved
     * @param written told the path of each checkpoint written
     * @throws IOException when {@code dir} cannot be created or written, or another run holds it (see
     *                     {@link DirectoryLock#acquire})
     */
    public CheckpointWriter(Path dir, Trainer trainer, Consumer<Path> written) throws IOException {
        this(dir, trainer, written, Map.of());
    }

    /**
     * As above, with {@code extra} metadata in every checkpoint (see {@link Checkpoint#save(Path, Trainer,
     * Map)}). Temporary files that a killed run left in {@code dir} mid-write ({@code .epoch-N.safetensors*.tmp})
     * are deleted once the lock is held; the checkpoints themselves are never half-written.
     */
    public CheckpointWriter(Path dir, Trainer trainer, Consumer<Path> written, Map<String, String> extra)
            throws IOException {
        this(DirectoryLock.acquire(dir), true, trainer, written, extra);
    }

    /**
     * A writer into the directory of {@code lock}, which the caller acquired and keeps (closing this writer does
     * not release it).
     */
    public CheckpointWriter(DirectoryLock lock, Trainer trainer, Consumer<Path> written, Map<String, String> extra) {
        this(lock, false, trainer, written, extra);
    }

    private CheckpointWriter(DirectoryLock lock, boolean owned, Trainer trainer, Consumer<Path> written,
            Map<String, String> extra) {
        if (!lock.isHeld()) {
            throw new IllegalStateException("the lock of " + lock.directory() + " has been released");
        }
        this.dir = lock.directory();
        this.trainer = trainer;
        this.written = written;
        this.extra = Map.copyOf(extra);
        this.ownLock = owned ? lock : null;
        try {
            removeStaleTemporaries(dir);
        } catch (UncheckedIOException e) {
            if (owned) {
                try {
                    lock.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** Deletes the temporary files of checkpoints whose writing was interrupted; returns how many. */
    static int removeStaleTemporaries(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int removed = 0;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.matches("\\.epoch-\\d+\\.safetensors.*\\.tmp") && Files.deleteIfExists(p)) {
                    removed++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cleaning temporary checkpoint files in " + dir + ": "
                    + IoErrors.describe(e), e);
        }
        return removed;
    }

    /** The file of epoch {@code epoch} in {@code dir}. */
    public static Path file(Path dir, int epoch) {
        return dir.resolve("epoch-" + epoch + ".safetensors");
    }

    /**
     * Saves the trainer's state as {@code epoch-N.safetensors}.
     *
     * @throws UncheckedIOException naming the file and the reason (not writable, no space left) when it fails
     */
    @Override
    public void epochDone(EpochResult result) {
        Path f = file(dir, result.epoch());
        try {
            Checkpoint.save(f, trainer, extra);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + f + ": " + IoErrors.describe(e), e);
        }
        written.accept(f);
    }

    /** Releases the directory's lock when this writer acquired it. */
    @Override
    public void close() throws IOException {
        if (ownLock != null) {
            ownLock.close();
        }
    }
}
