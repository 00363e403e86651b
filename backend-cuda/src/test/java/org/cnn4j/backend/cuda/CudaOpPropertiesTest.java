package org.cnn4j.backend.cuda;

import org.cnn4j.conformance.OpProperties;
import org.cnn4j.core.Backend;

/**
 * Random valid operator parameters (jqwik) on the CUDA backend against the reference. Without a CUDA device the
 * properties are skipped with the reason; with {@code -Dcnn4j.require=cuda} that is a failure.
 */
class CudaOpPropertiesTest extends OpProperties {
    @Override
    protected Backend open() {
        return new CudaProvider().open();
    }
}
