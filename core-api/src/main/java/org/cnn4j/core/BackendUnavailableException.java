package org.cnn4j.core;

import java.util.List;

/** A backend asked for by name cannot start here; the message says what was probed and what was missing. */
public final class BackendUnavailableException extends Cnn4jException {
    private final String backend;
    private final List<Probe> probes;

    public BackendUnavailableException(String backend, String message, List<Probe> probes) {
        super(message);
        this.backend = backend;
        this.probes = List.copyOf(probes);
    }

    /** The name asked for. */
    public String backend() {
        return backend;
    }

    /** What every provider on the class path reported. */
    public List<Probe> probes() {
        return probes;
    }
}
