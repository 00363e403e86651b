package org.cnn4j.core;

/**
 * The library's own failures. Invalid arguments are {@link IllegalArgumentException}s and use after close is an
 * {@link IllegalStateException}, as in the JDK; everything else that can go wrong in a backend is one of these.
 */
public abstract sealed class Cnn4jException extends RuntimeException
        permits BackendUnavailableException, UnsupportedOpException, NativeCallException,
                KernelCompileException, DeviceMemoryException {
    protected Cnn4jException(String message) {
        super(message);
    }

    protected Cnn4jException(String message, Throwable cause) {
        super(message, cause);
    }
}
