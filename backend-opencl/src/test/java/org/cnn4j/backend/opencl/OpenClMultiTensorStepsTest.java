package org.cnn4j.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.cnn4j.conformance.MultiTensorParity;
import org.junit.jupiter.api.Test;

/**
 * The multi-tensor optimizer kernels (optimizer.k's {@code *_multi_f32}, up to 16 tensors a launch) against the
 * single-tensor kernels, bit for bit, on the OpenCL device (PoCL in CI; skipped without a device unless
 * {@code -Dcnn4j.require=opencl}).
 */
class OpenClMultiTensorStepsTest {
    @Test
    void multiTensorStepsEqualSingleTensorStepsBitForBit() {
        try (OpenClBackend b = OpenClTestSupport.open()) {
            List<String> m = MultiTensorParity.mismatches(b);
            assertEquals(List.of(), m, m.size() + " rule/list pair(s) differ");
        }
    }
}
