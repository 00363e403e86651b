package org.cnn4j.nn.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Writes {@code epoch-N.safetensors} into a directory after every epoch (see {@link Checkpoint}). */
public final class CheckpointWriter implements TrainingListener {
    private final Path dir;
    private final Trainer trainer;
    private final Consumer<Path> written;
    private final java.util.Map<String, String> extra;

    /**
     * @param dir     where the checkpoints go (created when missing)
     * @param trainer whose state is saved
     * @param written told the path of each checkpoint written
     */
    public CheckpointWriter(Path dir, Trainer trainer, Consumer<Path> written) {
        this(dir, trainer, written, java.util.Map.of());
    }

    /**
     * As above, with {@code extra} metadata in every checkpoint (see {@link Checkpoint#save(Path, Trainer,
     * java.util.Map)}). Temporary files that a killed run left in {@code dir} mid-write
     * ({@code .epoch-N.safetensors*.tmp}) are deleted; the checkpoints themselves are never half-written.
     */
    public CheckpointWriter(Path dir, Trainer trainer, Consumer<Path> written, java.util.Map<String, String> extra) {
        this.dir = dir;
        this.trainer = trainer;
        this.written = written;
        this.extra = java.util.Map.copyOf(extra);
        removeStaleTemporaries(dir);
    }

    /** Deletes the temporary files of checkpoints whose writing was interrupted; returns how many. */
    static int removeStaleTemporaries(Path dir) {
        if (!java.nio.file.Files.isDirectory(dir)) {
            return 0;
        }
        int removed = 0;
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(dir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.matches("\\.epoch-\\d+\\.safetensors.*\\.tmp") && java.nio.file.Files.deleteIfExists(p)) {
                    removed++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cleaning temporary checkpoint files in " + dir, e);
        }
        return removed;
    }

    /** The file of epoch {@code epoch} in {@code dir}. */
    public static Path file(Path dir, int epoch) {
        return dir.resolve("epoch-" + epoch + ".safetensors");
    }

    @Override
    public void epochDone(EpochResult result) {
        Path f = file(dir, result.epoch());
        try {
            Checkpoint.save(f, trainer, extra);
        } catch (IOException e) {
            throw new UncheckedIOException("writing checkpoint " + f, e);
        }
        written.accept(f);
    }
}
