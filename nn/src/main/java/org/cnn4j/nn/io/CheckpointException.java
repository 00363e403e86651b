package org.cnn4j.nn.io;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint file is damaged or does not fit the model it is loaded into. */
public final class CheckpointException extends IOException {
    private final Path file;

    public CheckpointException(Path file, String message) {
        super(file + ": " + message);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
