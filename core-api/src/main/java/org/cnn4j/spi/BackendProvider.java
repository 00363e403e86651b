package org.cnn4j.spi;

import org.cnn4j.core.Backend;
import org.cnn4j.core.Probe;

/**
 * A backend's entry in {@link java.util.ServiceLoader} ({@code META-INF/services/org.cnn4j.spi.BackendProvider}).
 * Loading a provider must be cheap and side-effect free: no native loading, no I/O in static initialisers.
 */
public interface BackendProvider {
    /** The backend's selection name. */
    String name();

    /** Order for {@code auto}: higher first. cuda 400, opencl on a GPU 300, cpu 200, opencl on a CPU 150, reference 100. */
    int priority();

    /**
     * Whether this backend can start here. Must never throw or crash the JVM: a missing library, driver or device
     * is an unavailable probe with the reason (what was searched, what was found).
     */
    Probe probe();

    /** False for backends that {@code auto} must never pick (test-only backends). */
    default boolean autoSelectable() {
        return true;
    }

    /** Opens a new backend; the caller closes it. */
    Backend open();
}
