package org.cnn4j.backend.opencl;

import static org.junit.jupiter.api.Assumptions.abort;

import org.cnn4j.core.Probe;

/**
 * Opens the backend for tests. Without an OpenCL device the tests are skipped with the probe's reason (JUnit
 * assumption); with {@code -Dcnn4j.require=opencl} (a machine that must have one, such as CI with PoCL) they fail.
 */
final class OpenClTestSupport {
    private OpenClTestSupport() {
    }

    static boolean required() {
        return org.cnn4j.core.Requirements.required("opencl");
    }

    /** The probe of the automatic device choice; skips or fails the test when it is unavailable. */
    static Probe requireDevice() {
        Probe p = OpenClProvider.find(System.getProperty(OpenClDevices.DEVICE_PROPERTY)).probe();
        if (!p.available()) {
            org.cnn4j.core.Requirements.failIfRequired("opencl", p.toString());
            abort(p.toString());
        }
        return p;
    }

    /** True when the automatic device choice finds a device. */
    static boolean available() {
        return OpenClProvider.find(System.getProperty(OpenClDevices.DEVICE_PROPERTY)).probe().available();
    }

    static OpenClBackend open() {
        requireDevice();
        return OpenClBackend.open();
    }
}
