package org.cnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.cnn4j.core.BackendUnavailableException;
import org.cnn4j.core.Backends;
import org.cnn4j.core.Probe;
import org.cnn4j.spi.LibraryLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Probing with bogus native libraries, loaded for real by the system loader: a file that is not a library, and a
 * real shared library that is not the CUDA driver (zlib under the driver's name). The probe must say the backend
 * is unavailable and why, never throw or crash, and the JVM must go on computing on another backend.
 */
class CudaProbeFaultsTest {
    @TempDir
    Path root;

    private CudaProvider provider(Path libraryDir) {
        Map<String, String> props = Map.of(CudaLibraries.LIBRARY_PATH, libraryDir.toString());
        return new CudaProvider(new CudaLibraries(new CudaLibraries.Environment(k -> null, props::get, List::of,
                List.of(root.resolve("none")), List.of()), LibraryLoader.system()));
    }

    private static void stillComputes() {
        try (var b = Backends.open("reference")) {
            assertEquals("reference", b.name());
        }
    }

    @Test
    void aFileThatIsNotALibrary() throws IOException {
        Path dir = Files.createDirectories(root.resolve("garbage"));
        Path fake = dir.resolve("libcuda.so.1");
        Files.writeString(fake, "this is not an ELF file\n");
        Probe p = provider(dir).probe();
        assertFalse(p.available(), p.toString());
        assertTrue(p.detail().contains(fake.toString()), p.detail());
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> provider(dir).open());
        assertTrue(e.getMessage().contains("libcuda.so.1"), e.getMessage());
        stillComputes();
    }

    /**
     * A working (fake) driver and NVRTC, but cuBLAS only in a major version the backend does not bind (11): cuBLAS
     * is optional, so the backend starts with its operators on the own kernels, and says what it looked for.
     */
    @Test
    void cublasOfAnUnsupportedMajorVersion() throws IOException {
        String cc = Files.isExecutable(Path.of("/usr/bin/gcc")) ? "/usr/bin/gcc"
                : Files.isExecutable(Path.of("/usr/bin/cc")) ? "/usr/bin/cc" : null;
        assumeTrue(cc != null, "no C compiler to build the fake libraries");
        Path dir = Files.createDirectories(root.resolve("old"));
        CudaFakeDeviceOpPropertiesTest.gcc(cc, CudaFakeDeviceOpPropertiesTest.source(dir, "fake_cuda.c"),
                dir.resolve("libcuda.so.1"), "-DDEVICES=1");
        CudaFakeDeviceOpPropertiesTest.gcc(cc, CudaFakeDeviceOpPropertiesTest.source(dir, "fake_nvrtc.c"),
                dir.resolve("libnvrtc.so.13"));
        CudaFakeDeviceOpPropertiesTest.gcc(cc, CudaFakeDeviceOpPropertiesTest.source(dir, "fake_cublas.c"),
                dir.resolve("libcublas.so.11"));
        Probe p = FakeDriverTest.provider(dir).probe();
        assertTrue(p.available(), p.toString());
        assertTrue(p.detail().contains("libcublas.so.13") && p.detail().contains("libcublas.so.12"), p.detail());
        assertTrue(p.detail().contains("cuBLAS absent: GEMM, the fully connected layer, add, scale and axpy run on"
                + " the own kernels"), p.detail());
        try (CudaBackend b = (CudaBackend) FakeDriverTest.provider(dir).open()) {
            assertFalse(b.cublasOn());
            assertTrue(b.device().contains("cuBLAS absent"), b.device());
        }
        // with the supported major beside it, the same driver uses it
        Files.move(dir.resolve("libcublas.so.11"), dir.resolve("libcublas.so.13"));
        try (CudaBackend b = (CudaBackend) FakeDriverTest.provider(dir).open()) {
            assertTrue(b.cublasOn(), b.device());
        }
        stillComputes();
    }

    @Test
    void aRealLibraryThatIsNotTheDriver() throws IOException {
        Path zlib = List.of(Path.of("/usr/lib/x86_64-linux-gnu/libz.so.1"), Path.of("/lib/x86_64-linux-gnu/libz.so.1"),
                Path.of("/usr/lib64/libz.so.1"), Path.of("/lib64/libz.so.1")).stream().filter(Files::isRegularFile)
                .findFirst().orElse(null);
        assumeTrue(zlib != null, "no libz.so.1 on this machine to pose as the driver");
        Path dir = Files.createDirectories(root.resolve("impostor"));
        Files.copy(zlib, dir.resolve("libcuda.so.1"));
        Probe p = provider(dir).probe();
        assertFalse(p.available(), p.toString());
        assertTrue(p.detail().contains("symbol cuInit not found"), p.detail());
        assertThrows(BackendUnavailableException.class, () -> provider(dir).open());
        stillComputes();
    }
}
