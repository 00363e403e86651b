package org.cnn4j.backend.cpu;

import org.cnn4j.core.Backend;
import org.cnn4j.core.Probe;
import org.cnn4j.spi.BackendProvider;

/** Service entry for the {@code cpu} backend: always available on a JVM, priority 200 for {@code auto}. */
public final class CpuProvider implements BackendProvider {
    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int priority() {
        return 200;
    }

    @Override
    public Probe probe() {
        CpuBackend.Config c = CpuBackend.Config.fromSystemProperties();
        return Probe.available("cpu", c.describe());
    }

    @Override
    public Backend open() {
        return new CpuBackend();
    }
}
