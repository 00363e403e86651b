package org.cnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.cnn4j.core.BackendUnavailableException;
import org.cnn4j.core.Probe;
import org.cnn4j.spi.BackendProvider;
import org.cnn4j.spi.LibraryLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The provider's entry and its probe; on a machine without the driver the probe says what it searched. */
class CudaProviderTest {
    @TempDir
    Path root;

    @Test
    void isAServiceWithPriority400() {
        BackendProvider p = ServiceLoader.load(BackendProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(x -> x.name().equals("cuda")).findFirst().orElseThrow();
        assertEquals(400, p.priority());
        assertTrue(p instanceof CudaProvider);
    }

    @Test
    void probeWithoutTheDriverNamesLibcudaAndEverySearchedPath() {
        Map<String, String> env = Map.of("CUDA_HOME", root.resolve("cuda").toString());
        Map<String, String> props = Map.of(CudaLibraries.LIBRARY_PATH, root.resolve("mine").toString());
        CudaLibraries libs = new CudaLibraries(new CudaLibraries.Environment(env::get, props::get, List::of,
                List.of(root.resolve("sys")), List.of()), LibraryLoader.system());
        Probe p = new CudaProvider(libs).probe();
        assertFalse(p.available());
        assertEquals("cuda", p.backend());
        String d = p.detail();
        assertTrue(d.startsWith("no CUDA driver: libcuda.so.1 not found; tried: "), d);
        assertTrue(d.contains(root.resolve("mine/libcuda.so.1") + " (absent)"), d);
        assertTrue(d.contains("libcuda.so.1 by name on the loader path ("), d);
        assertTrue(d.contains(root.resolve("cuda/lib64/libcuda.so.1") + " (absent)"), d);
        assertTrue(d.contains(root.resolve("sys/libcuda.so.1") + " (absent)"), d);
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> new CudaProvider(libs).open());
        assertTrue(e.getMessage().contains("libcuda.so.1"), e.getMessage());
    }

    @Test
    void probeOnThisMachineNeverThrowsAndExplainsItself() {
        Probe p = new CudaProvider().probe();
        assumeFalse(p.available(), "this machine has a CUDA device: " + p.detail());
        assertTrue(p.detail().contains("libcuda.so.1"), p.detail());
        assertTrue(p.detail().contains("/usr/local/cuda/lib64/libcuda.so.1"), p.detail());
    }
}
