package org.cnn4j.nn.data;

import java.io.IOException;
import java.nio.file.Path;

/** A data file is not what its name says: wrong magic number, truncated, or inconsistent with its partner. */
public final class DataFormatException extends IOException {
    private final Path file;

    public DataFormatException(Path file, String message) {
        super(file + ": " + message);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
