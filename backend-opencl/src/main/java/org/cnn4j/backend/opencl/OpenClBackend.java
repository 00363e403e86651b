package org.cnn4j.backend.opencl;

import static org.lwjgl.opencl.CL10.CL_MEM_READ_WRITE;
import static org.lwjgl.opencl.CL10.CL_PROGRAM_BUILD_LOG;
import static org.lwjgl.opencl.CL10.clBuildProgram;
import static org.lwjgl.opencl.CL10.clCreateBuffer;
import static org.lwjgl.opencl.CL10.clCreateCommandQueue;
import static org.lwjgl.opencl.CL10.clCreateContext;
import static org.lwjgl.opencl.CL10.clCreateKernel;
import static org.lwjgl.opencl.CL10.clCreateProgramWithSource;
import static org.lwjgl.opencl.CL10.clEnqueueCopyBuffer;
import static org.lwjgl.opencl.CL10.clEnqueueNDRangeKernel;
import static org.lwjgl.opencl.CL10.clEnqueueReadBuffer;
import static org.lwjgl.opencl.CL10.clEnqueueWriteBuffer;
import static org.lwjgl.opencl.CL10.clFinish;
import static org.lwjgl.opencl.CL10.clGetProgramBuildInfo;
import static org.lwjgl.opencl.CL10.clReleaseCommandQueue;
import static org.lwjgl.opencl.CL10.clReleaseContext;
import static org.lwjgl.opencl.CL10.clReleaseKernel;
import static org.lwjgl.opencl.CL10.clReleaseMemObject;
import static org.lwjgl.opencl.CL10.clReleaseProgram;
import static org.lwjgl.opencl.CL10.clSetKernelArg1f;
import static org.lwjgl.opencl.CL10.clSetKernelArg1i;
import static org.lwjgl.opencl.CL10.clSetKernelArg1p;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.cnn4j.core.BackendUnavailableException;
import org.cnn4j.core.DType;
import org.cnn4j.core.DeviceMemoryException;
import org.cnn4j.core.KernelCompileException;
import org.cnn4j.core.NativeCallException;
import org.cnn4j.core.Probe;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.kernels.host.ActivationLaunches;
import org.cnn4j.kernels.host.ConcatLaunches;
import org.cnn4j.kernels.host.BatchNormLaunches;
import org.cnn4j.kernels.host.Conv2dLaunches;
import org.cnn4j.kernels.host.DropoutLaunches;
import org.cnn4j.kernels.host.ElementwiseLaunches;
import org.cnn4j.kernels.host.KernelHost;
import org.cnn4j.kernels.host.L2PenaltyLaunches;
import org.cnn4j.kernels.host.LossLaunches;
import org.cnn4j.kernels.host.OptimizerLaunches;
import org.cnn4j.kernels.host.PoolLaunches;
import org.cnn4j.kernels.host.SoftmaxLaunches;
import org.cnn4j.kernels.host.UpsampleLaunches;
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
import org.cnn4j.spi.SignalHandlers;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;

/**
 * The OpenCL backend: one context and one in-order command queue on one device, float32 tensors in
 * {@code cl_mem} buffers, the portable kernels of module {@code kernels} built at run time.
 *
 * <h2>Execution</h2>
 * Operators enqueue kernels without waiting; the queue is in order, so work runs as issued. The host waits only
 * where it reads: {@link Tensor#copyTo(float[])} is a blocking read, {@link #synchronize()} is {@code clFinish}.
 * Kernel arguments and launches are serialized by this backend's monitor (an OpenCL kernel object holds its
 * arguments, so two threads must not set them at once).
 *
 * <h2>Memory</h2>
 * Tensors own their buffers; closing a tensor returns its buffer to a pool keyed by byte size, so a training
 * step that allocates the same shapes each time reuses buffers instead of calling {@code clCreateBuffer}. Reuse
 * is safe without waiting: the queue is in order, so the next user's work runs after the last user's. Scratch
 * buffers (im2col columns, partial sums) come from the same pool. An allocation that fails empties the pool and
 * retries once, then throws {@link DeviceMemoryException}; the backend stays usable.
 *
 * <h2>Kernels</h2>
 * Each kernel file is built once per backend (context) with {@code clBuildProgram}, cached by the SHA-256 of its
 * source and build options; a failed build throws {@link KernelCompileException} with the build log.
 */
public final class OpenClBackend extends AbstractBackend {
    /** Build options for every program; no fast-math flags, so NaN and infinities behave as in the reference. */
    static final String BUILD_OPTIONS = "";
    /** Largest im2col scratch buffer, in floats, before convolution splits the batch into chunks (64 MiB). */
    static final int COL_LIMIT_FLOATS = 1 << 24;
    /** Bytes the buffer pool keeps at most; beyond it, closed tensors release their buffers at once. */
    private static final long POOL_LIMIT_BYTES = 1L << 30;

    private final OpenClDevices.Device device;
    private final long context;
    private final long queue;
    private final Map<String, Long> programs = new HashMap<>();
    private final Map<String, Long> kernels = new HashMap<>();
    private final Map<Long, ArrayDeque<Long>> pool = new HashMap<>();
    private final Map<Long, Long> live = new HashMap<>();
    private long pooledBytes;
    private long buffersCreated;
    private volatile int colLimitFloats = COL_LIMIT_FLOATS;
    private boolean released;

    private OpenClBackend(OpenClDevices.Device device) {
        super("opencl");
        this.device = device;
        limitMemoryTo(device.globalMemBytes());
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer err = stack.mallocInt(1);
            PointerBuffer props = stack.mallocPointer(3);
            props.put(0, 0x1084 /* CL_CONTEXT_PLATFORM */).put(1, device.platform()).put(2, 0);
            long ctx = clCreateContext(props, device.id(), null, 0, err);
            ClStatus.check(err.get(0), "clCreateContext", device.name());
            long q = clCreateCommandQueue(ctx, device.id(), 0, err);
            if (err.get(0) != 0) {
                clReleaseContext(ctx); // cleanup on the way to reporting the queue's failure
                ClStatus.check(err.get(0), "clCreateCommandQueue", device.name());
            }
            this.context = ctx;
            this.queue = q;
        } finally {
            SignalHandlers.restore(); // a driver may start its compiler with the context
        }
    }

    /** Opens a backend on the device that {@code selector} picks (null: automatic). */
    static OpenClBackend open(String selector) {
        OpenClDevices.Selection s = OpenClDevices.select(OpenClDevices.list(), selector);
        if (!s.found()) {
            throw new BackendUnavailableException("opencl", "backend 'opencl' cannot start: " + s.reason(),
                    List.of(Probe.unavailable("opencl", s.reason())));
        }
        return new OpenClBackend(s.device());
    }

    /** Opens a backend on the device chosen as by {@code -Dcnn4j.opencl.device}. */
    public static OpenClBackend open() {
        return open(System.getProperty(OpenClDevices.DEVICE_PROPERTY));
    }

    @Override
    public String device() {
        return device.describe();
    }

    /** What the driver reports about the chosen device. */
    OpenClDevices.Device deviceInfo() {
        return device;
    }

    /** True when the chosen device is a GPU. */
    public boolean isGpu() {
        return device.gpu();
    }

    @Override
    public boolean supports(DType dtype) {
        return dtype == DType.FLOAT32;
    }

    @Override
    protected boolean supportsOp(Op op) {
        return op.dtype() == DType.FLOAT32;
    }

    // ---- memory -------------------------------------------------------------------------------------

    @Override
    protected synchronized Tensor allocateTensor(Shape shape, DType dtype) {
        long bytes = (long) shape.size() * Float.BYTES;
        long mem = obtain(bytes);
        live.put(mem, bytes);
        OpenClTensor t = new OpenClTensor(this, shape, mem);
        try {
            kernel("elementwise", "fill_f32").p(mem).f(0).i(shape.size()).elements(shape.size());
        } catch (RuntimeException e) {
            live.remove(mem);
            clReleaseMemObject(mem); // cleanup on the way to reporting the fill's failure
            // drivers that allocate on first use report running out of memory here, at the zero fill
            if (e instanceof NativeCallException n && ClStatus.isOutOfMemory(n.code())) {
                drainPool();
                throw new DeviceMemoryException(name(), bytes, -1, n.status() + " (first use of the buffer)");
            }
            throw e;
        }
        return t;
    }

    /** A buffer of {@code bytes} from the pool, or a new one. */
    synchronized long obtain(long bytes) {
        ArrayDeque<Long> free = pool.get(bytes);
        if (free != null && !free.isEmpty()) {
            pooledBytes -= bytes;
            return free.pop();
        }
        if (bytes > device.maxAllocBytes()) {
            throw new DeviceMemoryException(name(), bytes, -1, "CL_INVALID_BUFFER_SIZE: larger than"
                    + " CL_DEVICE_MAX_MEM_ALLOC_SIZE = " + device.maxAllocBytes() + " bytes of " + device.name());
        }
        int status = 0;
        for (int attempt = 0; attempt < 2; attempt++) {
            try (MemoryStack stack = MemoryStack.stackPush()) {
                IntBuffer err = stack.mallocInt(1);
                long mem = clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, err);
                status = err.get(0);
                if (status == 0) {
                    buffersCreated++;
                    return mem;
                }
            }
            if (!ClStatus.isOutOfMemory(status)) {
                ClStatus.check(status, "clCreateBuffer", bytes + " bytes");
            }
            drainPool();
        }
        throw new DeviceMemoryException(name(), bytes, -1, ClStatus.name(status));
    }

    /** Returns a buffer to the pool (or frees it when the pool is full or the backend closed). */
    synchronized void recycle(long mem, long bytes) {
        if (released) {
            return;
        }
        if (pooledBytes + bytes > POOL_LIMIT_BYTES) {
            ClStatus.check(clReleaseMemObject(mem), "clReleaseMemObject");
            return;
        }
        pool.computeIfAbsent(bytes, k -> new ArrayDeque<>()).push(mem);
        pooledBytes += bytes;
    }

    private void drainPool() {
        Releases r = new Releases();
        drainPool(r);
        r.check();
    }

    private void drainPool(Releases r) {
        for (ArrayDeque<Long> free : pool.values()) {
            for (long mem : free) {
                r.add(clReleaseMemObject(mem), "clReleaseMemObject");
            }
        }
        pool.clear();
        pooledBytes = 0;
    }

    /** Release calls made in a row: all of them run, then the first failure is reported. */
    private static final class Releases {
        private int status;
        private String function;

        void add(int s, String fn) {
            if (s != 0 && status == 0) {
                status = s;
                function = fn;
            }
        }

        void check() {
            ClStatus.check(status, function == null ? "clRelease*" : function);
        }
    }

    /** The im2col chunk limit in floats. */
    int colLimitFloats() {
        return colLimitFloats;
    }

    /** Sets the im2col chunk limit (tests force small chunks to cover the chunked paths). */
    void colLimitFloats(int floats) {
        colLimitFloats = floats;
    }

    /** Number of {@code clCreateBuffer} calls so far (the pool's misses). */
    synchronized long buffersCreated() {
        return buffersCreated;
    }

    /** Bytes held in the pool for reuse. */
    synchronized long pooledBytes() {
        return pooledBytes;
    }

    synchronized void released(OpenClTensor t) {
        if (released) {
            return;
        }
        onRelease(t);
        live.remove(t.mem);
        recycle(t.mem, t.bytes());
    }

    synchronized void write(OpenClTensor t, float[] src) {
        checkOpen();
        ClStatus.check(clEnqueueWriteBuffer(queue, t.mem, true, 0, src, null, null), "clEnqueueWriteBuffer",
                t.bytes() + " bytes");
    }

    synchronized void read(OpenClTensor t, float[] dst) {
        checkOpen();
        ClStatus.check(clEnqueueReadBuffer(queue, t.mem, true, 0, dst, null, null), "clEnqueueReadBuffer",
                t.bytes() + " bytes");
    }

    /** Writes a small int array (kernel metadata) into {@code mem}; blocking, so the array may be reused. */
    synchronized void writeInts(long mem, int[] src) {
        ClStatus.check(clEnqueueWriteBuffer(queue, mem, true, 0, src, null, null), "clEnqueueWriteBuffer");
    }

    void copy(long src, long dst, long bytes) {
        ClStatus.check(clEnqueueCopyBuffer(queue, src, dst, 0, 0, bytes, null, null), "clEnqueueCopyBuffer");
    }

    /** A scratch buffer of {@code floats} floats; give it back with {@link #recycle(long, long)}. */
    long scratch(long floats) {
        return obtain(floats * Float.BYTES);
    }

    @Override
    public synchronized void synchronize() {
        checkOpen();
        ClStatus.check(clFinish(queue), "clFinish");
    }

    @Override
    protected synchronized void shutdown() {
        Releases r = new Releases();
        r.add(clFinish(queue), "clFinish");
        for (long k : kernels.values()) {
            r.add(clReleaseKernel(k), "clReleaseKernel");
        }
        kernels.clear();
        for (long p : programs.values()) {
            r.add(clReleaseProgram(p), "clReleaseProgram");
        }
        programs.clear();
        drainPool(r);
        for (long mem : live.keySet()) {
            r.add(clReleaseMemObject(mem), "clReleaseMemObject");
        }
        live.clear();
        released = true;
        r.add(clReleaseCommandQueue(queue), "clReleaseCommandQueue");
        r.add(clReleaseContext(context), "clReleaseContext");
        r.check();
    }

    // ---- programs and kernels -----------------------------------------------------------------------

    /** Builds {@code source} for this backend's device, or returns the cached program. */
    synchronized long build(String label, String source, String options) {
        String key = sha256(source + '\0' + options);
        Long cached = programs.get(key);
        if (cached != null) {
            return cached;
        }
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer err = stack.mallocInt(1);
            long program = clCreateProgramWithSource(context, source, err);
            ClStatus.check(err.get(0), "clCreateProgramWithSource", label);
            int status = SignalHandlers.preserving(() -> clBuildProgram(program, device.id(), options, null, 0));
            if (status != 0) {
                String log = buildLog(program);
                clReleaseProgram(program); // cleanup on the way to reporting the build failure
                throw new KernelCompileException(label + " on " + device.name(), ClStatus.name(status), log);
            }
            programs.put(key, program);
            return program;
        }
    }

    private String buildLog(long program) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            int status = clGetProgramBuildInfo(program, device.id(), CL_PROGRAM_BUILD_LOG, (ByteBuffer) null, size);
            if (status != 0) {
                return "(no build log: clGetProgramBuildInfo failed with " + ClStatus.name(status) + ")";
            }
            ByteBuffer buf = org.lwjgl.system.MemoryUtil.memAlloc((int) size.get(0));
            try {
                status = clGetProgramBuildInfo(program, device.id(), CL_PROGRAM_BUILD_LOG, buf, null);
                if (status != 0) {
                    return "(no build log: clGetProgramBuildInfo failed with " + ClStatus.name(status) + ")";
                }
                byte[] bytes = new byte[buf.remaining()];
                buf.get(bytes);
                int end = bytes.length;
                while (end > 0 && bytes[end - 1] == 0) {
                    end--;
                }
                return new String(bytes, 0, end, StandardCharsets.UTF_8);
            } finally {
                org.lwjgl.system.MemoryUtil.memFree(buf);
            }
        }
    }

    /** The kernel object for {@code entry} of kernel file {@code stem}, built on first use. */
    synchronized long kernelObject(String stem, String entry) {
        String key = stem + '#' + entry;
        Long k = kernels.get(key);
        if (k != null) {
            return k;
        }
        long program = build(stem + ".k", KernelSource.opencl(stem), BUILD_OPTIONS);
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer err = stack.mallocInt(1);
            long kernel = clCreateKernel(program, entry, err);
            ClStatus.check(err.get(0), "clCreateKernel", entry + " in " + stem + ".k");
            kernels.put(key, kernel);
            return kernel;
        }
    }

    /** A launch of {@code entry} in kernel file {@code stem}: set arguments in order, then enqueue. */
    Launch kernel(String stem, String entry) {
        return new Launch(kernelObject(stem, entry), entry);
    }

    long queue() {
        return queue;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static long mem(Tensor t) {
        return ((OpenClTensor) t).mem;
    }

    /** Arguments set in order on one kernel, then one enqueue. Used under the backend's monitor. */
    final class Launch implements KernelHost.Launch {
        private final long kernel;
        private final String entry;
        private int index;

        private Launch(long kernel, String entry) {
            this.kernel = kernel;
            this.entry = entry;
        }

        @Override
        public Launch p(Tensor t) {
            return p(OpenClBackend.mem(t));
        }

        @Override
        public Launch p(long m) {
            ClStatus.check(clSetKernelArg1p(kernel, index, m), "clSetKernelArg", entry + " argument " + index);
            index++;
            return this;
        }

        @Override
        public Launch i(int v) {
            ClStatus.check(clSetKernelArg1i(kernel, index, v), "clSetKernelArg", entry + " argument " + index);
            index++;
            return this;
        }

        @Override
        public Launch f(double v) {
            ClStatus.check(clSetKernelArg1f(kernel, index, (float) v), "clSetKernelArg",
                    entry + " argument " + index);
            index++;
            return this;
        }

        /** One work-item per element, {@code total} elements (the kernel checks the bound); none when empty. */
        @Override
        public void elements(long total) {
            if (total > 0) {
                enqueue(new long[] {(total + 63L) / 64 * 64}, null);
            }
        }

        /** {@code groups} work-groups of {@code size} work-items along axis 0; none when there are no groups. */
        @Override
        public void groups(int groups, int size) {
            if (groups > 0) {
                enqueue(new long[] {(long) groups * size}, new long[] {size});
            }
        }

        @Override
        public void tiles(int x, int y, int z, int threads) {
            enqueue(new long[] {(long) x * threads, (long) y * threads, z}, new long[] {threads, threads, 1});
        }

        void enqueue(long[] global, long[] local) {
            try (MemoryStack stack = MemoryStack.stackPush()) {
                PointerBuffer g = stack.mallocPointer(global.length);
                for (int d = 0; d < global.length; d++) {
                    g.put(d, global[d]);
                }
                PointerBuffer l = null;
                if (local != null) {
                    l = stack.mallocPointer(local.length);
                    for (int d = 0; d < local.length; d++) {
                        l.put(d, local[d]);
                    }
                }
                ClStatus.check(clEnqueueNDRangeKernel(queue, kernel, global.length, null, g, l, null, null),
                        "clEnqueueNDRangeKernel", entry);
            }
        }
    }

    // ---- operators ----------------------------------------------------------------------------------

    /** This backend as the portable kernels' host ({@link org.cnn4j.kernels.host}). */
    final KernelHost host = new KernelHost() {
        @Override
        public Launch kernel(String file, String entry) {
            return OpenClBackend.this.kernel(file, entry);
        }

        @Override
        public long buffer(Tensor t) {
            return mem(t);
        }

        @Override
        public long temp(long floats) {
            return scratch(floats);
        }

        @Override
        public void freeTemp(long buffer, long floats) {
            recycle(buffer, floats * Float.BYTES);
        }

        @Override
        public void writeInts(long dst, int[] src) {
            OpenClBackend.this.writeInts(dst, src);
        }

        @Override
        public int colLimitFloats() {
            return OpenClBackend.this.colLimitFloats();
        }

        @Override
        public int maxGemmBatch() {
            return Integer.MAX_VALUE; // an NDRange's third axis
        }
    };

    private void copy(Copy.Run o) {
        if (mem(o.x()) != mem(o.y())) { // a view of the same buffer already holds the values
            copy(mem(o.x()), mem(o.y()), (long) o.x().size() * Float.BYTES);
        }
    }

    @Override
    protected synchronized void run(Op op) {
        // execute() checked before waiting for this monitor; a close() may have released the context since.
        checkOpen();
        switch (op) {
            case Conv2d.Forward o -> Conv2dLaunches.forward(host, o);
            case Conv2d.BackwardData o -> Conv2dLaunches.backwardData(host, o);
            case Conv2d.BackwardFilter o -> Conv2dLaunches.backwardFilter(host, o);
            case Pool2d.Forward o -> PoolLaunches.forward(host, o);
            case Pool2d.Backward o -> PoolLaunches.backward(host, o);
            case BatchNorm.ForwardTraining o -> BatchNormLaunches.forwardTraining(host, o);
            case BatchNorm.ForwardInference o -> BatchNormLaunches.forwardInference(host, o);
            case BatchNorm.Backward o -> BatchNormLaunches.backward(host, o);
            case Activation.Forward o -> ActivationLaunches.forward(host, o);
            case Activation.Backward o -> ActivationLaunches.backward(host, o);
            case Prelu.Forward o -> ActivationLaunches.preluForward(host, o);
            case Prelu.Backward o -> ActivationLaunches.preluBackward(host, o);
            case Softmax.Forward o -> SoftmaxLaunches.forward(host, o);
            case Softmax.Backward o -> SoftmaxLaunches.backward(host, o);
            case Dropout.Forward o -> DropoutLaunches.apply(host, o.dropout(), o.x(), o.y());
            case Dropout.Backward o -> DropoutLaunches.apply(host, o.dropout(), o.dy(), o.dx());
            case Linear.Forward o -> GemmOpenCl.linearForward(this, o);
            case Linear.BackwardData o -> GemmOpenCl.linearBackwardData(this, o);
            case Linear.BackwardWeights o -> GemmOpenCl.linearBackwardWeights(this, o);
            case Gemm.Run o -> GemmOpenCl.run(this, o);
            case Loss.Forward o -> LossLaunches.forward(host, o);
            case Loss.Backward o -> LossLaunches.backward(host, o);
            case L2Penalty.Forward o -> L2PenaltyLaunches.forward(host, o);
            case L2Penalty.Backward o -> L2PenaltyLaunches.backward(host, o);
            case Sgd.Step o -> OptimizerLaunches.sgd(host, o);
            case Adagrad.Step o -> OptimizerLaunches.adagrad(host, o);
            case RmsProp.Step o -> OptimizerLaunches.rmsProp(host, o);
            case Adam.Step o -> OptimizerLaunches.adam(host, o);
            case Fill.Run o -> ElementwiseLaunches.fill(host, o);
            case Copy.Run o -> copy(o);
            case Add.Run o -> ElementwiseLaunches.add(host, o);
            case Scale.Run o -> ElementwiseLaunches.scale(host, o);
            case Axpy.Run o -> ElementwiseLaunches.axpy(host, o);
            case SumAxes.Run o -> ElementwiseLaunches.sumAxes(host, o);
            case Upsample.Forward o -> UpsampleLaunches.forward(host, o);
            case Upsample.Backward o -> UpsampleLaunches.backward(host, o);
            case Concat.Forward o -> ConcatLaunches.forward(host, o);
            case Concat.Backward o -> ConcatLaunches.backward(host, o);
            case BatchNorm.BackwardInference o -> BatchNormLaunches.backwardInference(host, o);
            case Sgd.Steps o -> OptimizerLaunches.sgd(host, o);
            case Adagrad.Steps o -> OptimizerLaunches.adagrad(host, o);
            case RmsProp.Steps o -> OptimizerLaunches.rmsProp(host, o);
            case Adam.Steps o -> OptimizerLaunches.adam(host, o);
        }
    }
}
