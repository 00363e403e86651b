package org.cnn4j.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cnn4j.conformance.OpProperties;
import org.cnn4j.core.Backend;
import org.cnn4j.core.BackendUnavailableException;

/**
 * The jqwik properties on the CUDA backend's own kernels without a GPU: the fake driver, cuBLAS and NVRTC of
 * {@link FakeDriverTest} (built here with gcc), cuDNN off, and every kernel launch run on OpenCL by
 * {@link PoclLaunches} with CUDA's grid and blocks. Random shapes test the launch geometry of every operator.
 * Where gcc or an OpenCL device is missing the properties do not run (said on standard error); with
 * {@code -Dcnn4j.require=opencl} a missing OpenCL device is a failure.
 */
class CudaFakeDeviceOpPropertiesTest extends OpProperties {
    @Override
    protected Backend open() {
        String cc = Files.isExecutable(Path.of("/usr/bin/gcc")) ? "/usr/bin/gcc"
                : Files.isExecutable(Path.of("/usr/bin/cc")) ? "/usr/bin/cc" : null;
        if (cc == null) {
            throw new BackendUnavailableException("cuda", "no C compiler to build the fake driver", List.of());
        }
        PoclLaunches cl = PoclLaunches.open();
        if (cl == null) {
            org.cnn4j.core.Requirements.failIfRequired("opencl", "no OpenCL device to run the launches on");
            throw new BackendUnavailableException("cuda", "no OpenCL device to run the fake device's launches on",
                    List.of());
        }
        try {
            Path dir = Files.createTempDirectory("cnn4j-fake-cuda");
            dir.toFile().deleteOnExit();
            gcc(cc, source(dir, "fake_cuda.c"), dir.resolve("libcuda.so.1"), "-DDEVICES=1");
            gcc(cc, source(dir, "fake_cublas.c"), dir.resolve("libcublas.so.13"));
            gcc(cc, source(dir, "fake_nvrtc.c"), dir.resolve("libnvrtc.so.13"));
            CudaBackend.Options o = CudaBackend.Options.fromSystemProperties();
            CudaBackend b = FakeDriverTest.provider(dir).open(new CudaBackend.Options(false, false,
                    o.workspaceLimit(), o.ptxStore()));
            b.launchObserver = cl::run;
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path source(Path dir, String name) throws IOException {
        Path p = dir.resolve(name);
        try (InputStream in = FakeDriverTest.class.getResourceAsStream("fake/" + name)) {
            Files.copy(in, p);
        }
        return p;
    }

    static void gcc(String cc, Path src, Path out, String... defines) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(cc, "-shared", "-fPIC", "-O1", "-o", out.toString(),
                src.toString()));
        cmd.addAll(List.of(defines));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("gcc failed: " + log);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
