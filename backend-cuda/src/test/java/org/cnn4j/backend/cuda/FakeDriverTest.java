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
import org.cnn4j.kernels.host.KernelSignatures;
import org.cnn4j.kernels.host.KernelSource;
import org.cnn4j.ops.Activation;
import org.cnn4j.ops.Conv2d;
import org.cnn4j.ops.Fill;
import org.cnn4j.ops.Gemm;
import org.cnn4j.ops.Linear;
import org.cnn4j.spi.LibraryLoader;
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
 * mapping, and runs the conformance suite on the operators that need neither cuDNN nor kernels. The fake NVRTC
 * echoes the source into its "PTX" and the fake driver loads it, finds entries by their declaration and checks
 * and counts launches without running them, so every operator's kernel launches are checked against the
 * portable sources. It says nothing about a GPU's numerics or cuDNN. Skipped where gcc is missing.
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
        Files.copy(oneDevice.resolve("libnvrtc.so.13"), withCudnn.resolve("libnvrtc.so.13"));
        failingCublas = Files.createDirectories(dir.resolve("failing"));
        gcc(cuda, failingCublas.resolve("libcuda.so.1"), "-DDEVICES=1");
        gcc(cublas, failingCublas.resolve("libcublas.so.13"), "-DFAIL_SET_STREAM");
        Files.copy(oneDevice.resolve("libnvrtc.so.13"), failingCublas.resolve("libnvrtc.so.13"));
        wheel = Files.createDirectories(dir.resolve("wheel"));
        gcc(cuda, wheel.resolve("libcuda.so.1"), "-DDEVICES=1");
        gcc(source("fake_cublasLt.c"), wheel.resolve("libcublasLt.so.13"), "-Wl,-soname,libcublasLt.so.13");
        gcc(cublas, wheel.resolve("libcublas.so.13"), "-DNEEDS_LT", "-L" + wheel, "-l:libcublasLt.so.13");
        Files.copy(oneDevice.resolve("libnvrtc.so.13"), wheel.resolve("libnvrtc.so.13"));
        threads = Files.createDirectories(dir.resolve("threads"));
        gcc(cuda, threads.resolve("libcuda.so.1"), "-DDEVICES=1");
        gcc(cublas, threads.resolve("libcublas.so.13"));
        Files.copy(oneDevice.resolve("libnvrtc.so.13"), threads.resolve("libnvrtc.so.13"));
        oldDriver = Files.createDirectories(dir.resolve("olddriver"));
        gcc(cuda, oldDriver.resolve("libcuda.so.1"), "-DDEVICES=1", "-DREFUSE_CUBIN");
        gcc(cublas, oldDriver.resolve("libcublas.so.13"));
        gcc(dir.resolve("fake_nvrtc.c"), oldDriver.resolve("libnvrtc.so.13"), "-DNVRTC_MINOR=1");
        noCublas = Files.createDirectories(dir.resolve("nocublas"));
        gcc(cuda, noCublas.resolve("libcuda.so.1"), "-DDEVICES=1");
        Files.copy(oneDevice.resolve("libnvrtc.so.13"), noCublas.resolve("libnvrtc.so.13"));
        graphs = Files.createDirectories(dir.resolve("graphs"));
        gcc(cuda, graphs.resolve("libcuda.so.1"), "-DDEVICES=1");
        gcc(cublas, graphs.resolve("libcublas.so.13"));
        Files.copy(oneDevice.resolve("libnvrtc.so.13"), graphs.resolve("libnvrtc.so.13"));
        steps = Files.createDirectories(dir.resolve("steps"));
        gcc(cuda, steps.resolve("libcuda.so.1"), "-DDEVICES=1");
        gcc(cublas, steps.resolve("libcublas.so.13"));
        Files.copy(oneDevice.resolve("libnvrtc.so.13"), steps.resolve("libnvrtc.so.13"));
        noNvrtc = Files.createDirectories(dir.resolve("nonvrtc"));
        gcc(cuda, noNvrtc.resolve("libcuda.so.1"), "-DDEVICES=1");
        gcc(cublas, noNvrtc.resolve("libcublas.so.13"));
    }

    static Path failingCublas;
    /** A fresh driver for the training-step tests, whose stream-order call log no other test touches. */
    static Path steps;
    static Path noNvrtc;
    /** cuBLAS that needs libcublasLt beside it at load time (DT_NEEDED, no RUNPATH), as in NVIDIA's wheels. */
    static Path wheel;
    static Path threads;
    /** A driver that refuses cubins (older than the compiler), with NVRTC 13.1. */
    static Path oldDriver;
    static Path noCublas;
    /** A fresh driver for the graph and step tests, whose counters and call log no other test touches. */
    static Path graphs;

    static String graphLog() {
        java.lang.foreign.SymbolLookup lib = LibraryLoader.system().byPath(graphs.resolve("libcuda.so.1"));
        java.lang.invoke.MethodHandle h = java.lang.foreign.Linker.nativeLinker().downcallHandle(
                lib.find("fake_cuda_graph_log").orElseThrow(),
                java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.ADDRESS));
        return ((java.lang.foreign.MemorySegment) Native.value(h)).reinterpret(8192).getString(0);
    }

    /**
     * A small training step of the own kernels: convolution (im2col scratch), leaky ReLU into a tensor made and
     * released within the step, a sum over axes (which writes its axis table from the host).
     */
    private static void step(Backend b, Tensor x, Tensor w, Tensor y, Tensor s) {
        try (Tensor z = b.allocate(y.shape())) {
            b.execute(new Conv2d.Forward(Conv2d.of(1, 1), x, w, null, y));
            b.execute(new Activation.Forward(new Activation(Activation.Kind.LEAKY_RELU, 0.1), y, z));
            b.execute(new org.cnn4j.ops.SumAxes.Run(org.cnn4j.ops.SumAxes.of(0, 2, 3), z, s));
        }
    }

    /**
     * A step captured once ({@code cuStreamBeginCapture_v2} in relaxed mode ... {@code cuStreamEndCapture},
     * {@code cuGraphInstantiateWithFlags}) and replayed with one {@code cuGraphLaunch} each, without a host wait;
     * its scratch blocks stay the graph's until it is closed ({@code cuGraphExecDestroy}, {@code cuGraphDestroy}).
     */
    @Test
    void aStepIsCapturedOnceAndReplayedAsOneGraphLaunchPerBatch() {
        CudaBackend.Options o = CudaBackend.Options.fromSystemProperties();
        try (CudaBackend b = provider(graphs).open(new CudaBackend.Options(false, false, o.workspaceLimit(),
                o.ptxStore(), true)); Tensor x = b.allocate(Shape.of(2, 1, 5, 5));
                Tensor w = b.allocate(Shape.of(2, 1, 3, 3)); Tensor y = b.allocate(Shape.of(2, 2, 5, 5));
                Tensor s = b.allocate(Shape.of(2))) {
            long l0 = launches(graphs);
            step(b, x, w, y, s);
            long perStep = launches(graphs) - l0;
            assertTrue(perStep >= 3, perStep + " launches");
            String log0 = graphLog();
            int syncs = cudaFake(graphs, "fake_cuda_syncs");
            long cached = b.allocator.cachedBytes();
            CudaBackend.Graph g = b.capture(() -> step(b, x, w, y, s));
            assertEquals(perStep + l0, launches(graphs), "captured, not run");
            assertEquals("begin(mode 2) end(" + perStep + " launches) instantiate", graphLog().substring(
                    log0.length()).strip());
            assertTrue(b.allocator.cachedBytes() < cached, "the step's scratch blocks are the graph's now");
            for (int i = 0; i < 3; i++) {
                x.copyFrom(new float[50]);
                g.launch();
            }
            assertEquals(l0 + 4 * perStep, launches(graphs), "each replay runs the step's launches");
            assertEquals(3, cudaFake(graphs, "fake_cuda_graph_launches"));
            assertEquals(syncs, cudaFake(graphs, "fake_cuda_syncs"), "no host wait in three steps");
            assertEquals(0, b.stagingWaits, "the uploads took turns in the staging ring");
            s.toFloatArray();
            assertEquals(syncs + 1, cudaFake(graphs, "fake_cuda_syncs"), "reading the result waits, once");
            g.close();
            assertEquals(cached, b.allocator.cachedBytes(), "closing the graph gives its blocks back");
            assertTrue(graphLog().endsWith("launch launch launch exec-destroy destroy"), graphLog());

            IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.capture(() -> {
                step(b, x, w, y, s);
                b.synchronize();
            }));
            assertTrue(e.getMessage().startsWith("synchronize() inside a CUDA graph capture"), e.getMessage());
            assertTrue(graphLog().endsWith("begin(mode 2) end(" + perStep + " launches) destroy"), graphLog());
            assertEquals(cached, b.allocator.cachedBytes(), "a failed capture keeps no block");
            step(b, x, w, y, s);
            assertEquals(l0 + 5 * perStep, launches(graphs), "the backend runs eagerly again");
        }
    }

    /**
     * With {@code fastStep}, a step's uploads take turns in four staging buffers with events and never wait for
     * the device; without, the second upload waits for the first (a stream synchronization per step).
     */
    @Test
    void fastStepUploadsWithoutHostSynchronization() {
        CudaBackend.Options o = CudaBackend.Options.fromSystemProperties();
        for (boolean fast : new boolean[] {false, true}) {
            try (CudaBackend b = provider(graphs).open(new CudaBackend.Options(false, false, o.workspaceLimit(),
                    o.ptxStore(), fast)); Tensor x = b.allocate(Shape.of(2, 1, 5, 5));
                    Tensor w = b.allocate(Shape.of(2, 1, 3, 3)); Tensor y = b.allocate(Shape.of(2, 2, 5, 5));
                    Tensor s = b.allocate(Shape.of(2))) {
                step(b, x, w, y, s);
                int syncs = cudaFake(graphs, "fake_cuda_syncs");
                for (int i = 0; i < 3; i++) {
                    x.copyFrom(new float[50]);
                    w.copyFrom(new float[18]);
                    step(b, x, w, y, s);
                }
                if (fast) {
                    assertEquals(syncs, cudaFake(graphs, "fake_cuda_syncs"), "three steps, no host wait");
                    assertEquals(0, b.stagingWaits);
                } else {
                    assertTrue(cudaFake(graphs, "fake_cuda_syncs") >= syncs + 3, "a wait per step without it");
                }
                assertArrayEquals(new float[2], s.toFloatArray(), 0f);
            }
        }
    }

    static int cudaFake(Path libDir, String name) {
        return fakeInt(libDir, "libcuda.so.1", name);
    }

    /**
     * A folder on no loader path (no LD_LIBRARY_PATH, no RUNPATH): libcublas.so.13 loads only because
     * libcublasLt.so.13 of the same folder was opened first.
     */
    @Test
    void cublasLoadsFromAFolderOnNoLoaderPathWithItsLtOpenedFirst() {
        Probe p = provider(wheel).probe();
        assertTrue(p.available(), p.detail());
        assertTrue(p.detail().contains("libcublas.so.13 loaded from " + wheel.resolve("libcublas.so.13")),
                p.detail());
    }

    /** What another library (NCCL) needs: a tensor's device address and the stream, with the context current. */
    @Test
    void devicePointerAndStreamAreGivenToOtherLibraries() throws Exception {
        try (CudaBackend b = (CudaBackend) provider(oneDevice).open(); Tensor x = b.allocate(Shape.of(4));
                Tensor v = x.reshape(Shape.of(2, 2));
                Backend cpu = new org.cnn4j.backend.reference.ReferenceBackend(); Tensor h = cpu.allocate(
                        Shape.of(4))) {
            assertEquals(((CudaTensor) x).pointer(), b.devicePointer(x));
            assertEquals(b.devicePointer(x), b.devicePointer(v), "a view has its base's address");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.devicePointer(h));
            assertTrue(e.getMessage().startsWith("tensor "), e.getMessage());
            assertTrue(e.getMessage().contains(" is not a tensor of this cuda backend ("), e.getMessage());
            long[] seen = new long[1];
            Thread t = new Thread(() -> b.onStream(s -> {
                seen[0] = s;
                b.allocator.cachedBytes(); // the lock is held: the backend's own work waits for the call
            }));
            t.start();
            t.join();
            assertEquals(b.stream.address(), seen[0]);
            assertTrue(seen[0] != 0);
        }
    }

    @Test
    void cublasRunsWithDefaultMathNeverTf32() {
        try (Backend b = provider(oneDevice).open()) {
            assertEquals(Cublas.DEFAULT_MATH, fakeInt(oneDevice, "libcublas.so.13", "fake_cublas_math_mode"));
        }
    }

    /**
     * The primary context is retained once however many backends open and close, and each thread that enters
     * a backend makes it current once (the fake driver, like the real one, refuses work on a thread with no
     * current context).
     */
    @Test
    void thePrimaryContextIsRetainedOnceAndMadeCurrentOnEveryCallingThread() throws Exception {
        CudaProvider p = provider(threads);
        p.open().close();
        try (Backend b = p.open()) {
            assertEquals(1, cudaFake(threads, "fake_cuda_retains"), "retained once per process");
            int calls = cudaFake(threads, "fake_cuda_set_current_calls");
            float[][] got = new float[1][];
            Throwable[] failure = new Throwable[1];
            Thread t = new Thread(() -> {
                try (Tensor x = b.fromArray(Shape.of(3), new float[] {1, 2, 3})) {
                    b.execute(new Fill.Run(new Fill(4), x));
                    got[0] = x.toFloatArray();
                } catch (Throwable e) {
                    failure[0] = e;
                }
            });
            t.start();
            t.join();
            if (failure[0] != null) {
                throw new AssertionError("the backend used from a second thread", failure[0]);
            }
            assertArrayEquals(new float[] {4, 4, 4}, got[0]);
            assertEquals(calls + 1, cudaFake(threads, "fake_cuda_set_current_calls"),
                    "cuCtxSetCurrent once on the new thread, not once per call");
            try (Tensor y = b.allocate(Shape.of(2))) {
                assertArrayEquals(new float[2], y.toFloatArray());
            }
            assertEquals(calls + 1, cudaFake(threads, "fake_cuda_set_current_calls"), "this thread had it already");
        }
        assertEquals(1, cudaFake(threads, "fake_cuda_retains"));
        assertEquals(0, cudaFake(threads, "fake_cuda_streams"), "every stream destroyed");
    }

    /** Without NVRTC the prebuilt kernels serve: every operator's every launch finds its entry in them. */
    @Test
    void withoutNvrtcThePrebuiltKernelsServeEveryOperator() {
        Probe p = provider(noNvrtc).probe();
        assertTrue(p.available(), p.detail());
        assertTrue(p.detail().contains("NVRTC absent: prebuilt kernels (nvcc 13."), p.detail());
        int fatbins = cudaFake(noNvrtc, "fake_cuda_fatbins");
        List<String> problems = new java.util.ArrayList<>();
        java.util.Set<String> launched = launchesOfEveryOperator(noNvrtc, KernelSignatures.all(), problems, false);
        assertTrue(problems.isEmpty(), problems.size() + " problem(s):\n" + String.join("\n",
                problems.subList(0, Math.min(40, problems.size()))));
        java.util.Set<String> expected = new java.util.TreeSet<>(KernelSignatures.all().keySet());
        expected.removeAll(NOT_LAUNCHED);
        assertEquals(expected, new java.util.TreeSet<>(launched), "every kernel, as with NVRTC");
        int loaded = cudaFake(noNvrtc, "fake_cuda_fatbins") - fatbins;
        assertTrue(loaded > 5 && loaded <= KernelSource.STEMS.size(), loaded + " fatbins: one per kernel file");
    }

    @Test
    void theProbeShowsNvrtcAndDriverVersionsAndTheKernelsLoadAsCubins() {
        Probe p = provider(oneDevice).probe();
        assertTrue(p.detail().contains("versions: driver CUDA 13.0, NVRTC 13.0; kernels as sm_90 cubins (compute_90"
                + " PTX if one is refused)"), p.detail());
        int cubins = cudaFake(oneDevice, "fake_cuda_cubins");
        try (Backend b = provider(oneDevice).open(); Tensor x = b.allocate(Shape.of(4)); Tensor y = b.allocate(
                Shape.of(4))) {
            b.execute(new Activation.Forward(new Activation(Activation.Kind.LEAKY_RELU, 0.1), x, y));
            assertEquals(cubins + 1, cudaFake(oneDevice, "fake_cuda_cubins"), "activation.k loaded as a cubin");
            assertTrue(((CudaBackend) b).kernels.fallbacks().isEmpty());
        }
    }

    /** NVRTC 13.1 on a 13.0 driver that refuses the cubin: the PTX fallback loads, and the probe says why. */
    @Test
    void aCubinTheDriverRefusesFallsBackToPtx() {
        Probe p = provider(oldDriver).probe();
        assertTrue(p.detail().contains("versions: driver CUDA 13.0, NVRTC 13.1; kernels as sm_90 cubins (compute_90"
                + " PTX if one is refused); NVRTC is newer than the driver: its PTX would not load, its cubins do"),
                p.detail());
        try (Backend b = provider(oldDriver).open(); Tensor x = b.allocate(Shape.of(4)); Tensor y = b.allocate(
                Shape.of(4))) {
            long before = launches(oldDriver);
            b.execute(new Activation.Forward(new Activation(Activation.Kind.LEAKY_RELU, 0.1), x, y));
            assertEquals(before + 1, launches(oldDriver), "launched from the PTX module");
            assertEquals(1, cudaFake(oldDriver, "fake_cuda_refused"));
            List<String> fb = ((CudaBackend) b).kernels.fallbacks();
            assertEquals(1, fb.size());
            assertTrue(fb.get(0).startsWith("activation.k: ") && fb.get(0).contains("CUDA_ERROR_NO_BINARY_FOR_GPU"),
                    fb.toString());
        }
    }

    /** Without cuBLAS, GEMM, the fully connected layer, add, scale and axpy run on gemm.k and elementwise.k. */
    @TestFactory
    Stream<DynamicNode> withoutCublasItsOperatorsComputeOnTheOwnKernels() {
        PoclLaunches cl = PoclLaunches.openOrSkip();
        CudaProvider p = provider(noCublas);
        assertTrue(p.probe().detail().contains("cuBLAS absent"), p.probe().detail());
        List<org.cnn4j.conformance.OpCase> cases = ConformanceSuite.cases().stream()
                .filter(c -> HOST_COMPUTED.contains(c.op())).toList();
        Backend[] open = new Backend[2];
        return Stream.concat(onOpenCl(cl, cases, open, () -> {
            CudaBackend b = p.open(CudaBackend.Options.fromSystemProperties());
            assertFalse(b.cublasOn());
            return b;
        }), Stream.of(org.junit.jupiter.api.DynamicTest.dynamicTest("close", () -> {
            closeAll(open);
            assertTrue(cl.launches() > 0);
            cl.close();
        })));
    }

    @Test
    void aBackendThatCannotStartGivesBackTheContextAndStream() throws Throwable {
        org.cnn4j.core.NativeCallException e = assertThrows(org.cnn4j.core.NativeCallException.class,
                () -> provider(failingCublas).open());
        assertEquals("cublasSetStream_v2", e.function());
        assertEquals("CUBLAS_STATUS_INTERNAL_ERROR", e.status());
        java.lang.foreign.SymbolLookup lib = LibraryLoader.system().byPath(
                failingCublas.resolve("libcuda.so.1"));
        java.lang.invoke.MethodHandle held = java.lang.foreign.Linker.nativeLinker().downcallHandle(
                lib.find("fake_cuda_held").orElseThrow(),
                java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT));
        assertEquals(1, (int) Native.value(held), "stream destroyed; the primary context stays retained, once");
    }

    /** Calls {@code int name(int...)} of the fake library {@code file} in {@code libDir}. */
    static int fakeInt(Path libDir, String file, String name, int... args) {
        java.lang.foreign.SymbolLookup lib = LibraryLoader.system().byPath(libDir.resolve(file));
        java.lang.foreign.MemoryLayout[] params = new java.lang.foreign.MemoryLayout[args.length];
        java.util.Arrays.fill(params, java.lang.foreign.ValueLayout.JAVA_INT);
        java.lang.invoke.MethodHandle h = java.lang.foreign.Linker.nativeLinker().downcallHandle(
                lib.find(name).orElseThrow(), java.lang.foreign.FunctionDescriptor.of(
                        java.lang.foreign.ValueLayout.JAVA_INT, params));
        Object[] boxed = new Object[args.length];
        for (int i = 0; i < args.length; i++) {
            boxed[i] = args[i];
        }
        return (int) Native.value(h, boxed);
    }

    static int cudnnFake(String name, int... args) {
        return fakeInt(withCudnn, "libcudnn.so.9", name, args);
    }

    /**
     * The fake's list, in heuristic order: algo 6 needs 1 TiB, 1 failed, 0 is not deterministic, 5 needs 2^63 bytes
     * (a negative long), 7 uses tensor-op math, 2 (FMA, 1 KiB) and 4 (default math, none) are usable.
     */
    @Test
    void cudnnChoosesOnlyDeterministicAlgorithmsThatFitWithoutTensorOpMath() {
        java.lang.foreign.SymbolLookup lib = LibraryLoader.system().byPath(withCudnn.resolve("libcudnn.so.9"));
        Cudnn dnn = new Cudnn(lib, 9);
        assertEquals(90100, dnn.version());
        java.lang.foreign.MemorySegment h = dnn.create();
        try (Cudnn.Descriptors s = dnn.descriptors()) {
            var x = s.tensor(2, 3, 5, 5);
            var w = s.filter(4, 3, 3, 3);
            var c = s.convolution(1, 1, 1, 1, 1, 1, 1, Cudnn.FMA_MATH);
            var y = s.tensor(2, 4, 5, 5);
            assertEquals(List.of(new Cudnn.Algo(2, 1024, Cudnn.FMA_MATH), new Cudnn.Algo(4, 0, Cudnn.FMA_MATH)),
                    dnn.candidates(h, Cudnn.Direction.FORWARD, x, w, c, y, 256L << 20, false),
                    "deterministic, within the limit (2^63 compared unsigned), no tensor-op math; default math runs"
                            + " as FMA");
            assertEquals(List.of(new Cudnn.Algo(7, 64, Cudnn.TENSOR_OP_MATH), new Cudnn.Algo(2, 1024, Cudnn.FMA_MATH),
                    new Cudnn.Algo(4, 0, Cudnn.DEFAULT_MATH)), dnn.candidates(h, Cudnn.Direction.BACKWARD_FILTER, x,
                            y, c, w, 256L << 20, true), "-Dcnn4j.cuda.tf32=true admits tensor-op math");
            assertEquals(List.of(new Cudnn.Algo(4, 0, Cudnn.FMA_MATH)), dnn.candidates(h,
                    Cudnn.Direction.BACKWARD_DATA, w, y, c, x, 100, false));
            assertEquals(List.of(6, 5, 7, 2, 4), dnn.candidates(h, Cudnn.Direction.FORWARD, x, w, c, y, -1L, true)
                    .stream().map(Cudnn.Algo::algo).toList(),
                    "a limit of 2^64 - 1 admits every successful deterministic entry, 2^63 bytes included");
            assertEquals(4, s.size());
            assertEquals(s.tensor(2, 3, 5, 5), x, "a descriptor is made once per geometry");
            assertEquals(4, s.created());
            org.cnn4j.core.NativeCallException bad = assertThrows(org.cnn4j.core.NativeCallException.class,
                    () -> s.tensor(0, 1, 1, 1));
            assertEquals("CUDNN_STATUS_BAD_PARAM", bad.status());
            assertEquals("cudnnSetTensor4dDescriptor", bad.function());
            assertTrue(bad.getMessage().endsWith(": CUDNN_STATUS_BAD_PARAM: fake detail"), bad.getMessage());
            assertEquals(4, s.size(), "a descriptor that could not be set is destroyed, not kept");
        }
        assertEquals(0, cudnnFake("fake_cudnn_live"), "every descriptor was destroyed on close");
    }

    @Test
    void noUsableAlgorithmSaysWhyEachWasPassedOver() {
        java.lang.foreign.SymbolLookup lib = LibraryLoader.system().byPath(withCudnn.resolve("libcudnn.so.9"));
        Cudnn dnn = new Cudnn(lib, 9);
        java.lang.foreign.MemorySegment h = dnn.create();
        try (Cudnn.Descriptors s = dnn.descriptors()) {
            var x = s.tensor(1, 1, 3, 3);
            var w = s.filter(1, 1, 1, 1);
            var c = s.convolution(0, 0, 1, 1, 1, 1, 1, Cudnn.FMA_MATH);
            cudnnFake("fake_cudnn_drop_last", 1);
            try {
                org.cnn4j.core.NativeCallException none = assertThrows(org.cnn4j.core.NativeCallException.class,
                        () -> dnn.candidates(h, Cudnn.Direction.FORWARD, x, w, c, x, 1000, false));
                assertEquals("cudnnGetConvolutionForwardAlgorithm_v7", none.function());
                assertTrue(none.getMessage().contains("none of 6 algorithms is usable: 1 failed, 1 not deterministic,"
                        + " 3 need more than the workspace limit of 1000 bytes, 1 use tensor-op math (TF32 off)"),
                        none.getMessage());
            } finally {
                cudnnFake("fake_cudnn_drop_last", 0);
            }
        }
    }

    @Test
    void withCudnnTheBackendServesItsOperatorsThroughIt() {
        CudaProvider p = provider(withCudnn);
        assertTrue(p.probe().detail().contains("cuDNN 90100"), p.probe().detail());
        try (Backend b = p.open(); Tensor x = b.allocate(Shape.of(1, 1, 3, 3)); Tensor w = b.allocate(
                Shape.of(1, 1, 1, 1)); Tensor y = b.allocate(Shape.of(1, 1, 3, 3))) {
            Conv2d.Forward op = new Conv2d.Forward(Conv2d.of(1, 0), x, w, null, y);
            assertTrue(b.supports(op));
            long before = launches(withCudnn);
            b.execute(op);
            b.execute(new Activation.Forward(new Activation(Activation.Kind.RELU, 0), x, y));
            assertEquals(before, launches(withCudnn), "ReLU and convolution ran on cuDNN");
            Activation.Forward leaky = new Activation.Forward(new Activation(Activation.Kind.LEAKY_RELU, 0.1), x, y);
            assertTrue(b.supports(leaky));
            b.execute(leaky);
            assertEquals(before + 1, launches(withCudnn), "leaky ReLU has no cuDNN mode: one own-kernel launch");
            assertFalse(b.device().contains("own kernels"), b.device());
        }
    }

    /**
     * Algorithm 2 of the fake fails in convolution forward with CUDNN_STATUS_NOT_SUPPORTED: the call goes on with
     * algorithm 4, with FMA math set on the descriptor, and later calls of the shape go to 4 directly, with the
     * shape's descriptors and algorithm list reused; every descriptor is destroyed at close.
     */
    @Test
    void aFailingAlgorithmFallsBackToTheNextAndTheChoiceIsKeptPerShape() {
        int created0 = cudnnFake("fake_cudnn_created");
        try (Backend b = provider(withCudnn).open(); Tensor x = b.allocate(Shape.of(2, 3, 6, 6));
                Tensor w = b.allocate(Shape.of(4, 3, 3, 3)); Tensor y = b.allocate(Shape.of(2, 4, 6, 6))) {
            int f2 = cudnnFake("fake_cudnn_attempts", 0, 2);
            int f4 = cudnnFake("fake_cudnn_attempts", 0, 4);
            int bf2 = cudnnFake("fake_cudnn_attempts", 2, 2);
            Conv2d conv = Conv2d.of(1, 1);
            b.execute(new Conv2d.Forward(conv, x, w, null, y));
            assertEquals(f2 + 1, cudnnFake("fake_cudnn_attempts", 0, 2), "algorithm 2 tried first");
            assertEquals(f4 + 1, cudnnFake("fake_cudnn_attempts", 0, 4), "then algorithm 4");
            assertEquals(Cudnn.FMA_MATH, cudnnFake("fake_cudnn_last_math"), "a default-math entry runs as FMA");
            int made = cudnnFake("fake_cudnn_created") - created0;
            assertEquals(4, made, "x, w, conv and y descriptors");
            b.execute(new Conv2d.Forward(conv, x, w, null, y));
            assertEquals(f2 + 1, cudnnFake("fake_cudnn_attempts", 0, 2), "the failed algorithm is not tried again");
            assertEquals(f4 + 2, cudnnFake("fake_cudnn_attempts", 0, 4));
            b.execute(new Conv2d.BackwardFilter(conv, x, y, w, null));
            assertEquals(bf2 + 1, cudnnFake("fake_cudnn_attempts", 2, 2), "backward filter: algorithm 2 works");
            assertEquals(Cudnn.FMA_MATH, cudnnFake("fake_cudnn_last_math"));
            assertEquals(1024, cudnnFake("fake_cudnn_last_workspace"), "its workspace is passed");
            assertEquals(made, cudnnFake("fake_cudnn_created") - created0, "no descriptor made for a seen shape");
        }
        assertEquals(0, cudnnFake("fake_cudnn_live"), "every descriptor destroyed at close");
    }

    /**
     * cuDNN's pooling has no dilation: dilated max pooling runs on pool2d.k in both directions, while the same
     * window undilated runs its forward on cuDNN; the inference-mode batch-norm backward runs on batchnorm.k.
     */
    @Test
    void dilatedPoolingAndInferenceBatchNormBackwardRunOnTheOwnKernels() {
        org.cnn4j.ops.Pool2d plain = org.cnn4j.ops.Pool2d.max(2, 1);
        org.cnn4j.ops.Pool2d dilated = plain.withDilation(org.cnn4j.core.Size2d.of(2));
        try (Backend b = provider(withCudnn).open(); Tensor x = b.allocate(Shape.of(1, 2, 5, 5));
                Tensor y = b.allocate(plain.outputShape(Shape.of(1, 2, 5, 5)));
                Tensor yd = b.allocate(dilated.outputShape(Shape.of(1, 2, 5, 5)));
                Tensor dx = b.allocate(Shape.of(1, 2, 5, 5)); Tensor c = b.allocate(Shape.of(2));
                Tensor c2 = b.allocate(Shape.of(2)); Tensor dg = b.allocate(Shape.of(2));
                Tensor db = b.allocate(Shape.of(2))) {
            long before = launches(withCudnn);
            b.execute(new org.cnn4j.ops.Pool2d.Forward(plain, x, y));
            assertEquals(before, launches(withCudnn), "undilated max forward: cuDNN");
            b.execute(new org.cnn4j.ops.Pool2d.Forward(dilated, x, yd));
            assertTrue(launches(withCudnn) > before, "dilated max forward: pool2d.k");
            int poolBackward = cudnnFake("fake_cudnn_pool_backward_calls");
            long l = launches(withCudnn);
            b.execute(new org.cnn4j.ops.Pool2d.Backward(dilated, x, yd, dx));
            assertEquals(poolBackward, cudnnFake("fake_cudnn_pool_backward_calls"), "dilated backward: not cuDNN");
            assertTrue(launches(withCudnn) > l, "dilated backward: pool2d.k");
            l = launches(withCudnn);
            b.execute(new org.cnn4j.ops.BatchNorm.BackwardInference(org.cnn4j.ops.BatchNorm.defaults(), x, x, c, c,
                    c2, dx, dg, db));
            assertTrue(launches(withCudnn) > l, "inference-mode batch-norm backward: batchnorm.k");
        }
    }

    /**
     * Max pooling runs cuDNN's deterministic mode forward and pool2d.k backward (NaN and tie routing as PyTorch);
     * every activation backward runs on activation.k; average pooling backward stays on cuDNN.
     */
    @Test
    void maxPoolBackwardAndActivationBackwardRunOnTheOwnKernels() {
        try (Backend b = provider(withCudnn).open(); Tensor x = b.allocate(Shape.of(1, 2, 4, 4));
                Tensor y = b.allocate(Shape.of(1, 2, 2, 2)); Tensor dx = b.allocate(Shape.of(1, 2, 4, 4))) {
            org.cnn4j.ops.Pool2d max = org.cnn4j.ops.Pool2d.max(2, 2);
            b.execute(new org.cnn4j.ops.Pool2d.Forward(max, x, y));
            assertEquals(Cudnn.POOLING_MAX_DETERMINISTIC, cudnnFake("fake_cudnn_last_pool_mode"));
            int poolBackward = cudnnFake("fake_cudnn_pool_backward_calls");
            long before = launches(withCudnn);
            b.execute(new org.cnn4j.ops.Pool2d.Backward(max, x, y, dx));
            assertEquals(poolBackward, cudnnFake("fake_cudnn_pool_backward_calls"), "max backward: not cuDNN");
            assertTrue(launches(withCudnn) > before, "max backward: pool2d.k");
            org.cnn4j.ops.Pool2d avg = org.cnn4j.ops.Pool2d.avg(2, 2);
            b.execute(new org.cnn4j.ops.Pool2d.Backward(avg, x, y, dx));
            assertEquals(poolBackward + 1, cudnnFake("fake_cudnn_pool_backward_calls"), "average backward: cuDNN");
            for (Activation.Kind k : List.of(Activation.Kind.RELU, Activation.Kind.ELU, Activation.Kind.SIGMOID,
                    Activation.Kind.TANH)) {
                long l = launches(withCudnn);
                b.execute(new Activation.Backward(new Activation(k, 1.0), dx, dx, dx, x));
                assertTrue(launches(withCudnn) > l, k + " backward runs on activation.k");
            }
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
                List.of(), List.of()), new LibraryLoader() {
                    @Override
                    public java.lang.foreign.SymbolLookup byName(String fileName) {
                        throw new IllegalArgumentException("the loader path is not searched in this test");
                    }

                    @Override
                    public java.lang.foreign.SymbolLookup byPath(Path path) {
                        return LibraryLoader.system().byPath(path);
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
        Nvrtc nvrtc = new Nvrtc(LibraryLoader.system().byPath(oneDevice.resolve("libnvrtc.so.13")));
        assertArrayEquals(new int[] {13, 0}, nvrtc.version());
        byte[] ptx = nvrtc.compileToPtx("elementwise.k", "KERNEL void fill_f32() {}",
                new java.util.LinkedHashMap<>(Map.of("reduce.h", "#define X 1")),
                List.of("--gpu-architecture=compute_90", "-default-device"));
        assertEquals(0, ptx[ptx.length - 1], "NUL-terminated for cuModuleLoadData");
        String text = new String(ptx, 0, ptx.length - 1, java.nio.charset.StandardCharsets.UTF_8);
        assertEquals("// name elementwise.k\n// header reduce.h\n// option --gpu-architecture=compute_90\n"
                + "// option -default-device\nKERNEL void fill_f32() {}", text);
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
            assertTrue(b.supports(new Conv2d.Forward(Conv2d.of(1, 0), dummy(b, 1, 1, 3, 3), dummy(b, 1, 1, 1, 1),
                    null, dummy(b, 1, 1, 3, 3))), "no cuDNN: convolution runs on the own kernels");
            assertTrue(b.device().endsWith("; cuDNN absent: its operators run on the own kernels"), b.device());
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

    /** The operators that run on cuBLAS and the driver alone, and so compute for real on the fake device. */
    static final java.util.Set<String> HOST_COMPUTED = java.util.Set.of("Gemm.Run", "Linear.Forward",
            "Linear.BackwardData", "Linear.BackwardWeights", "Fill.Run", "Copy.Run", "Add.Run", "Scale.Run",
            "Axpy.Run");

    /**
     * The conformance suite against the fake device, on the operators that run on cuBLAS and the driver (the
     * fake device runs no kernel, so the others are checked by {@link #everyOperatorLaunchesDeclaredKernels}).
     */
    @TestFactory
    Stream<DynamicNode> conformanceOnTheFakeDevice() {
        CudaProvider p = provider(oneDevice);
        assumeTrue(p.probe().available(), p.probe().detail());
        List<org.cnn4j.conformance.OpCase> cases = ConformanceSuite.cases().stream()
                .filter(c -> HOST_COMPUTED.contains(c.op())).toList();
        assertTrue(cases.size() > 20, "cases: " + cases.size());
        Backend[] open = new Backend[2];
        return Stream.concat(cases.stream().map(c -> org.junit.jupiter.api.DynamicTest.dynamicTest(c.name(), () -> {
            if (open[0] == null) {
                open[0] = p.open();
                open[1] = org.cnn4j.core.Backends.open("reference");
            }
            org.cnn4j.conformance.CaseResult r = ConformanceSuite.run(open[0], open[1], c);
            assertFalse(r.failed(), r.message());
            assertFalse(r.skipped() && r.message().contains("does not support"), r.message());
            if (r.skipped()) {
                org.junit.jupiter.api.Assumptions.abort(r.message());
            }
        })), Stream.of(org.junit.jupiter.api.DynamicTest.dynamicTest("close", () -> {
            for (Backend b : open) {
                if (b != null) {
                    b.close();
                }
            }
        })));
    }

    static long launches(Path libDir) {
        java.lang.foreign.SymbolLookup lib = LibraryLoader.system().byPath(libDir.resolve("libcuda.so.1"));
        java.lang.invoke.MethodHandle h = java.lang.foreign.Linker.nativeLinker().downcallHandle(
                lib.find("fake_cuda_launches").orElseThrow(),
                java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_LONG));
        try {
            return (long) h.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int loadedModules(Path libDir) {
        java.lang.foreign.SymbolLookup lib = LibraryLoader.system().byPath(libDir.resolve("libcuda.so.1"));
        java.lang.invoke.MethodHandle h = java.lang.foreign.Linker.nativeLinker().downcallHandle(
                lib.find("fake_cuda_modules").orElseThrow(),
                java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT));
        try {
            return (int) h.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Entries that no operator launches: fill, add and scale run on the driver and cuBLAS. */
    static final java.util.Set<String> NOT_LAUNCHED = java.util.Set.of("fill_f32", "add_f32", "scale_f32");
    /** Entries that only the cuDNN-less path launches (channel_sum_f32: the convolution's bias gradient). */
    static final java.util.Set<String> CUDNN_REPLACES = java.util.Set.of("im2col_f32", "col2im_f32", "bias_add_f32",
            "channel_sum_f32",
            "gemm_f32", "batchnorm_forward_training_f32", "batchnorm_forward_inference_f32",
            "batchnorm_backward_f32", "softmax_forward_f32", "softmax_backward_f32");
    /** Reduction kernels that run one block per channel, the value of their parameter C. */
    static final java.util.Set<String> BLOCK_PER_CHANNEL = java.util.Set.of("channel_sum_f32",
            "prelu_weight_grad_f32", "batchnorm_forward_training_f32", "batchnorm_backward_f32",
            "batchnorm_backward_inference_f32");

    /**
     * Every operator, in both modes (no cuDNN: the own kernels for everything but cuBLAS's; with cuDNN: the own
     * kernels for what cuDNN lacks), on the conformance suite's cases: the backend supports the call, and each
     * kernel launch names an entry its file declares, passes as many arguments as the kernel has parameters with
     * the right sizes and kinds (8-byte pointers; 4-byte int, uint, float) and non-null pointers, and has a grid that
     * covers the work: element kernels {@code ceil(bound / block)} blocks for their bound parameter, reductions
     * blocks of REDUCE_WG threads (their shared arrays' size), one per channel, GEMM 16 x 16 threads per 64 x 64
     * tile. The launches go through the fake driver for real: NVRTC binding, module load, entry lookup by name
     * in the compiled source, {@code cuLaunchKernel}'s argument marshalling.
     */
    @Test
    void everyOperatorLaunchesDeclaredKernels() {
        Map<String, KernelSignatures.Kernel> sigs = KernelSignatures.all();
        List<String> problems = new java.util.ArrayList<>();
        java.util.Set<String> withoutCudnn = launchesOfEveryOperator(oneDevice, sigs, problems, false);
        java.util.Set<String> withDnn = launchesOfEveryOperator(withCudnn, sigs, problems, true);
        assertTrue(problems.isEmpty(), problems.size() + " problem(s):\n" + String.join("\n",
                problems.subList(0, Math.min(40, problems.size()))));
        java.util.Set<String> expected = new java.util.TreeSet<>(sigs.keySet());
        expected.removeAll(NOT_LAUNCHED);
        assertEquals(expected, new java.util.TreeSet<>(withoutCudnn), "without cuDNN every kernel but "
                + NOT_LAUNCHED + " is launched by some operator");
        java.util.Set<String> own = new java.util.TreeSet<>(expected);
        own.removeAll(CUDNN_REPLACES);
        assertEquals(own, new java.util.TreeSet<>(withDnn), "with cuDNN, the kernels of what cuDNN lacks");
    }

    private static java.util.Set<String> launchesOfEveryOperator(Path libDir, Map<String, KernelSignatures.Kernel> sigs,
            List<String> problems, boolean cudnn) {
        java.util.Set<String> launched = new java.util.HashSet<>();
        String[] current = {""};
        int[] observed = {0};
        java.util.Map<String, Integer> perOp = new java.util.HashMap<>();
        try (Backend backend = provider(libDir).open(); Backend reference = org.cnn4j.core.Backends.open(
                "reference")) {
            CudaBackend b = (CudaBackend) backend;
            assertEquals(cudnn, b.cudnnOn());
            b.colLimitFloats = 200; // small chunks, so the convolution's chunked loops run too
            b.elementBlock = 16; // small blocks, so a grid sized from the wrong count shows
            b.launchObserver = (stem, entry, args, gx, gy, gz, bx, by, bz) -> {
                observed[0]++;
                launched.add(entry);
                String where = (cudnn ? "[cuDNN] " : "[no cuDNN] ") + current[0] + ": " + entry;
                try {
                    check(sigs, stem, entry, args, new int[] {gx, gy, gz, bx, by, bz}, where, problems);
                } catch (RuntimeException e) {
                    problems.add(where + ": " + e);
                }
            };
            for (org.cnn4j.conformance.OpCase c : ConformanceSuite.cases()) {
                // the first 8 samples of each call and every edge case (a family's later variants are there)
                if (c.kind() == org.cnn4j.conformance.OpCase.Kind.ERROR
                        || (c.kind() == org.cnn4j.conformance.OpCase.Kind.SAMPLE
                                && perOp.merge(c.op(), 1, Integer::sum) > 8)) {
                    continue;
                }
                current[0] = c.name();
                long before = launches(libDir);
                int seen = observed[0];
                org.cnn4j.conformance.CaseResult r = ConformanceSuite.run(b, reference, c);
                String m = r.message();
                if (r.skipped() && m.contains("does not support")) {
                    problems.add(c.name() + ": " + m);
                }
                if (r.failed() && (m.contains("executing on '") || m.contains("the case could not be run")
                        || HOST_COMPUTED.contains(c.op()))) {
                    problems.add(c.name() + ": " + m.lines().limit(6).collect(java.util.stream.Collectors.joining(
                            " / ")));
                }
                if (launches(libDir) - before != observed[0] - seen) {
                    problems.add(c.name() + ": " + (observed[0] - seen) + " launches seen, "
                            + (launches(libDir) - before) + " reached cuLaunchKernel; " + r.status() + " " + m);
                }
            }
        }
        assertEquals(0, loadedModules(libDir), "every module unloaded at close");
        return launched;
    }

    private static void check(Map<String, KernelSignatures.Kernel> sigs, String stem, String entry,
            CudaKernels.Args args, int[] g, String where, List<String> problems) {
        KernelSignatures.Kernel k = sigs.get(entry);
        if (k == null || !k.stem().equals(stem)) {
            problems.add(where + ": not declared in " + stem + ".k");
            return;
        }
        if (args.count() != k.params().size()) {
            problems.add(where + ": " + args.count() + " arguments for " + k.params().size() + " parameters");
            return;
        }
        for (int i = 0; i < args.count(); i++) {
            KernelSignatures.Param p = k.params().get(i);
            if (args.size(i) != p.bytes()) {
                problems.add(where + ": argument " + i + " (" + p.type() + " " + p.name() + ") has " + args.size(i)
                        + " bytes");
            }
            char expected = p.pointer() ? 'p' : p.type().contains("float") ? 'f' : 'i';
            if (args.kind(i) != expected) {
                problems.add(where + ": argument " + i + " (" + p.type() + " " + p.name() + ") set as '"
                        + args.kind(i) + "'");
            }
            if (p.pointer() && args.slotBits(i) == 0) {
                problems.add(where + ": argument " + i + " (" + p.name() + ") is a null pointer");
            }
        }
        int gx = g[0];
        int gy = g[1];
        int gz = g[2];
        int bx = g[3];
        int by = g[4];
        int bz = g[5];
        java.util.function.ToIntFunction<String> value = name -> (int) args.slotBits(k.index(name));
        String geometry = " grid (" + gx + "," + gy + "," + gz + ") block (" + bx + "," + by + "," + bz + ")";
        if (entry.equals("gemm_f32")) {
            int m = value.applyAsInt("M");
            int n = value.applyAsInt("N");
            if (bx != 16 || by != 16 || bz != 1 || gx != (n + 63) / 64 || gy != (m + 63) / 64 || gz < 1) {
                problems.add(where + ": M=" + m + " N=" + n + geometry);
            }
        } else if (k.usesReduceGroup()) {
            boolean ok = bx == 256 && by == 1 && bz == 1 && gy == 1 && gz == 1;
            if (BLOCK_PER_CHANNEL.contains(entry)) {
                ok &= gx == value.applyAsInt("C");
            } else if (entry.equals("reduce_scalar_f32")) {
                ok &= gx == 1;
            } else {
                ok &= gx >= 1;
            }
            if (!ok) {
                problems.add(where + ":" + geometry);
            }
        } else if (k.bound() != null) {
            long bound = value.applyAsInt(k.bound());
            long threads = (long) gx * bx;
            if (gy != 1 || gz != 1 || by != 1 || bz != 1 || threads < bound || threads - bx >= bound) {
                problems.add(where + ": " + k.bound() + "=" + bound + geometry);
            }
        } else {
            problems.add(where + ": neither an element kernel nor a known reduction");
        }
    }

    /**
     * The reliability battery's bad-input and NaN/infinity groups on the fake device without cuDNN, each kernel
     * launch run on OpenCL as below: the CUDA backend's own kernels and its host-side checks, not a GPU's libraries.
     */
    @TestFactory
    Stream<DynamicNode> reliabilityOnTheFakeDeviceWithOpenClLaunches() {
        PoclLaunches cl = PoclLaunches.openOrSkip();
        CudaProvider p = provider(oneDevice);
        return Stream.concat(org.cnn4j.conformance.ReliabilitySuite.inputAndValueTests(() -> {
            CudaBackend b = p.open(new CudaBackend.Options(false, false, CudaBackend.Options.fromSystemProperties()
                    .workspaceLimit(), CudaBackend.Options.fromSystemProperties().ptxStore()));
            b.launchObserver = cl::run;
            return b;
        }), Stream.of(org.junit.jupiter.api.DynamicTest.dynamicTest("close OpenCL", cl::close)));
    }

    /**
     * Every conformance case, error cases included, on the fake device without cuDNN, with each kernel launch run
     * on an OpenCL device ({@link PoclLaunches}: the same kernel, arguments and geometry as CUDA's grid and
     * blocks): the CUDA backend's own-kernel path then computes, and must match the reference like any backend.
     * Skipped where no OpenCL device is found ({@code -Dcnn4j.require=opencl} makes that a failure).
     */
    @TestFactory
    Stream<DynamicNode> ownKernelLaunchesComputeOnOpenCl() {
        PoclLaunches cl = PoclLaunches.openOrSkip();
        List<org.cnn4j.conformance.OpCase> cases = ConformanceSuite.cases();
        Backend[] open = new Backend[2];
        return Stream.concat(onOpenCl(cl, cases, open,
                () -> provider(oneDevice).open(CudaBackend.Options.fromSystemProperties())),
                Stream.of(org.junit.jupiter.api.DynamicTest.dynamicTest("close", () -> {
            closeAll(open);
            long ownKernelCases = cases.stream().filter(c -> c.kind() != org.cnn4j.conformance.OpCase.Kind.ERROR
                    && !HOST_COMPUTED.contains(c.op())).count();
            assertTrue(cl.launches() >= ownKernelCases, cl.launches() + " launches ran on OpenCL for "
                    + ownKernelCases + " cases of operators on the own kernels");
            cl.close();
        })));
    }

    /**
     * One test per case on the CUDA backend that {@code open} starts (on first use, into {@code open[0]}, the
     * reference into {@code open[1]}), each kernel launch run on {@code cl}: no failure, and no case skipped as
     * unsupported (a skip for a missing dtype is reported as one).
     */
    private static Stream<org.junit.jupiter.api.DynamicTest> onOpenCl(PoclLaunches cl,
            List<org.cnn4j.conformance.OpCase> cases, Backend[] open, java.util.function.Supplier<CudaBackend> start) {
        return cases.stream().map(c -> org.junit.jupiter.api.DynamicTest.dynamicTest(c.name(), () -> {
            if (open[0] == null) {
                CudaBackend b = start.get();
                b.launchObserver = cl::run;
                open[0] = b;
                open[1] = org.cnn4j.core.Backends.open("reference");
            }
            org.cnn4j.conformance.CaseResult r = ConformanceSuite.run(open[0], open[1], c);
            assertFalse(r.failed(), r.message());
            assertFalse(r.skipped() && r.message().contains("does not support"), r.message());
            if (r.skipped()) {
                org.junit.jupiter.api.Assumptions.abort(r.message());
            }
        }));
    }

    private static void closeAll(Backend[] open) {
        for (Backend b : open) {
            if (b != null) {
                b.close();
            }
        }
    }

    // ---- the optimizer in one launch, a training step without host waits ------------------------------------------

    /** The fake's stream-order call log since its last reset: L launch, H/D copies, S/E synchronizations. */
    static String callLog(Path libDir) {
        java.lang.foreign.SymbolLookup lib = LibraryLoader.system().byPath(libDir.resolve("libcuda.so.1"));
        java.lang.invoke.MethodHandle h = java.lang.foreign.Linker.nativeLinker().downcallHandle(
                lib.find("fake_cuda_call_log").orElseThrow(),
                java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.ADDRESS));
        return ((java.lang.foreign.MemorySegment) Native.value(h)).reinterpret(1 << 20).getString(0);
    }

    static void resetCallLog(Path libDir) {
        java.lang.foreign.SymbolLookup lib = LibraryLoader.system().byPath(libDir.resolve("libcuda.so.1"));
        java.lang.invoke.MethodHandle h = java.lang.foreign.Linker.nativeLinker().downcallHandle(
                lib.find("fake_cuda_call_log_reset").orElseThrow(), java.lang.foreign.FunctionDescriptor.ofVoid());
        try {
            h.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * The multi-tensor optimizer kernels, run on OpenCL from the CUDA backend's launches, equal the single-tensor
     * kernels bit for bit (LeNet-5's list in one launch, 33 tensors in three).
     */
    @Test
    void multiTensorStepsEqualSingleTensorStepsOnOpenClLaunches() {
        PoclLaunches cl = PoclLaunches.openOrSkip();
        try (CudaBackend b = provider(oneDevice).open(CudaBackend.Options.fromSystemProperties())) {
            b.launchObserver = cl::run;
            List<String> m = org.cnn4j.conformance.MultiTensorParity.mismatches(b);
            assertEquals(List.of(), m, m.size() + " rule/list pair(s) differ");
        } finally {
            cl.close();
        }
    }

    /**
     * The optimizer step of LeNet-5's ten parameters is one kernel launch (adam_multi_f32), 17 tensors two; the
     * nn optimizer over a LeNet-5 model launches once per step.
     */
    @Test
    void aLeNet5ParameterListIsOneOptimizerLaunch() {
        try (CudaBackend b = provider(oneDevice).open(CudaBackend.Options.fromSystemProperties())) {
            List<String> entries = new java.util.ArrayList<>();
            b.launchObserver = (stem, entry, args, gx, gy, gz, bx, by, bz) -> entries.add(stem + "/" + entry);
            List<Tensor> owned = new java.util.ArrayList<>();
            java.util.function.Function<List<Shape>, List<Tensor>> alloc = shapes -> {
                List<Tensor> ts = new java.util.ArrayList<>();
                for (Shape s : shapes) {
                    Tensor t = b.allocate(s);
                    owned.add(t);
                    ts.add(t);
                }
                return ts;
            };
            try {
                List<Shape> lenet = org.cnn4j.conformance.OpDatabase.LENET5;
                long l0 = launches(oneDevice);
                b.execute(new org.cnn4j.ops.Adam.Steps(org.cnn4j.ops.Adam.defaults(1e-3, 1), alloc.apply(lenet),
                        alloc.apply(lenet), alloc.apply(lenet), alloc.apply(lenet)));
                assertEquals(1, launches(oneDevice) - l0, "10 tensors, one launch");
                assertEquals(List.of("optimizer/adam_multi_f32"), entries);
                List<Shape> seventeen = java.util.Collections.nCopies(17, Shape.of(3));
                entries.clear();
                b.execute(new org.cnn4j.ops.Sgd.Steps(new org.cnn4j.ops.Sgd(0.1, 0.9, 0, false),
                        alloc.apply(seventeen), alloc.apply(seventeen), alloc.apply(seventeen)));
                assertEquals(List.of("optimizer/sgd_multi_f32", "optimizer/sgd_multi_f32"), entries, "16 + 1");
            } finally {
                owned.forEach(Tensor::close);
            }
            org.cnn4j.nn.models.Model m = org.cnn4j.nn.models.Models.create("lenet5", b, Shape.of(1, 28, 28), 10, 1);
            try (org.cnn4j.nn.train.Optimizer o = new org.cnn4j.nn.train.Optimizer(b, m.net().parameters(),
                    org.cnn4j.nn.train.Optimizer.Config.defaults(org.cnn4j.nn.train.Optimizer.Kind.ADAM, 1e-3))) {
                assertEquals(10, m.net().parameters().size());
                entries.clear();
                o.step();
                assertEquals(List.of("optimizer/adam_multi_f32"), entries, "LeNet-5's optimizer step");
            } finally {
                m.close();
            }
        }
    }

    /**
     * A LeNet-5 training epoch of five steps on the fake driver with {@code fastStep} uploads: by default each step
     * reads its loss and logits back (a device-to-host copy and a stream synchronization per step); with
     * {@code readEvery = 0} the steps make no synchronizing call at all (no cuStreamSynchronize, no
     * cuEventSynchronize, no cuMemcpyDtoH): the call log is the five steps' uploads and launches, then the
     * epoch's one read-back.
     */
    @Test
    void aTrainingStepWithDeferredReadbackMakesNoSynchronizingCall() {
        CudaBackend.Options o = CudaBackend.Options.fromSystemProperties();
        int batches = 5;
        int batch = 8;
        byte[] pixels = new byte[batches * batch * 28 * 28];
        new Random(7).nextBytes(pixels);
        int[] labels = new int[batches * batch];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 10;
        }
        org.cnn4j.nn.data.ImageDataset data = new org.cnn4j.nn.data.ImageDataset("noise", 1, 28, 28, pixels, labels,
                List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"));
        for (int readEvery : new int[] {1, 0}) {
            try (CudaBackend b = provider(steps).open(new CudaBackend.Options(false, false, o.workspaceLimit(),
                    o.ptxStore(), true))) {
                org.cnn4j.nn.models.Model m = org.cnn4j.nn.models.Models.create("lenet5", b, Shape.of(1, 28, 28),
                        10, 1);
                org.cnn4j.nn.train.Optimizer opt = new org.cnn4j.nn.train.Optimizer(b, m.net().parameters(),
                        org.cnn4j.nn.train.Optimizer.Config.defaults(org.cnn4j.nn.train.Optimizer.Kind.ADAM, 1e-3));
                org.cnn4j.nn.train.Trainer t = new org.cnn4j.nn.train.Trainer(m, opt,
                        org.cnn4j.nn.train.Trainer.Config.of(batch, 1).withReadEvery(readEvery));
                String[] log = new String[1];
                try {
                    t.fit(data, null, 1, new org.cnn4j.nn.train.TrainingListener() {
                        @Override
                        public void epochStarted(int epoch, int epochs, long images) {
                            resetCallLog(steps);
                        }

                        @Override
                        public void epochDone(org.cnn4j.nn.train.EpochResult r) {
                            log[0] = callLog(steps);
                        }
                    });
                } finally {
                    t.close();
                    opt.close();
                    m.close();
                }
                String calls = log[0];
                // each step starts with the upload of its images and targets (HH); the loss read-back ends in D
                int firstWait = java.util.stream.IntStream.range(0, calls.length())
                        .filter(i -> "SDE".indexOf(calls.charAt(i)) >= 0).findFirst().orElse(calls.length());
                String steps = calls.substring(0, firstWait);
                if (readEvery == 1) {
                    assertEquals(batches, calls.chars().filter(c -> c == 'D').count() / 2, calls);
                    assertTrue(firstWait < calls.lastIndexOf("HH"), "by default the first step waits: " + calls);
                } else {
                    assertTrue(steps.matches("L*(HHL+){" + batches + "}"), "the five steps, no wait: " + steps);
                    assertTrue(calls.substring(firstWait).matches("[DSEL]+"), "then the read-back only: "
                            + calls.substring(firstWait));
                    assertEquals(0, calls.substring(0, firstWait).chars().filter(c -> "SDE".indexOf(c) >= 0)
                            .count());
                }
                assertEquals(0, b.stagingWaits, "the uploads took turns in the staging ring");
            }
        }
    }
}
