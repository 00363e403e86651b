package org.cnn4j.backend.opencl;

import org.cnn4j.conformance.OpProperties;
import org.cnn4j.core.Backend;

/**
 * Random valid operator parameters (jqwik) on the OpenCL backend against the reference. Without a device the
 * properties are skipped with the reason; with {@code -Dcnn4j.require=opencl} that is a failure.
 */
class OpenClOpPropertiesTest extends OpProperties {
    @Override
    protected Backend open() {
        return OpenClBackend.open();
    }
}
