package org.cnn4j.backend.cuda;

import org.cnn4j.core.Backend;
import org.cnn4j.core.BackendUnavailableException;
import org.cnn4j.core.Probe;
import org.cnn4j.spi.BackendProvider;
import org.cnn4j.spi.LibraryLoader;
import org.cnn4j.spi.SignalHandlers;

import java.util.List;

/**
 * Service entry for the {@code cuda} backend (priority 400, first for {@code auto}). Loading the class does
 * nothing; the first {@link #probe()} or {@link #open()} searches for and loads the libraries
 * ({@link CudaLibraries}) and asks the driver for a device, once per provider. The probe never throws: on a
 * machine without the driver it reports {@code libcuda.so.1} missing and every path searched.
 */
public final class CudaProvider implements BackendProvider {
    private final CudaLibraries libraries;
    private CudaRuntime.Discovery discovery;

    public CudaProvider() {
        this(new CudaLibraries(CudaLibraries.Environment.system(), LibraryLoader.system()));
    }

    /** A provider searching with {@code libraries} (tests use fake directory trees). */
    public CudaProvider(CudaLibraries libraries) {
        this.libraries = libraries;
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public int priority() {
        return 400;
    }

    private synchronized CudaRuntime.Discovery discovery() {
        if (discovery == null) {
            try {
                // Loading the libraries and cuInit start native code that may take over the JVM's signals.
                discovery = SignalHandlers.preserving(() -> CudaRuntime.discover(libraries));
            } catch (Throwable t) {
                discovery = new CudaRuntime.Discovery(null, "discovery failed: " + t);
            }
        }
        return discovery;
    }

    @Override
    public Probe probe() {
        CudaRuntime.Discovery d = discovery();
        return d.available() ? Probe.available("cuda", d.report()) : Probe.unavailable("cuda", d.report());
    }

    @Override
    public Backend open() {
        return open(CudaBackend.Options.fromSystemProperties());
    }

    /** A backend with {@code options} instead of the system properties' (tests run both cuDNN modes). */
    CudaBackend open(CudaBackend.Options options) {
        CudaRuntime.Discovery d = discovery();
        if (!d.available()) {
            throw new BackendUnavailableException("cuda", "backend 'cuda' cannot start: " + d.report(),
                    List.of(probe()));
        }
        return new CudaBackend(d.runtime(), options);
    }

    /** True when discovery found a usable cuDNN (whether or not a backend turns it off). */
    boolean hasCudnn() {
        CudaRuntime.Discovery d = discovery();
        return d.available() && d.runtime().cudnn != null;
    }
}
