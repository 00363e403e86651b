package org.cnn4j.backend.cpu;

import org.cnn4j.conformance.OpProperties;
import org.cnn4j.core.Backend;

/** Random valid operator parameters (jqwik) on the cpu backend against the reference. */
class CpuOpPropertiesTest extends OpProperties {
    @Override
    protected Backend open() {
        return new CpuBackend();
    }
}
