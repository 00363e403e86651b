package org.cnn4j.distributed;

import java.util.function.Consumer;

/**
 * Ends a collective that does not finish within a timeout. A native collective cannot be interrupted from Java,
 * so a daemon thread watches the one in progress and, past the timeout, hands a message to {@code onTimeout},
 * which ends the job ({@code MPI_Abort}, or the process). {@link #enter} and {@link #exit} only write two fields:
 * nothing is allocated per collective.
 */
final class Watchdog implements AutoCloseable {
    private final long timeoutNanos;
    private final String who;
    private final Consumer<String> onTimeout;
    private final Thread thread;
    private volatile String call;
    private volatile long since;
    private volatile boolean closed;

    /**
     * @param timeoutMillis the longest a collective may take; 0 or less turns the watchdog off
     * @param who the rank, for the message ({@code rank 1 of 2})
     */
    Watchdog(long timeoutMillis, String who, Consumer<String> onTimeout) {
        this.timeoutNanos = timeoutMillis * 1_000_000L;
        this.who = who;
        this.onTimeout = onTimeout;
        if (timeoutMillis > 0) {
            long period = Math.clamp(timeoutMillis / 10, 10, 1000);
            thread = Thread.ofPlatform().daemon().name("cnn4j-collective-watchdog").unstarted(() -> watch(period));
            thread.start();
        } else {
            thread = null;
        }
    }

    /** A collective named {@code name} starts now. */
    void enter(String name) {
        since = System.nanoTime();
        call = name;
    }

    /** The collective finished. */
    void exit() {
        call = null;
    }

    private void watch(long periodMillis) {
        while (!closed) {
            try {
                Thread.sleep(periodMillis);
            } catch (InterruptedException e) {
                return;
            }
            String c = call;
            if (c != null && System.nanoTime() - since > timeoutNanos && !closed) {
                onTimeout.accept("cnn4j: " + who + ": " + c + " did not finish within " + timeoutNanos / 1_000_000_000.0
                        + " s (-D" + ProcessGroups.TIMEOUT + "): another rank died, hangs, or called a different"
                        + " collective; aborting the job");
                return;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        if (thread != null) {
            thread.interrupt();
        }
    }
}
