package org.cnn4j.core;

/**
 * What a backend provider found when asked whether it can start here.
 *
 * @param backend   the backend's name
 * @param available true when {@link org.cnn4j.spi.BackendProvider#open()} is expected to succeed
 * @param detail    the device found, or why the backend cannot start (library names and paths searched,
 *                  driver version, device count)
 */
public record Probe(String backend, boolean available, String detail) {
    public static Probe available(String backend, String device) {
        return new Probe(backend, true, device);
    }

    public static Probe unavailable(String backend, String reason) {
        return new Probe(backend, false, reason);
    }

    @Override
    public String toString() {
        return backend + ": " + (available ? "available (" + detail + ")" : "unavailable: " + detail);
    }
}
