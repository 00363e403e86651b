package org.cnn4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BackendsTest {
    @Test
    void autoSkipsUnavailableAndThrowingProvidersAndTakesTheBestAvailable() {
        try (Backend b = Backends.open("auto")) {
            assertEquals("cpu", b.name());
        }
    }

    @Test
    void probeAllListsEveryProviderByPriorityAndSurvivesAThrowingProbe() {
        List<Probe> probes = Backends.probeAll();
        assertEquals(List.of("cuda", "opencl", "cpu"), probes.stream().map(Probe::backend).toList());
        assertTrue(probes.get(1).detail().contains("driver exploded"), probes.get(1).toString());
    }

    @Test
    void anUnavailableBackendAskedForByNameFailsWithWhatWasProbed() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Backends.open("cuda"));
        assertEquals("cuda", e.backend());
        assertTrue(e.getMessage().contains("libcuda.so.1 not found"), e.getMessage());
        assertTrue(e.getMessage().contains("cpu: available"), e.getMessage());
        assertEquals(3, e.probes().size());
    }

    @Test
    void aKnownBackendWithoutAProviderSaysWhichModuleIsMissing() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Backends.open("reference"));
        assertTrue(e.getMessage().contains("not on the class path"), e.getMessage());
        assertTrue(e.getMessage().contains("cnn4j-backend-cpu"), e.getMessage());
    }

    @Test
    void openingABackendByNameProbesNoOtherBackend() {
        TestProviders.FOREIGN_PROBES.set(0);
        try (Backend b = Backends.open("cpu")) {
            assertEquals("cpu", b.name());
        }
        assertEquals(0, TestProviders.FOREIGN_PROBES.get(), "opening cpu probed (loaded the drivers of) others");
    }

    @Test
    void anUnknownNameIsAnIllegalArgument() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.open("tpu"));
        assertTrue(e.getMessage().contains("tpu") && e.getMessage().contains("reference"), e.getMessage());
    }

    @Test
    void theSystemPropertySelectsTheBackend() {
        String old = System.getProperty(Backends.PROPERTY);
        try {
            System.setProperty(Backends.PROPERTY, "CPU");
            assertEquals("cpu", Backends.configuredName());
            try (Backend b = Backends.open()) {
                assertEquals("cpu", b.name());
            }
            System.setProperty(Backends.PROPERTY, "cuda");
            assertThrows(BackendUnavailableException.class, Backends::open);
        } finally {
            if (old == null) {
                System.clearProperty(Backends.PROPERTY);
            } else {
                System.setProperty(Backends.PROPERTY, old);
            }
        }
    }

    @Test
    void theFlagThenThePropertyThenTheEnvironmentThenAuto() {
        java.util.Map<String, String> env = java.util.Map.of(Backends.ENV, "cuda");
        assertEquals("reference", Backends.configuredName(" Reference ", "opencl", env));
        assertEquals("--backend", Backends.configuredSource("reference", "opencl", env));
        assertEquals("opencl", Backends.configuredName(null, "OpenCL", env));
        assertEquals("opencl", Backends.configuredName("  ", "opencl", env));
        assertEquals("-D" + Backends.PROPERTY, Backends.configuredSource(null, "opencl", env));
        assertEquals("cuda", Backends.configuredName(null, null, env));
        assertEquals("cuda", Backends.configuredName(null, " ", env));
        assertEquals("$" + Backends.ENV, Backends.configuredSource(null, null, env));
        assertEquals("auto", Backends.configuredName(null, null, java.util.Map.of()));
        assertEquals("auto", Backends.configuredName(null, null, java.util.Map.of(Backends.ENV, "")));
        assertEquals("default", Backends.configuredSource(null, null, java.util.Map.of()));
    }

    @Test
    void theFlagWinsOverThePropertyAndAConfiguredBackendThatCannotStartFails() {
        String old = System.getProperty(Backends.PROPERTY);
        try {
            System.setProperty(Backends.PROPERTY, "cuda");
            assertEquals("cpu", Backends.configuredName("cpu"));
            assertEquals("cuda", Backends.configuredName(null));
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                    () -> Backends.open(Backends.configuredName(null)));
            assertTrue(e.getMessage().contains("backend 'cuda' cannot start"), e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(Backends.PROPERTY);
            } else {
                System.setProperty(Backends.PROPERTY, old);
            }
        }
    }

    @Test
    void autoNameIsTheBackendThatAutoOpens() {
        try (Backend b = Backends.open("auto")) {
            assertEquals(b.name(), Backends.autoName());
        }
    }
}
