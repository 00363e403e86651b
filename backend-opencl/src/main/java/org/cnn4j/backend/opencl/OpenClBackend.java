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
import java.util.HashMap;
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
import org.cnn4j.kernels.host.BufferPool;
import org.cnn4j.kernels.host.KernelHost;
import org.cnn4j.kernels.host.KernelSource;
import org.cnn4j.kernels.host.PortableBackend;
import org.cnn4j.ops.Op;
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
 * Tensors own their buffers; closing a tensor returns its buffer to a pool keyed by byte size ({@link BufferPool},
 * shared with the CUDA backend), so a training step that allocates the same shapes each time reuses buffers
 * instead of calling {@code clCreateBuffer}. Reuse is safe without waiting: the queue is in order, so the next
 * user's work runs after the last user's. Scratch
 * buffers (im2col columns, partial sums) come from the same pool. An allocation that fails empties the pool and
 * retries once, then throws {@link DeviceMemoryException}; the backend stays usable.
 *
 * <h2>Kernels</h2>
 * The operators, the kernel sources and the program cache are {@link PortableBackend}'s; this class builds a
 * program with {@code clBuildProgram} (once per context: the cache is keyed by the SHA-256 of the source; a failed
 * build throws {@link KernelCompileException} with the build log), sets kernel arguments and enqueues NDRanges.
 */
public final class OpenClBackend extends PortableBackend<Long, Long> {
    /**
     * Build options for every program; no fast-math flags, so NaN and infinities behave as in the reference
     * (contraction is off by prelude_opencl.h's pragma, {@link KernelSource}).
     */
    static final String BUILD_OPTIONS = "";
    /** Largest im2col scratch buffer, in floats, before convolution splits the batch into chunks (64 MiB). */
    static final int COL_LIMIT_FLOATS = 1 << 24;
    /** Bytes the buffer pool keeps at most; beyond it, closed tensors release their buffers at once. */
    private static final long POOL_LIMIT_BYTES = 1L << 30;

    private final OpenClDevices.Device device;
    private final long context;
    private final long queue;
    /** Buffers by exact byte size (module kernels' pool, shared with the CUDA backend's allocator). */
    private final BufferPool pool;
    private final Map<Long, Long> live = new HashMap<>();
    private volatile int colLimitFloats = COL_LIMIT_FLOATS;
    private boolean released;

    private OpenClBackend(OpenClDevices.Device device) {
        super("opencl", KernelSource.Dialect.OPENCL);
        this.device = device;
        this.pool = new BufferPool("opencl", new ClBuffers(), BufferPool.EXACT, POOL_LIMIT_BYTES);
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
            kernel("elementwise", "fill_f32").p("y", mem).f("value", 0).i("total", shape.size())
                    .elements(shape.size());
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
        return pool.allocate(bytes);
    }

    /** Returns a buffer to the pool (or frees it when the pool is full or the backend closed). */
    synchronized void recycle(long mem, long bytes) {
        if (released) {
            return;
        }
        pool.free(mem, bytes);
    }

    private void drainPool() {
        pool.emptyCache();
    }

    private void drainPool(Releases r) {
        try {
            pool.emptyCache();
        } catch (NativeCallException e) {
            r.add(e.code(), "clReleaseMemObject");
        }
    }

    /**
     * {@code cl_mem} buffers for the pool: {@code clCreateBuffer} (a size above
     * {@code CL_DEVICE_MAX_MEM_ALLOC_SIZE} refused at once), {@code clReleaseMemObject}, which the driver defers
     * until the queued commands that use the buffer have run, so the pool's wait is none.
     */
    private final class ClBuffers implements BufferPool.Device {
        @Override
        public int allocate(long bytes, long[] out) {
            if (bytes > device.maxAllocBytes()) {
                throw new DeviceMemoryException(name(), bytes, -1, "CL_INVALID_BUFFER_SIZE: larger than"
                        + " CL_DEVICE_MAX_MEM_ALLOC_SIZE = " + device.maxAllocBytes() + " bytes of " + device.name());
            }
            try (MemoryStack stack = MemoryStack.stackPush()) {
                IntBuffer err = stack.mallocInt(1);
                out[0] = clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, err);
                return err.get(0);
            }
        }

        @Override
        public boolean outOfMemory(int status) {
            return ClStatus.isOutOfMemory(status);
        }

        @Override
        public String statusName(int status) {
            return ClStatus.name(status);
        }

        @Override
        public RuntimeException failure(int status, long bytes) {
            try {
                ClStatus.check(status, "clCreateBuffer", bytes + " bytes");
            } catch (RuntimeException e) {
                return e;
            }
            throw new IllegalStateException("status " + status + " is not a failure");
        }

        @Override
        public void free(long mem) {
            ClStatus.check(clReleaseMemObject(mem), "clReleaseMemObject");
        }

        @Override
        public long freeBytes() {
            return -1;
        }

        @Override
        public void synchronize() {
        }
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
    @Override
    protected int colLimitFloats() {
        return colLimitFloats;
    }

    @Override
    protected int maxGemmBatch() {
        return Integer.MAX_VALUE; // an NDRange's third axis
    }

    /** Sets the im2col chunk limit (tests force small chunks to cover the chunked paths). */
    void colLimitFloats(int floats) {
        colLimitFloats = floats;
    }

    /** Number of {@code clCreateBuffer} calls that made a buffer so far (the pool's misses). */
    synchronized long buffersCreated() {
        return pool.created();
    }

    /** Bytes held in the pool for reuse. */
    synchronized long pooledBytes() {
        return pool.cachedBytes();
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
    @Override
    protected synchronized void writeInts(long mem, int[] src) {
        ClStatus.check(clEnqueueWriteBuffer(queue, mem, true, 0, src, null, null), "clEnqueueWriteBuffer");
    }

    @Override
    protected void copy(long src, long dst, long bytes) {
        ClStatus.check(clEnqueueCopyBuffer(queue, src, dst, 0, 0, bytes, null, null), "clEnqueueCopyBuffer");
    }

    /** A scratch buffer of {@code floats} floats from the pool; give it back with {@link #freeTemp}. */
    @Override
    protected long temp(long floats) {
        return obtain(floats * Float.BYTES);
    }

    @Override
    protected void freeTemp(long buffer, long floats) {
        recycle(buffer, floats * Float.BYTES);
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
        for (Kernel<Long> k : kernels()) {
            r.add(clReleaseKernel(k.function()), "clReleaseKernel");
        }
        for (long p : programs()) {
            r.add(clReleaseProgram(p), "clReleaseProgram");
        }
        forgetPrograms();
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

    /** Builds {@code source} for this backend's device, or returns the program built from it before. */
    synchronized long build(String label, String source) {
        return program(label, source);
    }

    @Override
    protected Long compile(String label, String source) {
        String options = BUILD_OPTIONS;
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

    @Override
    protected Long function(Long program, String stem, String entry) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer err = stack.mallocInt(1);
            long kernel = clCreateKernel(program, entry, err);
            ClStatus.check(err.get(0), "clCreateKernel", entry + " in " + stem + ".k");
            return kernel;
        }
    }

    /** A launch of {@code entry} in kernel file {@code stem}: set arguments in order, then enqueue. */
    @Override
    protected Launch start(Kernel<Long> k) {
        return launch.start(k.function(), k.entry());
    }

    private final Launch launch = new Launch();

    long queue() {
        return queue;
    }

    @Override
    protected long buffer(Tensor t) {
        return mem(t);
    }

    static long mem(Tensor t) {
        return ((OpenClTensor) t).mem;
    }

    /**
     * Arguments set in order on one kernel, then one enqueue: the backend's one instance, used at once under its
     * monitor. The arguments' names are the kernel's parameter names (checked by the kernels module's tests, not
     * here).
     */
    final class Launch implements KernelHost.Launch {
        private long kernel;
        private String entry;
        private int index;

        private Launch start(long kernel, String entry) {
            this.kernel = kernel;
            this.entry = entry;
            this.index = 0;
            return this;
        }

        @Override
        public Launch p(String name, Tensor t) {
            return p(name, OpenClBackend.mem(t));
        }

        @Override
        public Launch p(String name, long m) {
            ClStatus.check(clSetKernelArg1p(kernel, index, m), "clSetKernelArg", entry + " argument " + index);
            index++;
            return this;
        }

        @Override
        public Launch i(String name, int v) {
            ClStatus.check(clSetKernelArg1i(kernel, index, v), "clSetKernelArg", entry + " argument " + index);
            index++;
            return this;
        }

        @Override
        public Launch f(String name, double v) {
            ClStatus.check(clSetKernelArg1f(kernel, index, (float) v), "clSetKernelArg",
                    entry + " argument " + index);
            index++;
            return this;
        }

        /** One work-item per element, {@code total} elements (the kernel checks the bound); none when empty. */
        @Override
        public void elements(long total) {
            if (total > 0) {
                enqueue(1, (total + 63L) / 64 * 64, 1, 1, 0, 0, 0);
            }
        }

        /** {@code groups} work-groups of {@code size} work-items along axis 0; none when there are no groups. */
        @Override
        public void groups(int groups, int size) {
            if (groups > 0) {
                enqueue(1, (long) groups * size, 1, 1, size, 1, 1);
            }
        }

        @Override
        public void tiles(int x, int y, int z, int threads) {
            enqueue(3, (long) x * threads, (long) y * threads, z, threads, threads, 1);
        }

        /** An NDRange of {@code dims} axes; local size {@code l0 = 0}: the driver's choice. */
        private void enqueue(int dims, long g0, long g1, long g2, long l0, long l1, long l2) {
            try (MemoryStack stack = MemoryStack.stackPush()) {
                PointerBuffer g = stack.mallocPointer(dims);
                PointerBuffer l = l0 == 0 ? null : stack.mallocPointer(dims);
                g.put(0, g0);
                if (l != null) {
                    l.put(0, l0);
                }
                if (dims == 3) {
                    g.put(1, g1).put(2, g2);
                    if (l != null) {
                        l.put(1, l1).put(2, l2);
                    }
                }
                ClStatus.check(clEnqueueNDRangeKernel(queue, kernel, dims, null, g, l, null, null),
                        "clEnqueueNDRangeKernel", entry);
            }
        }
    }

    // ---- operators ----------------------------------------------------------------------------------

    /** Every operator on the portable kernels ({@link PortableBackend#dispatch}), under this backend's monitor. */
    @Override
    protected synchronized void run(Op op) {
        // execute() checked before waiting for this monitor; a close() may have released the context since.
        checkOpen();
        dispatch(op);
    }
}
