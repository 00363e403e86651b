package org.cnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.cnn4j.conformance.MultiTensorParity;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Backends;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The multi-tensor optimizer steps equal the single-tensor steps bit for bit on the reference (which loops over
 * them) and on cpu (one pass over all parameters' elements, a chunk spanning tensors).
 */
class MultiTensorStepsTest {
    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu"})
    void multiTensorStepsEqualSingleTensorStepsBitForBit(String name) {
        try (Backend b = Backends.open(name)) {
            List<String> m = MultiTensorParity.mismatches(b);
            assertEquals(List.of(), m, name + ": " + m.size() + " rule/list pair(s) differ");
        }
    }
}
