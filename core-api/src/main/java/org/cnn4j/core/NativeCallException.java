package org.cnn4j.core;

/**
 * A native library call returned an error status. {@link #status()} is the library's own name for it
 * ({@code CUDA_ERROR_ILLEGAL_ADDRESS}, {@code CUDNN_STATUS_BAD_PARAM}, {@code CL_OUT_OF_RESOURCES}).
 */
public final class NativeCallException extends Cnn4jException {
    private final String library;
    private final String function;
    private final int code;
    private final String status;

    public NativeCallException(String library, String function, int code, String status, String detail) {
        super(library + ": " + function + " failed with " + status + " (" + code + ")"
                + (detail == null || detail.isEmpty() ? "" : ": " + detail));
        this.library = library;
        this.function = function;
        this.code = code;
        this.status = status;
    }

    public String library() {
        return library;
    }

    public String function() {
        return function;
    }

    public int code() {
        return code;
    }

    public String status() {
        return status;
    }
}
