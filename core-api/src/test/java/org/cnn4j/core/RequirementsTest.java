package org.cnn4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The one parsing of the require flag: the property before the environment, a list, {@code all}. */
class RequirementsTest {
    @Test
    void thePropertyComesBeforeTheEnvironment() {
        assertEquals("cuda", Requirements.setting("cuda", "opencl"));
        assertEquals("opencl", Requirements.setting(null, "opencl"));
        assertEquals("", Requirements.setting(null, null));
        // an empty property requires nothing, even where the environment would
        assertEquals("", Requirements.setting("", "opencl"));
    }

    @Test
    void aCommaSeparatedListOfNamesOrAll() {
        Set<String> l = Requirements.parse(" OpenCL, cudnn ,,nvcc");
        assertEquals(Set.of("opencl", "cudnn", "nvcc"), l);
        assertTrue(Requirements.required(l, "opencl"));
        assertTrue(Requirements.required(l, "CUDNN"));
        assertFalse(Requirements.required(l, "cuda"), "cudnn does not require cuda by a substring");
        assertFalse(Requirements.required(l, null));
        assertTrue(Requirements.required(Requirements.parse("all"), "anything"));
        assertFalse(Requirements.required(Requirements.parse(""), "opencl"));
    }

    @Test
    void aRequiredThingThatIsMissingFailsSayingHowItWasRequired() {
        String before = System.setProperty(Requirements.PROPERTY, "nosuch");
        try {
            AssertionError e = assertThrows(AssertionError.class,
                    () -> Requirements.failIfRequired("nosuch", "no such device"));
            assertEquals("-Dcnn4j.require=nosuch but no such device", e.getMessage());
            Requirements.failIfRequired("other", "not asked for"); // returns: the caller skips
        } finally {
            if (before == null) {
                System.clearProperty(Requirements.PROPERTY);
            } else {
                System.setProperty(Requirements.PROPERTY, before);
            }
        }
    }
}
