package org.cnn4j.core;

/** The backend does not implement this operator (or not for this element type). */
public final class UnsupportedOpException extends Cnn4jException {
    private final String backend;
    private final String op;

    public UnsupportedOpException(String backend, String op, String reason) {
        super("backend '" + backend + "' does not support " + op + ": " + reason);
        this.backend = backend;
        this.op = op;
    }

    public String backend() {
        return backend;
    }

    public String op() {
        return op;
    }
}
