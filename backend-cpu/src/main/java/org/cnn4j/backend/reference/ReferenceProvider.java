package org.cnn4j.backend.reference;

import org.cnn4j.core.Backend;
import org.cnn4j.core.Probe;
import org.cnn4j.spi.BackendProvider;

/** Service entry for the {@code reference} backend: always available, lowest priority for {@code auto}. */
public final class ReferenceProvider implements BackendProvider {
    @Override
    public String name() {
        return "reference";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Probe probe() {
        return Probe.available("reference", "host CPU (" + Runtime.getRuntime().availableProcessors()
                + " cores visible; the reference uses one)");
    }

    @Override
    public Backend open() {
        return new ReferenceBackend();
    }
}
