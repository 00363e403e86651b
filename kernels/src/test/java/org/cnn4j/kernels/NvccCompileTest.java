package org.cnn4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.cnn4j.kernels.host.KernelSource;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The CUDA half of the portable kernels' contract, checked without a GPU: every {@code portable/*.k} compiles
 * with {@code nvcc -x cu --ptx -include prelude_cuda.h}, so a construct outside the common subset of OpenCL C and
 * CUDA C++ fails the build. (The OpenCL half is built by the OpenCL backend's tests on PoCL.) Without nvcc the
 * compile tests are skipped with the places searched; {@code -Dcnn4j.require=nvcc} makes that a failure.
 */
class NvccCompileTest {
    static final Path PORTABLE = Path.of("src/main/resources/org/cnn4j/kernels/portable");

    static List<Path> kernels() throws IOException {
        try (Stream<Path> files = Files.list(PORTABLE)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".k")).sorted().toList();
        }
    }

    /** nvcc from PATH, $CUDA_HOME/bin or /usr/local/cuda/bin; null when none is there. */
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

    @Test
    void everyKernelFileSaysWhatItComputes() throws IOException {
        List<Path> ks = kernels();
        assertFalse(ks.isEmpty(), "no portable kernels under " + PORTABLE.toAbsolutePath());
        for (Path k : ks) {
            String text = Files.readString(k, StandardCharsets.UTF_8);
            String stem = k.getFileName().toString().replace(".k", "");
            assertTrue(text.startsWith("/*\n * " + stem + ".k: "), k + " must open with a comment naming itself and"
                    + " saying what it computes");
            assertTrue(text.contains("KERNEL void"), k + " declares no kernel");
            assertFalse(text.contains("__kernel") || text.contains("__global__") || text.contains("get_global_id")
                    || text.contains("threadIdx"), k + " uses a dialect keyword instead of the prelude's macros");
        }
    }

    @TestFactory
    Stream<DynamicTest> everyKernelCompilesWithNvcc() throws IOException {
        List<String> searched = new ArrayList<>();
        Path nvcc = findNvcc(searched);
        if (nvcc == null) {
            String reason = "nvcc not found (searched " + String.join(", ", searched) + ")";
            org.cnn4j.core.Requirements.failIfRequired("nvcc", reason);
            abort(reason);
        }
        Path out = Files.createTempDirectory("cnn4j-nvcc");
        return kernels().stream().map(k -> DynamicTest.dynamicTest(k.getFileName().toString(), () -> {
            Path ptx = out.resolve(k.getFileName() + ".ptx");
            List<String> cmd = new ArrayList<>(List.of(nvcc.toString(), "-x", "cu", "--ptx"));
            cmd.addAll(KernelSource.Dialect.CUDA.options()); // the floating-point contract: no contraction
            cmd.addAll(List.of("-include", PORTABLE.resolve("prelude_cuda.h").toAbsolutePath().toString(), "-I",
                    PORTABLE.toAbsolutePath().toString(), "-o", ptx.toString(), k.toAbsolutePath().toString()));
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
            String text = Files.readString(ptx);
            String stem = k.getFileName().toString().replace(".k", "");
            assertTrue(text.contains(".entry"), "no kernel entry in the PTX of " + stem);
        }));
    }
}
