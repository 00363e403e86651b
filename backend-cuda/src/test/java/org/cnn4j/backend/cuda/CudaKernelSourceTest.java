package org.cnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.cnn4j.kernels.host.KernelSignatures;
import org.cnn4j.kernels.host.KernelSource;
import org.cnn4j.spi.LibraryLoader;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The CUDA programs the backend hands to NVRTC, checked without a GPU: the exact strings
 * ({@link KernelSource.Dialect#source}, prelude and includes inlined) compile with {@code nvcc --ptx} under the
 * backend's options, and, where a real {@code libnvrtc} is found (the system's, or one in
 * {@code -Dcnn4j.cuda.libraryPath}), with NVRTC itself through the backend's binding, each yielding PTX with every
 * entry the file declares. Without nvcc or NVRTC those tests are skipped with the places searched;
 * {@code -Dcnn4j.require=nvcc} / {@code nvrtc} make that a failure.
 */
class CudaKernelSourceTest {
    static final Path PORTABLE = Path.of("../kernels/src/main/resources/org/cnn4j/kernels/portable");

    @Test
    void everyKernelFileIsKnownAndEveryEntryParses() throws IOException {
        List<String> stems;
        try (Stream<Path> files = Files.list(PORTABLE)) {
            stems = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".k"))
                    .map(n -> n.substring(0, n.length() - 2)).sorted().toList();
        }
        assertEquals(stems, KernelSource.STEMS, "KernelSource.STEMS must list every portable kernel file");
        Map<String, KernelSignatures.Kernel> all = KernelSignatures.all(); // throws on a name declared twice
        for (String stem : stems) {
            List<String> entries = KernelSource.entries(stem);
            assertFalse(entries.isEmpty(), stem);
            for (String e : entries) {
                KernelSignatures.Kernel k = all.get(e);
                assertEquals(stem, k.stem());
                assertFalse(k.params().isEmpty(), e);
                assertNotEquals("?", k.bound(), e + " indexes by GID0 but its bound check was not recognised");
            }
        }
        assertEquals(all.size(), stems.stream().mapToInt(s -> KernelSource.entries(s).size()).sum());
    }

    @Test
    void theSourceIsSelfContained() {
        for (String stem : KernelSource.STEMS) {
            String src = KernelSource.Dialect.CUDA.source(stem);
            assertTrue(src.startsWith("/* prelude_cuda.h */\n"), stem);
            assertTrue(src.contains("#define KERNEL extern \"C\" __global__"), stem);
            assertFalse(src.contains("#include"), stem + ": NVRTC gets no include path");
        }
        assertTrue(KernelSource.Dialect.CUDA.source("reduce").contains("DEVICE_FN float group_sum2("));
    }

    static Path findNvcc(List<String> searched) {
        List<Path> candidates = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty()) {
                candidates.add(Path.of(dir, "nvcc"));
            }
        }
        String cudaHome = System.getenv("CUDA_HOME");
        if (cudaHome != null) {
            candidates.add(Path.of(cudaHome, "bin", "nvcc"));
        }
        candidates.add(Path.of("/usr/local/cuda/bin/nvcc"));
        for (Path p : candidates) {
            searched.add(p.toString());
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static boolean required(String what) {
        return org.cnn4j.core.Requirements.required(what);
    }

    private static void assertEntries(String stem, String ptx) {
        for (String e : KernelSource.entries(stem)) {
            assertTrue(ptx.contains(".entry " + e + "("), "no .entry " + e + " in the PTX of " + stem);
        }
    }

    @TestFactory
    Stream<DynamicTest> theExactSourcesCompileWithNvcc() throws IOException {
        List<String> searched = new ArrayList<>();
        Path nvcc = findNvcc(searched);
        if (nvcc == null) {
            String reason = "nvcc not found (searched " + String.join(", ", searched) + ")";
            org.cnn4j.core.Requirements.failIfRequired("nvcc", reason);
            abort(reason);
        }
        Path dir = Files.createTempDirectory("cnn4j-cuda-src");
        return KernelSource.STEMS.stream().map(stem -> DynamicTest.dynamicTest(stem, () -> {
            Path cu = dir.resolve(stem + ".cu");
            Path ptx = dir.resolve(stem + ".ptx");
            Files.writeString(cu, KernelSource.Dialect.CUDA.source(stem), StandardCharsets.UTF_8);
            List<String> cmd = new ArrayList<>(List.of(nvcc.toString(), "-x", "cu", "--ptx", "-arch=compute_75",
                    "-std=c++17"));
            cmd.addAll(KernelSource.Dialect.CUDA.options());
            cmd.addAll(List.of("-o", ptx.toString(), cu.toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String log;
            try (var in = p.getInputStream()) {
                log = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("nvcc did not finish in 300 s: " + String.join(" ", cmd));
            }
            assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + log);
            assertFalse(log.contains("warning"), "nvcc warns:\n" + log);
            assertEntries(stem, Files.readString(ptx));
        }));
    }

    @TestFactory
    Stream<DynamicTest> theExactSourcesCompileWithNvrtc() {
        CudaLibraries libs = new CudaLibraries(CudaLibraries.Environment.system(), LibraryLoader.system());
        CudaLibraries.Search s = libs.load(CudaLibraries.Lib.NVRTC);
        if (s.loaded().isEmpty()) {
            String reason = "no libnvrtc to compile with: " + s.describe();
            org.cnn4j.core.Requirements.failIfRequired("nvrtc", reason);
            abort(reason);
        }
        libs.openCompanions(s.loaded().get());
        Nvrtc nvrtc = new Nvrtc(s.loaded().get().symbols());
        CudaKernels k = new CudaKernels(nvrtc::compileToPtx, null, 7, 5);
        List<String> options = k.options(KernelSource.Dialect.CUDA.options());
        return KernelSource.STEMS.stream().map(stem -> DynamicTest.dynamicTest(stem + " " + options, () -> {
            byte[] ptx = nvrtc.compileToPtx(stem + ".k", KernelSource.Dialect.CUDA.source(stem), Map.of(), options);
            assertEquals(0, ptx[ptx.length - 1], "NUL-terminated for cuModuleLoadData");
            assertEntries(stem, new String(ptx, 0, ptx.length - 1, StandardCharsets.UTF_8));
        }));
    }
}
