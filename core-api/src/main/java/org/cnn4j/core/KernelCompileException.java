package org.cnn4j.core;

/** A device kernel failed to compile; carries the compiler's build log. */
public final class KernelCompileException extends Cnn4jException {
    private final String kernel;
    private final String buildLog;

    public KernelCompileException(String kernel, String status, String buildLog) {
        super("compiling " + kernel + " failed (" + status + "):\n" + buildLog);
        this.kernel = kernel;
        this.buildLog = buildLog;
    }

    public String kernel() {
        return kernel;
    }

    public String buildLog() {
        return buildLog;
    }
}
