package org.cnn4j.backend.cpu;

import org.cnn4j.conformance.OpProperties;
import org.cnn4j.core.Backend;

/** Random valid operator parameters (jqwik) on the cpu backend's scalar kernel, one thread, against the reference. */
class CpuScalarOpPropertiesTest extends OpProperties {
    @Override
    protected Backend open() {
        return new CpuBackend(new CpuBackend.Config(1, false));
    }
}
