package org.cnn4j.backend.opencl;

import java.util.List;
import org.cnn4j.core.Backend;
import org.cnn4j.core.BackendUnavailableException;
import org.cnn4j.core.Probe;
import org.cnn4j.spi.BackendProvider;

/**
 * Service entry for the {@code opencl} backend. Loading this class does nothing native; {@link #probe()} loads
 * libOpenCL through LWJGL, lists the devices and picks one ({@code -Dcnn4j.opencl.device}), and reports every
 * failure as an unavailable probe. Priority 300 when the chosen device is a GPU, 150 otherwise (PoCL on the CPU
 * ranks below the CPU backend).
 */
public final class OpenClProvider implements BackendProvider {
    /** A probe and whether the device it found is a GPU. */
    record Found(Probe probe, boolean gpu) {
    }

    private volatile Found found;

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public int priority() {
        return found().gpu() ? 300 : 150;
    }

    @Override
    public Probe probe() {
        return found().probe();
    }

    private Found found() {
        Found f = found;
        if (f == null) {
            f = find(System.getProperty(OpenClDevices.DEVICE_PROPERTY));
            found = f;
        }
        return f;
    }

    /** What a probe with device selector {@code selector} (null: automatic) finds; never throws. */
    static Found find(String selector) {
        try {
            OpenClDevices.Selection s = OpenClDevices.select(OpenClDevices.list(), selector);
            if (!s.found()) {
                return new Found(Probe.unavailable("opencl", s.reason()), false);
            }
            return new Found(Probe.available("opencl", s.device().describe()), s.device().gpu());
        } catch (Throwable e) { // a missing libOpenCL surfaces as a LinkageError from LWJGL's loader
            String libname = System.getProperty("org.lwjgl.opencl.libname");
            String searched = libname != null ? "-Dorg.lwjgl.opencl.libname=" + libname
                    : "libOpenCL.so on java.library.path, LD_LIBRARY_PATH and the system library path";
            return new Found(Probe.unavailable("opencl", "could not load the OpenCL ICD loader through LWJGL ("
                    + searched + "; on Debian install ocl-icd-opencl-dev, which provides libOpenCL.so, and an ICD"
                    + " such as pocl-opencl-icd): " + e), false);
        }
    }

    @Override
    public Backend open() {
        Probe p = probe();
        if (!p.available()) {
            throw new BackendUnavailableException("opencl", "backend 'opencl' cannot start: " + p.detail(),
                    List.of(p));
        }
        return OpenClBackend.open(System.getProperty(OpenClDevices.DEVICE_PROPERTY));
    }
}
