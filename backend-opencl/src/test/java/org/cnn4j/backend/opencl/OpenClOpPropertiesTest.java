package org.cnn4j.backend.opencl;

import org.cnn4j.conformance.OpProperties;
import org.cnn4j.core.Backend;

/**
 * Random valid operator parameters (jqwik) on the OpenCL backend against the reference. Without a device the
 * properties do not run (said on standard error); with {@code -Dcnn4j.require=opencl} that is a failure.
 */
class OpenClOpPropertiesTest extends OpProperties {
    @Override
    protected Backend open() {
        if (OpenClTestSupport.required() && !OpenClTestSupport.available()) {
            throw new AssertionError("-Dcnn4j.require=opencl but no OpenCL device: "
                    + OpenClProvider.find(System.getProperty(OpenClDevices.DEVICE_PROPERTY)).probe());
        }
        return OpenClBackend.open();
    }
}
