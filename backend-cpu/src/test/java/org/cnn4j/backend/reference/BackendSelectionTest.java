package org.cnn4j.backend.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cnn4j.core.Backend;
import org.cnn4j.core.BackendUnavailableException;
import org.cnn4j.core.Backends;
import org.cnn4j.core.Probe;
import org.junit.jupiter.api.Test;

/** Selection as a user of backend-cpu alone sees it: GPU backends are not on this module's class path. */
class BackendSelectionTest {
    @Test
    void referenceIsFoundByName() {
        try (Backend b = Backends.open("reference")) {
            assertEquals("reference", b.name());
            assertEquals(ReferenceBackend.class, b.getClass());
        }
    }

    @Test
    void autoOpensTheFirstAvailableProviderByPriority() {
        Probe best = Backends.probeAll().stream().filter(Probe::available).findFirst().orElseThrow();
        try (Backend b = Backends.open("auto")) {
            assertEquals(best.backend(), b.name());
        }
    }

    @Test
    void askingForABackendWhoseModuleIsAbsentFailsClearly() {
        for (String name : new String[] {"cuda", "opencl"}) {
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                    () -> Backends.open(name));
            assertTrue(e.getMessage().contains("'" + name + "' is not on the class path"), e.getMessage());
            assertTrue(e.getMessage().contains("cnn4j-backend-" + name), e.getMessage());
            assertTrue(e.getMessage().contains("reference: available"), e.getMessage());
        }
    }
}
