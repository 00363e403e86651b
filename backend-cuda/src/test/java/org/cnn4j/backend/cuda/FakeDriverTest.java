package org.cnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.cnn4j.conformance.ConformanceSuite;
import org.cnn4j.core.Backend;
import org.cnn4j.core.DeviceMemoryException;
import org.cnn4j.core.Probe;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Activation;
import org.cnn4j.ops.Conv2d;
import org.cnn4j.ops.Fill;
import org.cnn4j.ops.Gemm;
import org.cnn4j.ops.Linear;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backend's native path, for real, against a fake driver and a fake cuBLAS compiled here with gcc
 * ({@code fake/fake_cuda.c}, {@code fake/fake_cublas.c}): "device" memory is host memory and cuBLAS is a
 * column-major loop. This runs the FFM bindings (symbol names, argument order and types), discovery from
 * {@code -Dcnn4j.cuda.libraryPath}-style directories, the allocator, staging copies, and the row-major GEMM
 * mapping, and runs the conformance suite on the operators that need neither cuDNN nor kernels. It says nothing
 * about a GPU's numerics or cuDNN. Skipped where gcc is missing.
 */
class FakeDriverTest {
    @TempDir
    static Path dir;

    static Path noDevice;
    static Path oneDevice;
    static Path withCudnn;

    @BeforeAll
    static void build() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/gcc")) || Files.isExecutable(Path.of("/usr/bin/cc")),
                "no C compiler (/usr/bin/gcc or /usr/bin/cc) to build the fake driver");
        noDevice = Files.createDirectories(dir.resolve("none"));
        oneDevice = Files.createDirectories(dir.resolve("one"));
        Path cuda = source("fake_cuda.c");
        Path cublas = source("fake_cublas.c");
        gcc(cuda, noDevice.resolve("libcuda.so.1"), "-DDEVICES=0");
        gcc(cuda, oneDevice.resolve("libcuda.so.1"), "-DDEVICES=1");
        gcc(cublas, oneDevice.resolve("libcublas.so.13"));
        gcc(source("fake_nvrtc.c"), oneDevice.resolve("libnvrtc.so.13"));
        withCudnn = Files.createDirectories(dir.resolve("dnn"));
        gcc(cuda, withCudnn.resolve("libcuda.so.1"), "-DDEVICES=1");
        gcc(cublas, withCudnn.resolve("libcublas.so.13"));
        gcc(source("fake_cudnn.c"), withCudnn.resolve("libcudnn.so.9"));
        failingCublas = Files.createDirectories(dir.resolve("failing"));
        gcc(cuda, failingCublas.resolve("libcuda.so.1"), "-DDEVICES=1");
        gcc(cublas, failingCublas.resolve("libcublas.so.13"), "-DFAIL_SET_STREAM");
    }

    static Path failingCublas;

    @Test
    void aBackendThatCannotStartGivesBackTheContextAndStream() throws Throwable {
        org.cnn4j.core.NativeCallException e = assertThrows(org.cnn4j.core.NativeCallException.class,
                () -> provider(failingCublas).open());
        assertEquals("cublasSetStream_v2", e.function());
        assertEquals("CUBLAS_STATUS_INTERNAL_ERROR", e.status());
        java.lang.foreign.SymbolLookup lib = CudaLibraries.Loader.system().byPath(
                failingCublas.resolve("libcuda.so.1"));
        java.lang.invoke.MethodHandle held = java.lang.foreign.Linker.nativeLinker().downcallHandle(
                lib.find("fake_cuda_held").orElseThrow(),
                java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT));
        assertEquals(0, (int) Native.value(held), "primary context released and stream destroyed");
    }

    @Test
    void cudnnBindsChoosesTheFastestAlgorithmThatFitsAndNamesFailures() {
        java.lang.foreign.SymbolLookup lib = CudaLibraries.Loader.system().byPath(withCudnn.resolve("libcudnn.so.9"));
        Cudnn dnn = new Cudnn(lib, 9);
        assertEquals(90100, dnn.version());
        java.lang.foreign.MemorySegment h = dnn.create();
        try (Cudnn.Scope s = dnn.scope()) {
            var x = s.tensor(2, 3, 5, 5);
            var w = s.filter(4, 3, 3, 3);
            var c = s.convolution(1, 1, 1, 1, 1, 1, 1, false);
            var y = s.tensor(2, 4, 5, 5);
            assertEquals(new Cudnn.Algo(2, 1024), dnn.chooseAlgorithm(h, Cudnn.Direction.FORWARD, x, w, c, y,
                    256L << 20), "the first that succeeded and fits; algo 1 failed, algo 6 needs 1 TiB");
            assertEquals(new Cudnn.Algo(6, 1L << 40), dnn.chooseAlgorithm(h, Cudnn.Direction.BACKWARD_FILTER, x, y,
                    c, w, 1L << 41));
            org.cnn4j.core.NativeCallException none = assertThrows(org.cnn4j.core.NativeCallException.class,
                    () -> dnn.chooseAlgorithm(h, Cudnn.Direction.BACKWARD_DATA, w, y, c, x, 100));
            assertTrue(none.getMessage().contains("none of 3 algorithms fits a workspace of 100 bytes"),
                    none.getMessage());
            org.cnn4j.core.NativeCallException bad = assertThrows(org.cnn4j.core.NativeCallException.class,
                    () -> s.tensor(0, 1, 1, 1));
            assertEquals("CUDNN_STATUS_BAD_PARAM", bad.status());
            assertEquals("cudnnSetTensor4dDescriptor", bad.function());
            assertTrue(bad.getMessage().endsWith(": CUDNN_STATUS_BAD_PARAM: fake detail"), bad.getMessage());
        }
        java.lang.invoke.MethodHandle live = java.lang.foreign.Linker.nativeLinker().downcallHandle(
                lib.find("fake_cudnn_live").orElseThrow(),
                java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT));
        assertEquals(0, (int) Native.value(live), "every descriptor of the scope was destroyed");
    }

    @Test
    void withCudnnTheBackendServesItsOperatorsThroughIt() {
        CudaProvider p = provider(withCudnn);
        assertTrue(p.probe().detail().contains("cuDNN 90100"), p.probe().detail());
        try (Backend b = p.open(); Tensor x = b.allocate(Shape.of(1, 1, 3, 3)); Tensor w = b.allocate(
                Shape.of(1, 1, 1, 1)); Tensor y = b.allocate(Shape.of(1, 1, 3, 3))) {
            Conv2d.Forward op = new Conv2d.Forward(Conv2d.of(1, 0), x, w, null, y);
            assertTrue(b.supports(op));
            b.execute(op);
            b.execute(new Activation.Forward(new Activation(Activation.Kind.RELU, 0), x, y));
            assertFalse(b.supports(new Activation.Forward(new Activation(Activation.Kind.LEAKY_RELU, 0.1), x, y)));
        }
    }

    private static Path source(String name) throws IOException {
        Path p = dir.resolve(name);
        try (InputStream in = FakeDriverTest.class.getResourceAsStream("fake/" + name)) {
            Files.copy(in, p);
        }
        return p;
    }

    private static void gcc(Path src, Path out, String... defines) throws Exception {
        String cc = Files.isExecutable(Path.of("/usr/bin/gcc")) ? "/usr/bin/gcc" : "/usr/bin/cc";
        List<String> cmd = new java.util.ArrayList<>(List.of(cc, "-shared", "-fPIC", "-O1", "-o", out.toString(),
                src.toString()));
        cmd.addAll(List.of(defines));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "gcc failed: " + log);
    }

    /** A provider that searches only {@code libDir} and nowhere on the system. */
    static CudaProvider provider(Path libDir) {
        Map<String, String> props = Map.of(CudaLibraries.LIBRARY_PATH, libDir.toString());
        return new CudaProvider(new CudaLibraries(new CudaLibraries.Environment(k -> null, props::get, List::of,
                List.of(), List.of()), new CudaLibraries.Loader() {
                    @Override
                    public java.lang.foreign.SymbolLookup byName(String fileName) {
                        throw new IllegalArgumentException("the loader path is not searched in this test");
                    }

                    @Override
                    public java.lang.foreign.SymbolLookup byPath(Path path) {
                        return CudaLibraries.Loader.system().byPath(path);
                    }
                }));
    }

    @Test
    void aDriverWithoutDevicesIsUnavailableWithItsVersion() {
        Probe p = provider(noDevice).probe();
        assertFalse(p.available());
        assertTrue(p.detail().contains("libcuda.so.1 loaded from " + noDevice.resolve("libcuda.so.1")), p.detail());
        assertTrue(p.detail().endsWith("driver API 13.0; 0 CUDA devices"), p.detail());
    }

    @Test
    void aDriverWithADeviceIsAvailableAndDescribed() {
        Probe p = provider(oneDevice).probe();
        assertTrue(p.available(), p.detail());
        assertTrue(p.detail().startsWith("Fake GPU (compute capability 9.0, 1024 MiB, driver API 13.0, 1 device(s))"),
                p.detail());
        assertTrue(p.detail().contains("libcublas.so.13 loaded from " + oneDevice.resolve("libcublas.so.13")),
                p.detail());
        assertTrue(p.detail().contains("libcudnn.so.9 or libcudnn.so.8 not found"), p.detail());
        assertTrue(p.detail().contains("libnvrtc.so.13 loaded from " + oneDevice.resolve("libnvrtc.so.13")
                + "; NVRTC 13.0"), p.detail());
    }

    @Test
    void nvrtcCompilesWithHeadersAndOptionsAndReportsTheLogOnError() {
        Nvrtc nvrtc = new Nvrtc(CudaLibraries.Loader.system().byPath(oneDevice.resolve("libnvrtc.so.13")));
        assertArrayEquals(new int[] {13, 0}, nvrtc.version());
        byte[] ptx = nvrtc.compileToPtx("elementwise.k", "KERNEL void fill_f32() {}",
                new java.util.LinkedHashMap<>(Map.of("reduce.h", "#define X 1")),
                List.of("--gpu-architecture=compute_90", "-default-device"));
        assertEquals(0, ptx[ptx.length - 1], "NUL-terminated for cuModuleLoadData");
        String text = new String(ptx, 0, ptx.length - 1, java.nio.charset.StandardCharsets.UTF_8);
        assertEquals("// name elementwise.k\n// header reduce.h\n// option --gpu-architecture=compute_90\n"
                + "// option -default-device\n", text);
        org.cnn4j.core.KernelCompileException e = assertThrows(org.cnn4j.core.KernelCompileException.class,
                () -> nvrtc.compileToPtx("broken.k", "#error planted", Map.of(), List.of()));
        assertEquals("broken.k", e.kernel());
        assertEquals("fake.cu(1): error: #error directive: planted", e.buildLog());
        assertTrue(e.getMessage().contains("NVRTC_ERROR_COMPILATION"), e.getMessage());
    }

    @Test
    void memoryRoundTripsThroughTheBindings() {
        try (Backend b = provider(oneDevice).open()) {
            float[] data = {1, -2, 3.5f, Float.NaN, Float.NEGATIVE_INFINITY, 6};
            try (Tensor t = b.fromArray(Shape.of(2, 3), data); Tensor z = b.allocate(Shape.of(5))) {
                assertArrayEquals(data, t.toFloatArray());
                assertArrayEquals(new float[5], z.toFloatArray());
                Tensor v = t.reshape(Shape.of(3, 2));
                assertArrayEquals(data, v.toFloatArray());
                b.execute(new Fill.Run(new Fill(-0.25), z));
                assertArrayEquals(new float[] {-0.25f, -0.25f, -0.25f, -0.25f, -0.25f}, z.toFloatArray());
                assertEquals(2, b.liveTensors());
            }
            assertEquals(0, b.liveTensors());
            assertFalse(b.supports(new Conv2d.Forward(Conv2d.of(1, 0), dummy(b, 1, 1, 3, 3), dummy(b, 1, 1, 1, 1),
                    null, dummy(b, 1, 1, 3, 3))), "no cuDNN, no kernels: convolution is unsupported");
        }
    }

    private static Tensor dummy(Backend b, int... dims) {
        return b.allocate(Shape.of(dims));
    }

    @Test
    void tooLargeAnAllocationIsADeviceMemoryException() {
        try (Backend b = provider(oneDevice).open()) {
            DeviceMemoryException e = assertThrows(DeviceMemoryException.class,
                    () -> b.allocate(Shape.of(1 << 25)));
            assertEquals(1L << 27, e.requestedBytes());
            assertTrue(e.getMessage().contains("CUDA_ERROR_OUT_OF_MEMORY"), e.getMessage());
            try (Tensor ok = b.allocate(Shape.of(1000))) {
                assertEquals(1000, ok.size(), "the backend stays usable");
            }
        }
    }

    @Test
    void gemmAndLinearMatchLoops() {
        Random r = new Random(7);
        try (Backend b = provider(oneDevice).open()) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    int m = 5;
                    int n = 7;
                    int k = 3;
                    float[] a = random(r, m * k);
                    float[] bm = random(r, k * n);
                    float[] c0 = random(r, m * n);
                    try (Tensor ta1 = b.fromArray(ta ? Shape.of(k, m) : Shape.of(m, k), a);
                            Tensor tb1 = b.fromArray(tb ? Shape.of(n, k) : Shape.of(k, n), bm);
                            Tensor tc = b.fromArray(Shape.of(m, n), c0)) {
                        b.execute(new Gemm.Run(new Gemm(ta, tb, 1.5, 0.5), ta1, tb1, tc));
                        float[] c = tc.toFloatArray();
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                double s = 0;
                                for (int l = 0; l < k; l++) {
                                    s += (ta ? a[l * m + i] : a[i * k + l]) * (double) (tb ? bm[j * k + l]
                                            : bm[l * n + j]);
                                }
                                assertEquals(1.5 * s + 0.5 * c0[i * n + j], c[i * n + j], 1e-5,
                                        "transA=" + ta + " transB=" + tb + " c[" + i + "," + j + "]");
                            }
                        }
                    }
                }
            }
            float[] x = random(r, 4 * 3);
            float[] w = random(r, 2 * 3);
            float[] bias = {10, 20};
            try (Tensor tx = b.fromArray(Shape.of(4, 3), x); Tensor tw = b.fromArray(Shape.of(2, 3), w);
                    Tensor tbias = b.fromArray(Shape.of(2), bias); Tensor ty = b.allocate(Shape.of(4, 2))) {
                b.execute(new Linear.Forward(tx, tw, tbias, ty));
                float[] y = ty.toFloatArray();
                for (int i = 0; i < 4; i++) {
                    for (int o = 0; o < 2; o++) {
                        double s = bias[o];
                        for (int l = 0; l < 3; l++) {
                            s += x[i * 3 + l] * (double) w[o * 3 + l];
                        }
                        assertEquals(s, y[i * 2 + o], 1e-4, "y[" + i + "," + o + "]");
                    }
                }
            }
        }
    }

    private static float[] random(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) r.nextGaussian();
        }
        return f;
    }

    /**
     * The conformance suite against the fake device: the cuBLAS and driver operators are checked against the
     * reference; everything that needs cuDNN or the own kernels is skipped as unsupported.
     */
    @TestFactory
    Stream<DynamicNode> conformanceOnTheFakeDevice() {
        CudaProvider p = provider(oneDevice);
        assumeTrue(p.probe().available(), p.probe().detail());
        return ConformanceSuite.tests(p::open);
    }

    @Test
    void activationsNeedCudnnHere() {
        try (Backend b = provider(oneDevice).open(); Tensor x = b.allocate(Shape.of(3)); Tensor y = b.allocate(
                Shape.of(3))) {
            assertFalse(b.supports(new Activation.Forward(new Activation(Activation.Kind.RELU, 0), x, y)));
        }
    }
}
