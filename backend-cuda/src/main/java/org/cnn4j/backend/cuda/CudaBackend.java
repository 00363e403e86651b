package org.cnn4j.backend.cuda;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Activation;
import org.cnn4j.ops.Adagrad;
import org.cnn4j.ops.Adam;
import org.cnn4j.ops.Add;
import org.cnn4j.ops.Axpy;
import org.cnn4j.ops.BatchNorm;
import org.cnn4j.ops.Conv2d;
import org.cnn4j.ops.Copy;
import org.cnn4j.ops.Dropout;
import org.cnn4j.ops.Fill;
import org.cnn4j.ops.Gemm;
import org.cnn4j.ops.L2Penalty;
import org.cnn4j.ops.Linear;
import org.cnn4j.ops.Loss;
import org.cnn4j.ops.Op;
import org.cnn4j.ops.Pool2d;
import org.cnn4j.ops.Prelu;
import org.cnn4j.ops.RmsProp;
import org.cnn4j.ops.Scale;
import org.cnn4j.ops.Sgd;
import org.cnn4j.ops.Softmax;
import org.cnn4j.ops.SumAxes;
import org.cnn4j.spi.AbstractBackend;

/**
 * The CUDA backend, float32 only: cuBLAS for GEMM, the fully connected layer and the BLAS-shaped element-wise
 * helpers; cuDNN for convolution, pooling, batch normalization, activations and softmax; the driver for memory,
 * fills and copies. The operators that need the project's own kernels (PReLU, dropout, losses, L2 penalty,
 * optimizer steps, sum over axes, leaky ReLU, and every cuDNN operator when {@code -Dcnn4j.cuda.cudnn=false})
 * report unsupported until the portable kernels of module {@code kernels} are compiled here through NVRTC.
 *
 * <h2>Execution</h2>
 * One primary context, one non-blocking stream, one cuBLAS and one cuDNN handle bound to it. All work is
 * queued on the stream in issue order; the host waits only where it reads ({@link Tensor#copyTo}) or when asked
 * ({@link #synchronize()}). Calls are serialized by a lock (the library handles are not thread-safe), and each
 * makes the context current on the calling thread.
 *
 * <h2>Memory</h2>
 * Device memory comes from a {@link CachingAllocator} by size class, which empties its cache and retries once
 * on out-of-memory. Host transfers go through one page-locked staging buffer; a write waits for the previous
 * write's copy before reusing it.
 *
 * <p><b>Status: none of this class has run on a GPU yet.</b> It compiles, and its pieces that need no device
 * (library discovery, status names, the allocator) are tested; every operator is to be checked against the
 * reference by the conformance suite on a GPU machine ({@code scripts/gpu/run.sh}).
 */
public final class CudaBackend extends AbstractBackend {
    /** Switches read from system properties. */
    record Options(boolean useCudnn, boolean allowTf32, long workspaceLimit) {
        static Options fromSystemProperties() {
            return new Options(!"false".equalsIgnoreCase(System.getProperty("cnn4j.cuda.cudnn", "true")),
                    Boolean.getBoolean("cnn4j.cuda.tf32"),
                    Long.getLong("cnn4j.cuda.workspaceBytes", 256L << 20));
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
    final ConcurrentHashMap<AlgoKey, Cudnn.Algo> algorithms = new ConcurrentHashMap<>();
    /** The own kernels through NVRTC; null when NVRTC is absent. */
    final CudaKernels kernels;
    private MemorySegment staging = MemorySegment.NULL;
    private boolean stagingInFlight;
    private long workspace;
    private long workspaceBytes;
    private long ones;
    private int onesCount;

    /** The context, stream and library handles of one backend, made together or not at all. */
    private record Handles(MemorySegment context, MemorySegment stream, MemorySegment cublas, MemorySegment cudnn) {
        static Handles open(CudaRuntime rt, Options options) {
            java.util.ArrayDeque<Runnable> undo = new java.util.ArrayDeque<>();
            try {
                MemorySegment context = rt.driver.retainPrimaryContext(rt.device);
                undo.push(() -> rt.driver.releasePrimaryContext(rt.device));
                rt.driver.setCurrent(context);
                MemorySegment stream = rt.driver.createStream();
                undo.push(() -> rt.driver.destroyStream(stream));
                MemorySegment cublas = rt.cublas.create();
                undo.push(() -> rt.cublas.destroy(cublas));
                rt.cublas.setStream(cublas, stream);
                rt.cublas.setMathMode(cublas, options.allowTf32() ? Cublas.TF32_TENSOR_OP_MATH : Cublas.DEFAULT_MATH);
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
        super("cuda");
        this.rt = rt;
        this.options = options;
        this.context = handles.context();
        this.stream = handles.stream();
        this.cublasHandle = handles.cublas();
        this.cudnnHandle = handles.cudnn();
        CudaDriver d = rt.driver;
        this.kernels = rt.nvrtc == null ? null : new CudaKernels(rt.nvrtc::compileToPtx,
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
                }, rt.ccMajor, rt.ccMinor);
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
        return rt.description + (cudnnHandle == null ? "; cuDNN off" : "");
    }

    @Override
    public boolean supports(DType dtype) {
        return dtype == DType.FLOAT32;
    }

    boolean cudnnOn() {
        return cudnnHandle != null;
    }

    @Override
    protected boolean supportsOp(Op op) {
        return switch (op) {
            case Gemm.Run o -> true;
            case Linear.Forward o -> true;
            case Linear.BackwardData o -> true;
            case Linear.BackwardWeights o -> true;
            case Fill.Run o -> true;
            case Copy.Run o -> true;
            case Add.Run o -> true;
            case Scale.Run o -> true;
            case Axpy.Run o -> true;
            case Conv2d.Forward o -> cudnnOn();
            case Conv2d.BackwardData o -> cudnnOn();
            case Conv2d.BackwardFilter o -> cudnnOn();
            case Pool2d.Forward o -> cudnnOn() && Pool2dCuda.fitsCudnn(o.pool(), o.x().shape(), o.y().shape());
            case Pool2d.Backward o -> cudnnOn() && Pool2dCuda.fitsCudnn(o.pool(), o.x().shape(), o.dy().shape());
            case BatchNorm.ForwardTraining o -> cudnnOn();
            case BatchNorm.ForwardInference o -> cudnnOn();
            case BatchNorm.Backward o -> cudnnOn();
            case Activation.Forward o -> cudnnOn() && ActivationCuda.fitsCudnn(o.act());
            case Activation.Backward o -> cudnnOn() && ActivationCuda.fitsCudnn(o.act());
            case Softmax.Forward o -> cudnnOn();
            case Softmax.Backward o -> cudnnOn();
            // The project's own kernels (module kernels, through NVRTC) are not wired in yet.
            case Prelu.Forward o -> false;
            case Prelu.Backward o -> false;
            case Dropout.Forward o -> false;
            case Dropout.Backward o -> false;
            case Loss.Forward o -> false;
            case Loss.Backward o -> false;
            case L2Penalty.Forward o -> false;
            case L2Penalty.Backward o -> false;
            case Sgd.Step o -> false;
            case Adagrad.Step o -> false;
            case RmsProp.Step o -> false;
            case Adam.Step o -> false;
            case SumAxes.Run o -> false;
        };
    }

    @Override
    protected void run(Op op) {
        enter();
        try {
            switch (op) {
                case Gemm.Run o -> LinearCuda.gemm(this, o);
                case Linear.Forward o -> LinearCuda.forward(this, o);
                case Linear.BackwardData o -> LinearCuda.backwardData(this, o);
                case Linear.BackwardWeights o -> LinearCuda.backwardWeights(this, o);
                case Fill.Run o -> ElementwiseCuda.fill(this, o);
                case Copy.Run o -> ElementwiseCuda.copy(this, o);
                case Add.Run o -> ElementwiseCuda.add(this, o);
                case Scale.Run o -> ElementwiseCuda.scale(this, o);
                case Axpy.Run o -> ElementwiseCuda.axpy(this, o);
                case Conv2d.Forward o -> Conv2dCuda.forward(this, o);
                case Conv2d.BackwardData o -> Conv2dCuda.backwardData(this, o);
                case Conv2d.BackwardFilter o -> Conv2dCuda.backwardFilter(this, o);
                case Pool2d.Forward o -> Pool2dCuda.forward(this, o);
                case Pool2d.Backward o -> Pool2dCuda.backward(this, o);
                case BatchNorm.ForwardTraining o -> BatchNormCuda.forwardTraining(this, o);
                case BatchNorm.ForwardInference o -> BatchNormCuda.forwardInference(this, o);
                case BatchNorm.Backward o -> BatchNormCuda.backward(this, o);
                case Activation.Forward o -> ActivationCuda.forward(this, o);
                case Activation.Backward o -> ActivationCuda.backward(this, o);
                case Softmax.Forward o -> SoftmaxCuda.forward(this, o);
                case Softmax.Backward o -> SoftmaxCuda.backward(this, o);
                case Prelu.Forward o -> throw unreachable(o);
                case Prelu.Backward o -> throw unreachable(o);
                case Dropout.Forward o -> throw unreachable(o);
                case Dropout.Backward o -> throw unreachable(o);
                case Loss.Forward o -> throw unreachable(o);
                case Loss.Backward o -> throw unreachable(o);
                case L2Penalty.Forward o -> throw unreachable(o);
                case L2Penalty.Backward o -> throw unreachable(o);
                case Sgd.Step o -> throw unreachable(o);
                case Adagrad.Step o -> throw unreachable(o);
                case RmsProp.Step o -> throw unreachable(o);
                case Adam.Step o -> throw unreachable(o);
                case SumAxes.Run o -> throw unreachable(o);
            }
        } finally {
            lock.unlock();
        }
    }

    private static IllegalStateException unreachable(Op op) {
        return new IllegalStateException(op.name() + " reached run() although supportsOp() is false");
    }

    /** Takes the lock and makes the context current on this thread; the caller unlocks. */
    private void enter() {
        lock.lock();
        try {
            rt.driver.setCurrent(context);
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
    long temp(long count) {
        return allocator.allocate(Math.max(1, count * Float.BYTES));
    }

    void freeTemp(long pointer, long count) {
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

    /**
     * Launches {@code f} over {@code threads} threads in one dimension, {@code block} per block, with
     * {@code args} in the kernel's declared order (work-group = block, global / local size = grid).
     */
    void launch1d(MemorySegment f, long threads, int block, CudaKernels.Args args) {
        if (threads == 0) {
            return;
        }
        long grid = (threads + block - 1) / block;
        rt.driver.launch(f, (int) grid, 1, 1, block, 1, 1, 0, stream, args.array());
    }

    static long ptr(Tensor t) {
        return ((CudaTensor) t).pointer();
    }

    private void ensureStaging(long bytes) {
        if (staging.byteSize() < bytes) {
            if (stagingInFlight) {
                rt.driver.synchronize(stream);
                stagingInFlight = false;
            }
            if (staging.address() != 0) {
                rt.driver.freeHost(staging);
            }
            staging = rt.driver.allocHost(Math.max(bytes, 1 << 20));
        }
    }

    void upload(CudaTensor t, float[] src) {
        enter();
        try {
            checkOpen();
            long bytes = t.bytes();
            if (bytes == 0) {
                return;
            }
            ensureStaging(bytes);
            if (stagingInFlight) {
                rt.driver.synchronize(stream);
            }
            MemorySegment.copy(src, 0, staging, JAVA_FLOAT, 0, src.length);
            rt.driver.copyHostToDevice(t.pointer(), staging, bytes, stream);
            stagingInFlight = true;
        } finally {
            lock.unlock();
        }
    }

    void download(CudaTensor t, float[] dst) {
        enter();
        try {
            checkOpen();
            long bytes = t.bytes();
            if (bytes == 0) {
                return;
            }
            ensureStaging(bytes);
            rt.driver.copyDeviceToHost(staging, t.pointer(), bytes, stream);
            rt.driver.synchronize(stream);
            stagingInFlight = false;
            MemorySegment.copy(staging, JAVA_FLOAT, 0, dst, 0, dst.length);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void synchronize() {
        checkOpen();
        enter();
        try {
            rt.driver.synchronize(stream);
            stagingInFlight = false;
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
                rt.cudnn.destroy(cudnnHandle);
            }
            rt.cublas.destroy(cublasHandle);
            if (staging.address() != 0) {
                rt.driver.freeHost(staging);
            }
            if (workspace != 0) {
                allocator.free(workspace, workspaceBytes);
            }
            if (ones != 0) {
                allocator.free(ones, (long) onesCount * Float.BYTES);
            }
            allocator.emptyCache();
            if (kernels != null) {
                for (MemorySegment m : kernels.modules()) {
                    rt.driver.unloadModule(m);
                }
            }
            rt.driver.destroyStream(stream);
            rt.driver.releasePrimaryContext(rt.device);
        } finally {
            lock.unlock();
        }
    }
}
