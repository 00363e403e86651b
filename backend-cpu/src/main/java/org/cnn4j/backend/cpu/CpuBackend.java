package org.cnn4j.backend.cpu;

import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.cnn4j.core.DType;
import org.cnn4j.core.DeviceMemoryException;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Activation;
import org.cnn4j.ops.Adagrad;
import org.cnn4j.ops.Adam;
import org.cnn4j.ops.Add;
import org.cnn4j.ops.Axpy;
import org.cnn4j.ops.BatchNorm;
import org.cnn4j.ops.Concat;
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
import org.cnn4j.ops.Upsample;
import org.cnn4j.spi.AbstractBackend;

/**
 * The fast CPU backend: float32 on heap arrays, every operator on all cores.
 *
 * <p>Threads: one {@link ForkJoinPool} per backend, {@code -Dcnn4j.cpu.threads} workers (default: the available
 * processors). Operators split their outer loops (images, channels, rows, GEMM tiles) over the pool with
 * {@link #parallelFor}; loops whose work is below a threshold run on the calling thread, and a loop started on a
 * worker runs there (no nested splitting). Each thread owns a {@link Workspace} of scratch arrays.
 *
 * <p>GEMM and convolution run on a packed, cache-blocked SGEMM ({@link Sgemm}) whose micro-kernel uses the
 * Vector API ({@code jdk.incubator.vector}, needs {@code --add-modules jdk.incubator.vector} at run time) when the
 * module is present, else a scalar kernel; {@code -Dcnn4j.cpu.vector=false} forces the scalar kernel.
 */
public final class CpuBackend extends AbstractBackend {
    /** System property: number of worker threads. */
    public static final String THREADS_PROPERTY = "cnn4j.cpu.threads";
    /** System property: {@code false} forces the scalar GEMM kernel. */
    public static final String VECTOR_PROPERTY = "cnn4j.cpu.vector";
    /**
     * System property: the Vector API kernels' width in bits (128, 256, 512; default the hardware's). Read once
     * per JVM; a width above the hardware's runs on the Vector API's slow Java fallback (for tests).
     */
    public static final String VECTOR_BITS_PROPERTY = "cnn4j.cpu.vectorBits";
    /**
     * System property: {@code false} turns the direct forward convolution off, so that every convolution runs
     * through im2col and GEMM (to compare the two).
     */
    public static final String DIRECT_CONV_PROPERTY = "cnn4j.cpu.directConv";
    /**
     * System property: {@code false} turns the Winograd convolution off, so that 3x3 stride-1 convolutions run
     * through im2col and GEMM (to compare the two, or to get im2col's rounding).
     */
    public static final String WINOGRAD_PROPERTY = "cnn4j.cpu.winograd";

    /** Work (about one multiply-add per unit) below which a loop runs on the calling thread. */
    static final long PARALLEL_THRESHOLD = 1 << 15;

    /**
     * How a backend runs.
     *
     * @param threads    worker threads, at least 1
     * @param vector     use the Vector API micro-kernel (only honoured when the module is present)
     * @param directConv run the forward convolutions it suits as a direct convolution on the vector path instead
     *                   of im2col and GEMM (only with {@code vector})
     * @param winograd   run 3x3 stride-1 convolutions (forward, and backward data as a forward) by Winograd's
     *                   F(2x2, 3x3) instead of im2col and GEMM
     */
    public record Config(int threads, boolean vector, boolean directConv, boolean winograd) {
        public Config {
            if (threads < 1) {
                throw new IllegalArgumentException("cpu backend: threads must be at least 1 but is " + threads);
            }
            vector = vector && vectorModulePresent();
        }

        /** {@code threads} and {@code vector}, with the direct and the Winograd convolutions on. */
        public Config(int threads, boolean vector) {
            this(threads, vector, true, true);
        }

        /** {@code threads}, {@code vector} and {@code directConv}, with the Winograd convolution on. */
        public Config(int threads, boolean vector, boolean directConv) {
            this(threads, vector, directConv, true);
        }

        /**
         * From {@value #THREADS_PROPERTY}, {@value #VECTOR_PROPERTY}, {@value #DIRECT_CONV_PROPERTY} and
         * {@value #WINOGRAD_PROPERTY}, defaulting to all cores, vectors, the direct and the Winograd convolutions.
         */
        public static Config fromSystemProperties() {
            int threads = Runtime.getRuntime().availableProcessors();
            String t = System.getProperty(THREADS_PROPERTY);
            if (t != null && !t.isBlank()) {
                try {
                    threads = Integer.parseInt(t.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("-D" + THREADS_PROPERTY + "=" + t + " is not a number", e);
                }
            }
            boolean vector = !"false".equalsIgnoreCase(System.getProperty(VECTOR_PROPERTY, "true").trim());
            String bits = System.getProperty(VECTOR_BITS_PROPERTY);
            if (bits != null && !bits.isBlank() && !List.of("128", "256", "512").contains(bits.trim())) {
                throw new IllegalArgumentException("-D" + VECTOR_BITS_PROPERTY + "=" + bits + ": the vector width"
                        + " must be 128, 256 or 512 bits");
            }
            if (vector && !vectorModulePresent()) {
                vectorModuleMissing();
            }
            boolean directConv = !"false".equalsIgnoreCase(System.getProperty(DIRECT_CONV_PROPERTY, "true").trim());
            boolean winograd = !"false".equalsIgnoreCase(System.getProperty(WINOGRAD_PROPERTY, "true").trim());
            return new Config(threads, vector, directConv, winograd);
        }

        /** One line: threads and kernel. */
        public String describe() {
            return "host CPU, " + threads + " thread(s), " + Sgemm.kernelName(vector)
                    + (vector || !vectorModulePresent() ? "" : " (vector path disabled by -D" + VECTOR_PROPERTY
                    + "=false)")
                    + (directConv || !vector ? "" : " (direct convolution disabled by -D" + DIRECT_CONV_PROPERTY
                    + "=false)")
                    + (winograd ? "" : " (Winograd convolution disabled by -D" + WINOGRAD_PROPERTY + "=false)")
                    + (vectorModulePresent() ? "" : " (jdk.incubator.vector absent: pass --add-modules "
                    + "jdk.incubator.vector for the vector kernel)");
        }
    }

    /** Whether the missing Vector API module was reported already (once per JVM). */
    private static final AtomicBoolean VECTOR_WARNED = new AtomicBoolean();

    /**
     * The vector kernel was asked for (the default) but the JVM has no {@code jdk.incubator.vector}: a warning
     * through {@link System.Logger} (logger {@code org.cnn4j}), once per JVM, or, when {@code -Dcnn4j.require}
     * names {@code vector}, an {@link IllegalStateException}. Not silent: the scalar kernel is several times slower.
     */
    static void vectorModuleMissing() {
        String message = "cpu backend: the JVM was started without --add-modules jdk.incubator.vector, so GEMM and "
                + "convolution run the scalar kernel (several times slower); add that flag, or pass -D"
                + VECTOR_PROPERTY + "=false to choose the scalar kernel";
        if (org.cnn4j.core.Requirements.required("vector")) {
            throw new IllegalStateException(message + " (" + org.cnn4j.core.Requirements.describe() + ")");
        }
        if (VECTOR_WARNED.compareAndSet(false, true)) {
            System.getLogger("org.cnn4j").log(System.Logger.Level.WARNING, message);
        }
    }

    /** True when the Vector API module was resolved at start-up ({@code --add-modules jdk.incubator.vector}). */
    public static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** A worker of this backend's pool, with its own scratch space. */
    private static final class Worker extends ForkJoinWorkerThread {
        final Workspace workspace = new Workspace();

        Worker(ForkJoinPool pool) {
            super(null, pool, true);
            setDaemon(true);
        }
    }

    private final Config config;
    private final ForkJoinPool pool;
    private final ThreadLocal<Workspace> callerWorkspace = ThreadLocal.withInitial(Workspace::new);
    final Sgemm sgemm;

    /** A backend configured from the system properties. */
    public CpuBackend() {
        this(Config.fromSystemProperties());
    }

    public CpuBackend(Config config) {
        super("cpu");
        this.config = config;
        AtomicInteger workers = new AtomicInteger();
        this.pool = new ForkJoinPool(config.threads(), p -> {
            Worker w = new Worker(p);
            w.setName("cnn4j-cpu-" + workers.getAndIncrement());
            return w;
        }, null, false);
        this.sgemm = new Sgemm(this, config.vector());
        // the device is the Java heap: tensors are float[]
        limitMemoryTo(Runtime.getRuntime().maxMemory());
    }

    public Config config() {
        return config;
    }

    @Override
    public String device() {
        return config.describe();
    }

    @Override
    public boolean supports(DType dtype) {
        return dtype == DType.FLOAT32;
    }

    @Override
    protected boolean supportsOp(Op op) {
        return op.dtype() == DType.FLOAT32;
    }

    @Override
    protected Tensor allocateTensor(Shape shape, DType dtype) {
        float[] data;
        try {
            data = new float[shape.size()];
        } catch (OutOfMemoryError e) {
            // one array that did not fit: nothing was allocated, the heap is as it was
            throw DeviceMemoryException.heapExhausted(name(), 4L * shape.size(), shape);
        }
        return new CpuTensor(this, shape, data);
    }

    void released(CpuTensor t) {
        onRelease(t);
    }

    @Override
    public void synchronize() {
        checkOpen();
    }

    @Override
    protected void shutdown() {
        pool.shutdownNow();
    }

    /** The values of a tensor of this backend. */
    static float[] data(Tensor t) {
        return ((CpuTensor) t).data;
    }

    // ---- threads ------------------------------------------------------------------------------------

    /** Number of worker threads. */
    int threads() {
        return config.threads();
    }

    /** True when the current thread is one of this backend's workers. */
    boolean onWorker() {
        return Thread.currentThread() instanceof Worker w && w.getPool() == pool;
    }

    /** The current thread's scratch space. */
    Workspace workspace() {
        return Thread.currentThread() instanceof Worker w && w.getPool() == pool ? w.workspace
                : callerWorkspace.get();
    }

    /** A loop body over items {@code [from, to)}. */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    /**
     * True when {@code n} items of {@code costPerItem} each are worth splitting over the workers: enough work, more
     * than one thread, and the calling thread is not already running a chunk of a split loop.
     */
    boolean worthSplitting(int n, long costPerItem) {
        return n > 1 && config.threads() > 1 && (long) n * costPerItem >= PARALLEL_THRESHOLD
                && !onWorker() && !workspace().inLoop;
    }

    /**
     * Runs {@code body} over {@code [0, n)}, split into contiguous chunks over the workers when the work
     * ({@code n * costPerItem}) is large enough, else on the calling thread. Returns when every chunk is done;
     * an exception in a chunk is rethrown.
     */
    void parallelFor(int n, long costPerItem, Range body) {
        if (!worthSplitting(n, costPerItem)) {
            body.run(0, n);
            return;
        }
        long total = (long) n * costPerItem;
        int chunks = (int) Math.min(n, Math.min(4L * config.threads(), Math.max(2, total / (PARALLEL_THRESHOLD / 2))));
        invoke(new Chunks(body, n, chunks, 0, chunks));
    }

    /** Runs {@code body} over {@code [0, n)} with exactly one chunk per item (tasks of uneven size). */
    void parallelEach(int n, long costPerItem, Range body) {
        if (!worthSplitting(n, costPerItem)) {
            body.run(0, n);
            return;
        }
        invoke(new Chunks(body, n, n, 0, n));
    }

    /**
     * Runs a split loop on the pool. When {@link #close()} shuts the pool down under a running call (another
     * thread closed the backend), the call ends in the same {@link IllegalStateException} as any call on a closed
     * backend, not in the pool's {@code CancellationException} or {@code RejectedExecutionException}.
     */
    private void invoke(Chunks chunks) {
        try {
            pool.invoke(chunks);
        } catch (CancellationException | RejectedExecutionException e) {
            if (isClosed()) {
                throw closedError(e);
            }
            throw e;
        }
    }

    private final class Chunks extends RecursiveAction {
        private final Range body;
        private final int n;
        private final int chunks;
        private final int lo;
        private final int hi;

        Chunks(Range body, int n, int chunks, int lo, int hi) {
            this.body = body;
            this.n = n;
            this.chunks = chunks;
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                int from = (int) ((long) n * lo / chunks);
                int to = (int) ((long) n * (lo + 1) / chunks);
                if (from < to) {
                    // the caller may run a chunk itself while it waits; mark it so the chunk does not split again
                    Workspace ws = workspace();
                    boolean outer = ws.inLoop;
                    ws.inLoop = true;
                    try {
                        body.run(from, to);
                    } finally {
                        ws.inLoop = outer;
                    }
                }
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Chunks(body, n, chunks, lo, mid), new Chunks(body, n, chunks, mid, hi));
        }
    }

    // ---- operators ----------------------------------------------------------------------------------

    @Override
    protected void run(Op op) {
        switch (op) {
            case Conv2d.Forward o -> Conv2dCpu.forward(this, o);
            case Conv2d.BackwardData o -> Conv2dCpu.backwardData(this, o);
            case Conv2d.BackwardFilter o -> Conv2dCpu.backwardFilter(this, o);
            case Pool2d.Forward o -> Pool2dCpu.forward(this, o);
            case Pool2d.Backward o -> Pool2dCpu.backward(this, o);
            case BatchNorm.ForwardTraining o -> BatchNormCpu.forwardTraining(this, o);
            case BatchNorm.ForwardInference o -> BatchNormCpu.forwardInference(this, o);
            case BatchNorm.Backward o -> BatchNormCpu.backward(this, o);
            case Activation.Forward o -> ActivationCpu.forward(this, o);
            case Activation.Backward o -> ActivationCpu.backward(this, o);
            case Prelu.Forward o -> PreluCpu.forward(this, o);
            case Prelu.Backward o -> PreluCpu.backward(this, o);
            case Softmax.Forward o -> SoftmaxCpu.forward(this, o);
            case Softmax.Backward o -> SoftmaxCpu.backward(this, o);
            case Dropout.Forward o -> DropoutCpu.forward(this, o);
            case Dropout.Backward o -> DropoutCpu.backward(this, o);
            case Linear.Forward o -> LinearCpu.forward(this, o);
            case Linear.BackwardData o -> LinearCpu.backwardData(this, o);
            case Linear.BackwardWeights o -> LinearCpu.backwardWeights(this, o);
            case Gemm.Run o -> LinearCpu.gemm(this, o);
            case Loss.Forward o -> LossCpu.forward(this, o);
            case Loss.Backward o -> LossCpu.backward(this, o);
            case L2Penalty.Forward o -> L2PenaltyCpu.forward(this, o);
            case L2Penalty.Backward o -> L2PenaltyCpu.backward(this, o);
            case Sgd.Step o -> OptimizerCpu.sgd(this, o);
            case Adagrad.Step o -> OptimizerCpu.adagrad(this, o);
            case RmsProp.Step o -> OptimizerCpu.rmsProp(this, o);
            case Adam.Step o -> OptimizerCpu.adam(this, o);
            case Fill.Run o -> ElementwiseCpu.fill(this, o);
            case Copy.Run o -> ElementwiseCpu.copy(this, o);
            case Add.Run o -> ElementwiseCpu.add(this, o);
            case Scale.Run o -> ElementwiseCpu.scale(this, o);
            case Axpy.Run o -> ElementwiseCpu.axpy(this, o);
            case SumAxes.Run o -> ElementwiseCpu.sumAxes(this, o);
            case Upsample.Forward o -> UpsampleCpu.forward(this, o);
            case Upsample.Backward o -> UpsampleCpu.backward(this, o);
            case Concat.Forward o -> ConcatCpu.forward(this, o);
            case Concat.Backward o -> ConcatCpu.backward(this, o);
            case BatchNorm.BackwardInference o -> BatchNormCpu.backwardInference(this, o);
            case Sgd.Steps o -> OptimizerCpu.sgd(this, o);
            case Adagrad.Steps o -> OptimizerCpu.adagrad(this, o);
            case RmsProp.Steps o -> OptimizerCpu.rmsProp(this, o);
            case Adam.Steps o -> OptimizerCpu.adam(this, o);
        }
    }
}
