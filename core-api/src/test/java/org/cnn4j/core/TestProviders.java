package org.cnn4j.core;

import java.util.concurrent.atomic.AtomicInteger;
import org.cnn4j.spi.BackendProvider;

/** Providers registered for the selection tests (src/test/resources/META-INF/services). */
final class TestProviders {
    /** Calls of priority() and probe() on the providers other than cpu (which start native drivers in real ones). */
    static final AtomicInteger FOREIGN_PROBES = new AtomicInteger();

    private TestProviders() {
    }

    /** Claims the name {@code cpu}; always available. */
    public static final class Available implements BackendProvider {
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
            return Probe.available("cpu", "test arrays");
        }

        @Override
        public Backend open() {
            return new ArrayBackend("cpu");
        }
    }

    /** Claims the name {@code cuda}; never available, with a reason. */
    public static final class Missing implements BackendProvider {
        @Override
        public String name() {
            return "cuda";
        }

        @Override
        public int priority() {
            FOREIGN_PROBES.incrementAndGet();
            return 400;
        }

        @Override
        public Probe probe() {
            FOREIGN_PROBES.incrementAndGet();
            return Probe.unavailable("cuda", "libcuda.so.1 not found on the loader path");
        }

        @Override
        public Backend open() {
            throw new AssertionError("open() must not be called on an unavailable backend");
        }
    }

    /** Claims the name {@code opencl}; its probe throws, which selection must survive. */
    public static final class Throwing implements BackendProvider {
        @Override
        public String name() {
            return "opencl";
        }

        @Override
        public int priority() {
            FOREIGN_PROBES.incrementAndGet();
            return 300;
        }

        @Override
        public Probe probe() {
            FOREIGN_PROBES.incrementAndGet();
            throw new IllegalStateException("driver exploded");
        }

        @Override
        public Backend open() {
            throw new AssertionError("open() must not be called after a failed probe");
        }
    }
}
