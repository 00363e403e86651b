package org.cnn4j.backend.cuda;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.ReentrantLock;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.kernels.host.KernelHost;
import org.cnn4j.kernels.host.KernelSource;
import org.cnn4j.kernels.host.PortableBackend;
import org.cnn4j.ops.Activation;
import org.cnn4j.ops.Add;
import org.cnn4j.ops.Axpy;
import org.cnn4j.ops.BatchNorm;
import org.cnn4j.ops.Conv2d;
import org.cnn4j.ops.Fill;
import org.cnn4j.ops.Gemm;
import org.cnn4j.ops.Linear;
import org.cnn4j.ops.Op;
import org.cnn4j.ops.Pool2d;
import org.cnn4j.ops.Scale;
import org.cnn4j.ops.Softmax;

/**
 * The CUDA backend, float32 only: cuBLAS for GEMM, the fully connected layer and the BLAS-shaped element-wise
 * helpers; cuDNN for convolution, pooling, batch normalization, activations and softmax; the driver for memory,
 * fills and copies; and the project's own kernels (the portable kernels of module {@code kernels}, compiled by
 * NVRTC through {@link CudaKernels}) for everything else: PReLU, leaky ReLU, ceil-mode pooling that cuDNN's
 * padding cannot express, dropout, losses, the L2 penalty, optimizer steps and sums over axes. Without cuDNN
 * (absent, or {@code -Dcnn4j.cuda.cudnn=false}) the own kernels run its operators too, so every operator is
 * supported either way: the operators, the kernel sources and the program cache are {@link PortableBackend}'s,
 * and this class overrides only the families it sends to cuDNN or cuBLAS, calling {@code super} (the portable
 * kernels) for what the library does not take.
 *
 * <h2>Execution</h2>
 * The device's primary context (retained once per process, {@link CudaRuntime.Primary}), one non-blocking
 * stream, one cuBLAS and one cuDNN handle bound to it. All work is queued on the stream in issue order; the host
 * waits only where it reads ({@link Tensor#copyTo}) or when asked ({@link #synchronize()}). Calls are serialized
 * by a lock (the library handles are not thread-safe); a thread entering the backend for the first time makes
 * the context current ({@code cuCtxSetCurrent}). A sequence of calls can be captured once as a CUDA graph and
 * replayed ({@link #capture}).
 *
 * <h2>Memory</h2>
 * Device memory comes from a {@link CachingAllocator} by size class, which synchronizes the stream, empties its
 * cache and retries once on out-of-memory. Host writes go through page-locked staging: one buffer, whose reuse
 * waits for its copy, or with {@code -Dcnn4j.cuda.fastStep=true} four ordered by events, so uploads do not wait
 * for the device; reads land in a page-locked buffer of their own.
 *
 * <p><b>Status: none of this class has run on a GPU yet.</b> It compiles, and it runs against a fake driver
 * and fake libraries in the tests; every operator is to be checked against the reference by the conformance suite
 * on a GPU machine ({@code scripts/gpu/run.sh}).
 */
public final class CudaBackend extends PortableBackend<MemorySegment, MemorySegment> {
    /** Switches read from system properties. */
    record Options(boolean useCudnn, boolean allowTf32, long workspaceLimit, CudaKernels.PtxStore ptxStore,
            boolean fastStep) {
        /** The switches of the first version, {@code fastStep} off. */
        Options(boolean useCudnn, boolean allowTf32, long workspaceLimit, CudaKernels.PtxStore ptxStore) {
            this(useCudnn, allowTf32, workspaceLimit, ptxStore, false);
        }

        static Options fromSystemProperties() {
            return new Options(!"false".equalsIgnoreCase(System.getProperty("cnn4j.cuda.cudnn", "true")),
                    Boolean.getBoolean("cnn4j.cuda.tf32"),
                    Long.getLong("cnn4j.cuda.workspaceBytes", 256L << 20), PtxDiskCache.fromSystem(),
                    Boolean.getBoolean("cnn4j.cuda.fastStep"));
        }
    }

    /** A convolution shape and direction, the key of the algorithm cache. */
    record AlgoKey(Cudnn.Direction direction, Shape x, Shape w, Conv2d conv) {
    }

    final CudaRuntime rt;
    final Options options;
    private final ReentrantLock lock = new ReentrantLock();
    private final MemorySegment context;
    final MemorySegment stream;
    final MemorySegment cublasHandle;
    final MemorySegment cudnnHandle;
    final CachingAllocator allocator;
    /** The convolution algorithms per direction and shape (under the lock). */
    final java.util.HashMap<AlgoKey, Conv2dCuda.Choice> algorithms = new java.util.HashMap<>();
    /** cuDNN's descriptors per geometry, kept until close; null without cuDNN. */
    final Cudnn.Descriptors descriptors;
    /** The own kernels through NVRTC. */
    final CudaKernels kernels;
    private long workspace;
    private long workspaceBytes;
    private long ones;
    private int onesCount;

    /** The context, stream and library handles of one backend, made together or not at all. */
    private record Handles(MemorySegment context, MemorySegment stream, MemorySegment cublas, MemorySegment cudnn) {
        static Handles open(CudaRuntime rt, Options options) {
            java.util.ArrayDeque<Runnable> undo = new java.util.ArrayDeque<>();
            try {
                MemorySegment context = rt.primaryContext();
                rt.makeCurrent();
                MemorySegment stream = rt.driver.createStream();
                undo.push(() -> rt.driver.destroyStream(stream));
                MemorySegment cublas = null;
                if (rt.cublas != null) {
                    MemorySegment h = rt.cublas.create();
                    undo.push(() -> rt.cublas.destroy(h));
                    rt.cublas.setStream(h, stream);
                    // CUBLAS_DEFAULT_MATH: float products in float32 (no TF32) unless asked for
                    rt.cublas.setMathMode(h, options.allowTf32() ? Cublas.TF32_TENSOR_OP_MATH : Cublas.DEFAULT_MATH);
                    cublas = h;
                }
                MemorySegment cudnn = null;
                if (rt.cudnn != null && options.useCudnn()) {
                    MemorySegment h = rt.cudnn.create();
                    undo.push(() -> rt.cudnn.destroy(h));
                    rt.cudnn.setStream(h, stream);
                    cudnn = h;
                }
                return new Handles(context, stream, cublas, cudnn);
            } catch (RuntimeException e) {
                while (!undo.isEmpty()) {
                    try {
                        undo.pop().run();
                    } catch (RuntimeException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw e;
            }
        }
    }

    CudaBackend(CudaRuntime rt, Options options) {
        this(rt, options, Handles.open(rt, options));
    }

    private CudaBackend(CudaRuntime rt, Options options, Handles handles) {
        super("cuda", KernelSource.Dialect.CUDA);
        this.rt = rt;
        this.options = options;
        this.context = handles.context();
        this.stream = handles.stream();
        this.cublasHandle = handles.cublas();
        this.cudnnHandle = handles.cudnn();
        this.descriptors = cudnnHandle != null ? rt.cudnn.descriptors() : null;
        CudaDriver d = rt.driver;
        this.kernels = new CudaKernels(rt.nvrtc != null ? rt.nvrtc::compile : null,
                new CudaKernels.ModuleLoader() {
                    @Override
                    public MemorySegment load(byte[] ptx) {
                        try (var a = java.lang.foreign.Arena.ofConfined()) {
                            return d.loadModule(a.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, ptx));
                        }
                    }

                    @Override
                    public MemorySegment function(MemorySegment module, String entry) {
                        return d.function(module, entry);
                    }
                }, rt.ccMajor, rt.ccMinor, options.ptxStore(), rt.nvrtcVersion, true, rt.prebuilt);
        this.allocator = new CachingAllocator("cuda", new CachingAllocator.Device() {
            @Override
            public int allocate(long bytes, long[] out) {
                try (var a = java.lang.foreign.Arena.ofConfined()) {
                    MemorySegment p = a.allocate(java.lang.foreign.ValueLayout.JAVA_LONG);
                    int status = d.tryAlloc(p, bytes);
                    out[0] = p.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0);
                    return status;
                }
            }

            @Override
            public String statusName(int status) {
                return CudaStatus.cuResult(status);
            }

            @Override
            public void free(long pointer) {
                d.free(pointer);
            }

            @Override
            public void synchronize() {
                d.synchronize(stream);
            }

            @Override
            public long freeBytes() {
                try {
                    return d.memoryInfo()[0];
                } catch (RuntimeException e) {
                    return -1;
                }
            }
        });
    }

    @Override
    public String device() {
        String blas = cublasHandle != null ? "" : "; cuBLAS absent: GEMM and its kin run on the own kernels";
        String dnn = cudnnHandle != null ? ""
                : !options.useCudnn() ? "; cuDNN off (-Dcnn4j.cuda.cudnn=false): its operators run on the own kernels"
                : "; cuDNN absent: its operators run on the own kernels";
        return rt.description + blas + dnn;
    }

    @Override
    public boolean supports(DType dtype) {
        return dtype == DType.FLOAT32;
    }

    boolean cudnnOn() {
        return cudnnHandle != null;
    }

    /** True when cuBLAS serves GEMM and the BLAS-shaped helpers; else gemm.k and elementwise.k do. */
    boolean cublasOn() {
        return cublasHandle != null;
    }

    /** Every operator: on cuBLAS, on cuDNN where it is on and fits, else on the own kernels. */
    @Override
    protected boolean supportsOp(Op op) {
        return op.dtype() == DType.FLOAT32;
    }

    /** Every operator ({@link PortableBackend#dispatch}), under the lock with the context current. */
    @Override
    protected void run(Op op) {
        enter();
        try {
            if (descriptors != null) {
                descriptors.trim();
            }
            dispatch(op);
        } finally {
            lock.unlock();
        }
    }

    // The families cuDNN and cuBLAS serve where they are on (and the call fits them); else the portable kernels.

    @Override
    protected void conv2d(Conv2d.Forward o) {
        if (cudnnOn()) {
            Conv2dCuda.forward(this, o);
        } else {
            super.conv2d(o);
        }
    }

    @Override
    protected void conv2d(Conv2d.BackwardData o) {
        if (cudnnOn()) {
            Conv2dCuda.backwardData(this, o);
        } else {
            super.conv2d(o);
        }
    }

    @Override
    protected void conv2d(Conv2d.BackwardFilter o) {
        if (cudnnOn()) {
            Conv2dCuda.backwardFilter(this, o);
        } else {
            super.conv2d(o);
        }
    }

    @Override
    protected void pool2d(Pool2d.Forward o) {
        if (cudnnOn() && Pool2dCuda.fitsCudnn(o.geometry())) {
            Pool2dCuda.forward(this, o);
        } else {
            super.pool2d(o);
        }
    }

    @Override
    protected void pool2d(Pool2d.Backward o) {
        if (Pool2dCuda.backwardOnCudnn(this, o.geometry())) {
            Pool2dCuda.backward(this, o);
        } else {
            super.pool2d(o);
        }
    }

    @Override
    protected void batchNorm(BatchNorm.ForwardTraining o) {
        if (cudnnOn()) {
            BatchNormCuda.forwardTraining(this, o);
        } else {
            super.batchNorm(o);
        }
    }

    @Override
    protected void batchNorm(BatchNorm.ForwardInference o) {
        if (cudnnOn()) {
            BatchNormCuda.forwardInference(this, o);
        } else {
            super.batchNorm(o);
        }
    }

    @Override
    protected void batchNorm(BatchNorm.Backward o) {
        if (cudnnOn()) {
            BatchNormCuda.backward(this, o);
        } else {
            super.batchNorm(o);
        }
    }

    @Override
    protected void activation(Activation.Forward o) {
        if (o.x().size() == 0) {
            return;
        }
        if (cudnnOn() && ActivationCuda.fitsCudnn(o.act())) {
            ActivationCuda.forward(this, o);
        } else {
            super.activation(o);
        }
    }

    @Override
    protected void softmax(Softmax.Forward o) {
        if (o.x().size() == 0) {
            return;
        }
        if (cudnnOn()) {
            SoftmaxCuda.forward(this, o);
        } else {
            super.softmax(o);
        }
    }

    @Override
    protected void softmax(Softmax.Backward o) {
        if (o.y().size() == 0) {
            return;
        }
        if (cudnnOn()) {
            SoftmaxCuda.backward(this, o);
        } else {
            super.softmax(o);
        }
    }

    @Override
    protected void gemm(Gemm.Run o) {
        if (cublasOn()) {
            LinearCuda.gemm(this, o);
        } else {
            super.gemm(o);
        }
    }

    @Override
    protected void linear(Linear.Forward o) {
        if (cublasOn()) {
            LinearCuda.forward(this, o);
        } else {
            super.linear(o);
        }
    }

    @Override
    protected void linear(Linear.BackwardData o) {
        if (cublasOn()) {
            LinearCuda.backwardData(this, o);
        } else {
            super.linear(o);
        }
    }

    @Override
    protected void linear(Linear.BackwardWeights o) {
        if (cublasOn()) {
            LinearCuda.backwardWeights(this, o);
        } else {
            super.linear(o);
        }
    }

    /** A 32-bit memset of the float's bits, with or without the libraries. */
    @Override
    protected void fill(Fill.Run o) {
        ElementwiseCuda.fill(this, o);
    }

    @Override
    protected void add(Add.Run o) {
        if (cublasOn()) {
            ElementwiseCuda.add(this, o);
        } else {
            super.add(o);
        }
    }

    @Override
    protected void scale(Scale.Run o) {
        if (cublasOn()) {
            ElementwiseCuda.scale(this, o);
        } else {
            super.scale(o);
        }
    }

    @Override
    protected void axpy(Axpy.Run o) {
        if (cublasOn()) {
            ElementwiseCuda.axpy(this, o);
        } else {
            super.axpy(o);
        }
    }

    @Override
    protected long buffer(Tensor t) {
        return ptr(t);
    }

    @Override
    protected int colLimitFloats() {
        return colLimitFloats;
    }

    @Override
    protected int maxGemmBatch() {
        return MAX_GRID_YZ; // gemm.k's batch is grid z
    }

    /** A device-to-device copy on the stream; none when empty. */
    @Override
    protected void copy(long src, long dst, long bytes) {
        if (bytes > 0) {
            rt.driver.copyDeviceToDevice(dst, src, bytes, stream);
        }
    }

    /**
     * Takes the lock and makes the primary context current on this thread ({@code cuCtxSetCurrent} on a thread's
     * first entry); the caller unlocks.
     */
    private void enter() {
        lock.lock();
        try {
            rt.makeCurrent();
        } catch (RuntimeException e) {
            lock.unlock();
            throw e;
        }
    }

    // ---- memory --------------------------------------------------------------------------------------

    @Override
    protected Tensor allocateTensor(Shape shape, DType dtype) {
        enter();
        try {
            long bytes = Math.max(1, (long) shape.size() * Float.BYTES);
            long p = allocator.allocate(bytes);
            if (shape.size() > 0) {
                rt.driver.memsetD32(p, 0, shape.size(), stream);
            }
            return new CudaTensor(this, shape, p);
        } finally {
            lock.unlock();
        }
    }

    void released(CudaTensor t) {
        if (!isClosed()) {
            allocator.free(t.pointer(), Math.max(1, t.bytes()));
        }
        onRelease(t);
    }

    /** A scratch block of {@code count} floats, returned with {@link #freeTemp}; stream-ordered reuse is safe. */
    @Override
    protected long temp(long count) {
        return allocator.allocate(Math.max(1, count * Float.BYTES));
    }

    @Override
    protected void freeTemp(long pointer, long count) {
        allocator.free(pointer, Math.max(1, count * Float.BYTES));
    }

    /** The workspace for cuDNN, at least {@code bytes}; grown by reallocation (the old one is stream-ordered). */
    long workspace(long bytes) {
        if (bytes == 0) {
            return 0;
        }
        if (bytes > workspaceBytes) {
            if (workspace != 0) {
                allocator.free(workspace, workspaceBytes);
            }
            workspace = allocator.allocate(bytes);
            workspaceBytes = bytes;
        }
        return workspace;
    }

    /** A device vector of at least {@code count} ones (for bias broadcasts and sums through GEMM). */
    long ones(int count) {
        if (count > onesCount) {
            if (ones != 0) {
                allocator.free(ones, (long) onesCount * Float.BYTES);
            }
            ones = allocator.allocate((long) count * Float.BYTES);
            rt.driver.memsetD32(ones, Float.floatToRawIntBits(1f), count, stream);
            onesCount = count;
        }
        return ones;
    }

    // ---- own kernels ---------------------------------------------------------------------------------

    /** Threads per block of the element-wise kernels (one thread per element, bound checked in the kernel). */
    static final int ELEMENT_BLOCK = 256;
    /** The element block in use: {@link #ELEMENT_BLOCK}; tests make it small so that a wrong count shows. */
    volatile int elementBlock = ELEMENT_BLOCK;
    /** CUDA's limit on a grid's y and z extents. */
    static final int MAX_GRID_YZ = 65535;
    /** Largest im2col scratch buffer, in floats, before the convolution fallback splits the batch (64 MiB). */
    static final int COL_LIMIT_FLOATS = 1 << 24;
    /** The im2col chunk limit in floats (tests lower it to cover the chunked paths). */
    volatile int colLimitFloats = COL_LIMIT_FLOATS;

    /** Sees each launch before {@code cuLaunchKernel} (tests check entry, arguments and geometry); null: none. */
    interface LaunchObserver {
        void launched(String stem, String entry, CudaKernels.Args args, int gridX, int gridY, int gridZ,
                int blockX, int blockY, int blockZ);
    }

    volatile LaunchObserver launchObserver;

    private final Launch launch = new Launch();

    /**
     * Compiles a portable program with the dialect's options ({@link CudaKernels}: NVRTC, the PTX store, or the
     * prebuilt fatbins) and loads it as a module.
     */
    @Override
    protected MemorySegment compile(String label, String source) {
        return kernels.module(label, source, java.util.Map.of(), dialect().options());
    }

    @Override
    protected MemorySegment function(MemorySegment module, String stem, String entry) {
        return kernels.entry(module, entry);
    }

    /**
     * The launch of a kernel: set the arguments in the kernel's order, then launch with a geometry. The returned
     * builder is the backend's one instance: use it at once, under the backend's lock.
     */
    @Override
    protected Launch start(Kernel<MemorySegment> k) {
        return launch.start(k);
    }

    /**
     * Arguments set in order on one kernel, then one {@code cuLaunchKernel}. An OpenCL NDRange of global size
     * {@code G} and local size {@code L} is a grid of {@code G / L} blocks of {@code L} threads (prelude_cuda.h:
     * work-group = block, {@code GID0 = blockIdx.x * blockDim.x + threadIdx.x}); the portable kernels declare
     * their shared arrays statically, so no launch needs dynamic shared memory.
     */
    final class Launch implements KernelHost.Launch {
        /** Room for the widest kernel, optimizer.k's adam_multi_f32 (16 tensors of 4 pointers, 16 ints, 8 floats). */
        private final CudaKernels.Args args = new CudaKernels.Args(java.lang.foreign.Arena.ofAuto(), 96);
        private Kernel<MemorySegment> kernel;
        private String name;

        private Launch start(Kernel<MemorySegment> k) {
            kernel = k;
            name = k.entry();
            args.reset();
            return this;
        }

        @Override
        public Launch p(String param, Tensor t) {
            args.p(ptr(t));
            return this;
        }

        @Override
        public Launch p(String param, long devicePointer) {
            args.p(devicePointer);
            return this;
        }

        @Override
        public Launch i(String param, int v) {
            args.i(v);
            return this;
        }

        @Override
        public Launch f(String param, double v) {
            args.f((float) v);
            return this;
        }

        /** One thread per element, {@code total} elements, {@link #elementBlock} per block; none when empty. */
        @Override
        public void elements(long total) {
            if (total > 0) {
                int block = elementBlock;
                launch((int) ((total + block - 1) / block), 1, 1, block, 1, 1);
            }
        }

        /** {@code groups} blocks of {@code size} threads along x; none when there are no groups. */
        @Override
        public void groups(int groups, int size) {
            if (groups > 0) {
                launch(groups, 1, 1, size, 1, 1);
            }
        }

        /** gemm.k's tiles: a grid of x * y * z blocks of threads x threads; y and z within CUDA's 65535. */
        @Override
        public void tiles(int x, int y, int z, int threads) {
            if (y > MAX_GRID_YZ || z > MAX_GRID_YZ) {
                throw new IllegalArgumentException(name + ": " + y + " row tiles or a batch of " + z
                        + " exceed CUDA's grid limit of " + MAX_GRID_YZ);
            }
            launch(x, y, z, threads, threads, 1);
        }

        void launch(int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ) {
            LaunchObserver o = launchObserver;
            if (o != null) {
                o.launched(kernel.stem(), name, args, gridX, gridY, gridZ, blockX, blockY, blockZ);
            }
            rt.driver.launch(kernel.function(), gridX, gridY, gridZ, blockX, blockY, blockZ, 0, stream,
                    args.array());
        }
    }

    // ---- host transfers ------------------------------------------------------------------------------

    /** Page-locked staging buffers for host-to-device copies, each reusable once its copy has run. */
    private final class Staging {
        MemorySegment buffer = MemorySegment.NULL;
        /** With {@link Options#fastStep}: recorded after the buffer's copy; null otherwise. */
        MemorySegment event;
        boolean pending;
    }

    /** Buffers in turn for uploads: 4 with {@link Options#fastStep} (an upload waits only for the 4th before it). */
    private Staging[] ring;
    private int nextStaging;
    /** Host waits caused by a staging buffer still in use (a test's measure of host synchronization). */
    int stagingWaits;

    private Staging[] ring() {
        if (ring == null) {
            ring = new Staging[options.fastStep() ? 4 : 1];
            for (int i = 0; i < ring.length; i++) {
                ring[i] = new Staging();
            }
        }
        return ring;
    }

    /**
     * A staging buffer of at least {@code bytes} that no queued copy reads any more. Without {@link Options#fastStep}
     * there is one, and reusing it while its copy may be queued synchronizes the stream; with it, four take turns,
     * each with an event, so a step's uploads do not wait for the device.
     */
    private Staging acquireStaging(long bytes) {
        Staging[] r = ring();
        Staging st = r[nextStaging];
        nextStaging = (nextStaging + 1) % r.length;
        if (st.pending) {
            if (st.event == null) {
                stagingWaits++;
                rt.driver.synchronize(stream);
                markStagingFree();
            } else if (!rt.driver.eventDone(st.event)) {
                stagingWaits++;
                rt.driver.synchronizeEvent(st.event);
            }
            st.pending = false;
        }
        if (st.buffer.byteSize() < bytes) {
            if (st.buffer.address() != 0) {
                rt.driver.freeHost(st.buffer);
            }
            st.buffer = MemorySegment.NULL;
            st.buffer = rt.driver.allocHost(Math.max(bytes, 1 << 20));
        }
        if (options.fastStep() && st.event == null) {
            st.event = rt.driver.createEvent();
        }
        return st;
    }

    /** After queueing the copy out of {@code st}: it is in use until the stream reaches this point. */
    private void queued(Staging st) {
        if (st.event != null) {
            rt.driver.recordEvent(st.event, stream);
        }
        st.pending = true;
    }

    /** The stream was synchronized: every staging buffer is free. */
    private void markStagingFree() {
        if (ring != null) {
            for (Staging st : ring) {
                st.pending = false;
            }
        }
    }

    /** Copies {@code src} to device memory at {@code dst} through a staging buffer, in stream order. */
    @Override
    protected void writeInts(long dst, int[] src) {
        long bytes = (long) src.length * Integer.BYTES;
        if (capture != null) {
            // captured as a copy from host memory that the graph keeps: every replay copies these same values
            MemorySegment host = rt.driver.allocHost(Math.max(bytes, 4));
            capture.hostBlocks.add(host);
            MemorySegment.copy(src, 0, host, java.lang.foreign.ValueLayout.JAVA_INT, 0, src.length);
            rt.driver.copyHostToDevice(dst, host, bytes, stream);
            return;
        }
        Staging st = acquireStaging(bytes);
        MemorySegment.copy(src, 0, st.buffer, java.lang.foreign.ValueLayout.JAVA_INT, 0, src.length);
        rt.driver.copyHostToDevice(dst, st.buffer, bytes, stream);
        queued(st);
    }

    static long ptr(Tensor t) {
        return ((CudaTensor) t).pointer();
    }

    /** Host transfers and waits cannot be captured: the graph would copy what the buffer holds at each replay. */
    private void notCapturing(String what) {
        if (capture != null) {
            throw new IllegalStateException(what + " inside a CUDA graph capture: copy inputs before launching the"
                    + " graph and read results after it");
        }
    }

    void upload(CudaTensor t, float[] src) {
        enter();
        try {
            checkOpen();
            notCapturing("a copy from the host");
            long bytes = t.bytes();
            if (bytes == 0) {
                return;
            }
            Staging st = acquireStaging(bytes);
            MemorySegment.copy(src, 0, st.buffer, JAVA_FLOAT, 0, src.length);
            rt.driver.copyHostToDevice(t.pointer(), st.buffer, bytes, stream);
            queued(st);
        } finally {
            lock.unlock();
        }
    }

    /** The one host transfer that waits: the values are needed now. */
    void download(CudaTensor t, float[] dst) {
        enter();
        try {
            checkOpen();
            notCapturing("a copy to the host");
            long bytes = t.bytes();
            if (bytes == 0) {
                return;
            }
            if (readBack.byteSize() < bytes) {
                if (readBack.address() != 0) {
                    rt.driver.freeHost(readBack);
                }
                readBack = MemorySegment.NULL;
                readBack = rt.driver.allocHost(Math.max(bytes, 1 << 16));
            }
            rt.driver.copyDeviceToHost(readBack, t.pointer(), bytes, stream);
            rt.driver.synchronize(stream);
            markStagingFree();
            MemorySegment.copy(readBack, JAVA_FLOAT, 0, dst, 0, dst.length);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The device address of {@code t}'s first element, for a library that works on this backend's memory in place
     * (NCCL's collectives). Valid while {@code t} is open.
     */
    public long devicePointer(Tensor t) {
        checkOpen();
        if (t.backend() != this || !(t instanceof CudaTensor ct)) {
            throw new IllegalArgumentException("tensor " + t + " is not a tensor of this cuda backend ("
                    + device() + ")");
        }
        t.checkOpen();
        return ct.pointer();
    }

    /**
     * Runs {@code call} with this backend's context current on the calling thread and its lock held, passing the
     * address of the {@code CUstream} all its work is queued on: another library's work (NCCL's collectives) is
     * then queued in order with the backend's own.
     */
    public void onStream(java.util.function.LongConsumer call) {
        checkOpen();
        enter();
        try {
            call.accept(stream.address());
        } finally {
            lock.unlock();
        }
    }

    /** Page-locked memory that device-to-host copies land in. */
    private MemorySegment readBack = MemorySegment.NULL;

    @Override
    public void synchronize() {
        checkOpen();
        enter();
        try {
            notCapturing("synchronize()");
            rt.driver.synchronize(stream);
            markStagingFree();
        } finally {
            lock.unlock();
        }
    }

    // ---- graphs --------------------------------------------------------------------------------------

    /** What a capture in progress collects for its graph. */
    private static final class CaptureState {
        final java.util.List<MemorySegment> hostBlocks = new java.util.ArrayList<>();
    }

    private CaptureState capture;
    private final java.util.Set<Graph> graphs = new java.util.HashSet<>();

    /**
     * Work captured once as a CUDA graph and replayed with one {@code cuGraphLaunch}: a whole training step's
     * launches, cuDNN and cuBLAS calls for the price of one launch. Replays read and write the same device
     * addresses as the captured calls (the tensors the step used, and the scratch blocks it freed, which the
     * graph keeps from the allocator until it is closed). Copy new inputs into the step's input tensors before
     * {@link #launch}, read results after it. Not yet run on a GPU.
     */
    public final class Graph implements AutoCloseable {
        private final MemorySegment graph;
        private final MemorySegment exec;
        private final java.util.List<long[]> blocks;
        private final java.util.List<MemorySegment> hostBlocks;
        private boolean closed;

        private Graph(MemorySegment graph, MemorySegment exec, java.util.List<long[]> blocks,
                java.util.List<MemorySegment> hostBlocks) {
            this.graph = graph;
            this.exec = exec;
            this.blocks = blocks;
            this.hostBlocks = hostBlocks;
        }

        /** Queues one replay on the backend's stream (no host wait). */
        public void launch() {
            enter();
            try {
                checkOpen();
                if (closed) {
                    throw new IllegalStateException("graph closed");
                }
                notCapturing("launching a graph");
                rt.driver.launchGraph(exec, stream);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            enter();
            try {
                if (closed) {
                    return;
                }
                closed = true;
                graphs.remove(this);
                destroy();
            } finally {
                lock.unlock();
            }
        }

        private void destroy() {
            rt.driver.synchronize(stream); // a replay in flight still uses the blocks and host memory
            markStagingFree();
            rt.driver.destroyGraphExec(exec);
            rt.driver.destroyGraph(graph);
            allocator.release(blocks);
            for (MemorySegment h : hostBlocks) {
                rt.driver.freeHost(h);
            }
        }
    }

    /**
     * Captures the backend calls {@code step} makes (on this thread, under the backend's lock) into a
     * {@link Graph} instead of running them: {@code cuStreamBeginCapture} in relaxed mode (the allocator may still
     * grow, a kernel still be loaded), the calls, {@code cuStreamEndCapture}, {@code cuGraphInstantiate}. Run the
     * step once before capturing it, so that its kernels are compiled, its algorithms chosen and its memory
     * cached. Inside {@code step}, host copies and {@link #synchronize()} are refused; if the step throws, the
     * capture is ended and discarded and the exception rethrown.
     */
    public Graph capture(Runnable step) {
        enter();
        try {
            checkOpen();
            notCapturing("capture()");
            rt.driver.beginCapture(stream, CudaDriver.CAPTURE_MODE_RELAXED);
            capture = new CaptureState();
            allocator.beginCapture();
            MemorySegment graph;
            CaptureState state = capture;
            try {
                step.run();
            } catch (RuntimeException | Error e) {
                capture = null;
                java.util.List<long[]> blocks = allocator.endCapture();
                try {
                    rt.driver.destroyGraph(rt.driver.endCapture(stream));
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                allocator.release(blocks);
                for (MemorySegment h : state.hostBlocks) {
                    rt.driver.freeHost(h);
                }
                throw e;
            }
            capture = null;
            java.util.List<long[]> blocks = allocator.endCapture();
            graph = rt.driver.endCapture(stream);
            MemorySegment exec;
            try {
                exec = rt.driver.instantiate(graph);
            } catch (RuntimeException e) {
                rt.driver.destroyGraph(graph);
                allocator.release(blocks);
                throw e;
            }
            Graph g = new Graph(graph, exec, blocks, java.util.List.copyOf(state.hostBlocks));
            graphs.add(g);
            return g;
        } finally {
            lock.unlock();
        }
    }

    @Override
    protected void shutdown() {
        enter();
        try {
            rt.driver.synchronize(stream);
            if (cudnnHandle != null) {
                descriptors.close();
                rt.cudnn.destroy(cudnnHandle);
            }
            if (cublasHandle != null) {
                rt.cublas.destroy(cublasHandle);
            }
            for (Graph g : java.util.List.copyOf(graphs)) {
                g.closed = true;
                g.destroy();
            }
            graphs.clear();
            if (ring != null) {
                for (Staging st : ring) {
                    if (st.buffer.address() != 0) {
                        rt.driver.freeHost(st.buffer);
                    }
                    if (st.event != null) {
                        rt.driver.destroyEvent(st.event);
                    }
                }
            }
            if (readBack.address() != 0) {
                rt.driver.freeHost(readBack);
            }
            if (workspace != 0) {
                allocator.free(workspace, workspaceBytes);
            }
            if (ones != 0) {
                allocator.free(ones, (long) onesCount * Float.BYTES);
            }
            allocator.emptyCache();
            for (MemorySegment m : kernels.modules()) {
                rt.driver.unloadModule(m);
            }
            rt.driver.destroyStream(stream);
            // The primary context stays retained for the process (CudaRuntime.Primary).
        } finally {
            lock.unlock();
        }
    }
}
