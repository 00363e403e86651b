package org.cnn4j.backend.opencl;

import org.cnn4j.core.Backend;
import org.cnn4j.core.BackendUnavailableException;
import org.cnn4j.core.Probe;
import org.cnn4j.spi.BackendProvider;

/**
 * Service entry for the {@code opencl} backend. Loading this class does nothing native; {@link #probe()} loads
 * libOpenCL through LWJGL, lists the devices and picks one, and reports every failure as an unavailable probe.
 * Priority 300 when the chosen device is a GPU, 150 otherwise (PoCL on the CPU ranks below the CPU backend).
 */
public final class OpenClProvider implements BackendProvider {
    private volatile Probe probe;
    private volatile boolean gpu;

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public int priority() {
        probe();
        return gpu ? 300 : 150;
    }

    @Override
    public Probe probe() {
        Probe p = probe;
        if (p == null) {
            p = find();
            probe = p;
        }
        return p;
    }

    private Probe find() {
        String selector = System.getProperty(OpenClDevices.DEVICE_PROPERTY);
        try {
            OpenClDevices.Selection s = OpenClDevices.select(OpenClDevices.list(), selector);
            if (!s.found()) {
                return Probe.unavailable("opencl", s.reason());
            }
            gpu = s.device().gpu();
            return Probe.available("opencl", s.device().describe());
        } catch (Throwable e) { // a missing libOpenCL surfaces as a LinkageError from LWJGL's loader
            return Probe.unavailable("opencl", "could not load libOpenCL through LWJGL (looked for libOpenCL.so"
                    + " and libOpenCL.so.1 on the system library path and -Dorg.lwjgl.opencl.libname;"
                    + " on Debian install ocl-icd-opencl-dev and an ICD such as pocl-opencl-icd): " + e);
        }
    }

    @Override
    public Backend open() {
        Probe p = probe();
        if (!p.available()) {
            throw new BackendUnavailableException("opencl", "backend 'opencl' cannot start: " + p.detail(), java.util.List.of(p));
        }
        return OpenClBackend.open(System.getProperty(OpenClDevices.DEVICE_PROPERTY));
    }
}
