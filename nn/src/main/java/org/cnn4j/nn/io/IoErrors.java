package org.cnn4j.nn.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * One-line descriptions of I/O failures that keep what, where and why: the path and the operating system's
 * reason ({@code not found}, {@code permission denied}, {@code No space left on device}), where the JDK's own
 * messages of {@link NoSuchFileException} and {@link AccessDeniedException} are only the path.
 */
public final class IoErrors {
    private IoErrors() {
    }

    /** Why {@code e} happened, without the path: {@code not found}, {@code permission denied}, the OS's words. */
    public static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "not found";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "directory not empty";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e.getMessage() != null && !e.getMessage().isBlank()) {
            return e.getMessage();
        }
        return e.getClass().getSimpleName();
    }

    /** The path (and the other path, for a move) and the reason: {@code /x/epoch-1.safetensors: not found}. */
    public static String describe(IOException e) {
        if (e instanceof FileSystemException f && f.getFile() != null) {
            return f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile()) + ": " + reason(e);
        }
        return reason(e);
    }

    /**
     * {@code t} and its causes in one line, each cause added where its text is not already in the message:
     * {@code writing checkpoint /x/epoch-2.safetensors: No space left on device}.
     */
    public static String describe(Throwable t) {
        String msg = t instanceof IOException io ? describe(io)
                : t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getSimpleName() : t.getMessage();
        Throwable c = t.getCause();
        if (c == null || c == t) {
            return msg;
        }
        String cause = describe(c);
        if (msg.equals(c.toString())) {
            return cause; // the message is only the cause's toString(), as new UncheckedIOException(e) makes it
        }
        return msg.contains(cause) ? msg : msg + ": " + cause;
    }
}
