package org.cnn4j.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The CUDA driver API ({@code libcuda.so.1}), the part the backend uses. One handle per function, bound when an
 * instance is made from a loaded library (never in a static initialiser). Every call checks its {@code CUresult}
 * and throws a {@link org.cnn4j.core.NativeCallException} named after it ({@code CUDA_ERROR_OUT_OF_MEMORY}).
 * Device pointers are {@code long}s ({@code CUdeviceptr}); contexts, streams, modules and functions are
 * addresses.
 *
 * <p>None of this has run on a GPU yet: it compiles and binds by name, and is exercised only where a driver is.
 */
final class CudaDriver {
    static final String LIB = "cuda";

    /** {@code CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR} and {@code _MINOR}. */
    static final int ATTR_CC_MAJOR = 75;
    static final int ATTR_CC_MINOR = 76;

    private final MethodHandle cuInit;
    private final MethodHandle cuDriverGetVersion;
    private final MethodHandle cuDeviceGetCount;
    private final MethodHandle cuDeviceGet;
    private final MethodHandle cuDeviceGetName;
    private final MethodHandle cuDeviceGetAttribute;
    private final MethodHandle cuDeviceTotalMem;
    private final MethodHandle cuDevicePrimaryCtxRetain;
    private final MethodHandle cuDevicePrimaryCtxRelease;
    private final MethodHandle cuCtxSetCurrent;
    private final MethodHandle cuStreamCreate;
    private final MethodHandle cuStreamDestroy;
    private final MethodHandle cuStreamSynchronize;
    private final MethodHandle cuMemAlloc;
    private final MethodHandle cuMemFree;
    private final MethodHandle cuMemAllocHost;
    private final MethodHandle cuMemFreeHost;
    private final MethodHandle cuMemcpyHtoDAsync;
    private final MethodHandle cuMemcpyDtoHAsync;
    private final MethodHandle cuMemcpyDtoDAsync;
    private final MethodHandle cuMemsetD32Async;
    private final MethodHandle cuMemGetInfo;
    private final MethodHandle cuModuleLoadData;
    private final MethodHandle cuModuleUnload;
    private final MethodHandle cuModuleGetFunction;
    private final MethodHandle cuLaunchKernel;
    private final MethodHandle cuGetErrorName;
    private final MethodHandle cuEventCreate;
    private final MethodHandle cuEventRecord;
    private final MethodHandle cuEventQuery;
    private final MethodHandle cuEventSynchronize;
    private final MethodHandle cuEventDestroy;
    private final MethodHandle cuStreamBeginCapture;
    private final MethodHandle cuStreamEndCapture;
    private final MethodHandle cuGraphInstantiate;
    private final MethodHandle cuGraphLaunch;
    private final MethodHandle cuGraphExecDestroy;
    private final MethodHandle cuGraphDestroy;

    /** {@code CU_EVENT_DISABLE_TIMING}. */
    static final int EVENT_DISABLE_TIMING = 2;
    /** {@code CUDA_ERROR_NOT_READY}: {@code cuEventQuery}'s "not yet". */
    static final int NOT_READY = 600;
    /**
     * {@code CU_STREAM_CAPTURE_MODE_RELAXED}: the capturing thread may still call what is unsafe during a capture
     * ({@code cuMemAlloc}, module loads), which the caching allocator's growth and the first use of a kernel need.
     */
    static final int CAPTURE_MODE_RELAXED = 2;

    CudaDriver(SymbolLookup s) {
        cuInit = b(s, "cuInit", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        cuDriverGetVersion = b(s, "cuDriverGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuDeviceGetCount = b(s, "cuDeviceGetCount", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuDeviceGet = b(s, "cuDeviceGet", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuDeviceGetName = b(s, "cuDeviceGetName", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        cuDeviceGetAttribute = b(s, "cuDeviceGetAttribute",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        cuDeviceTotalMem = b(s, "cuDeviceTotalMem_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuDevicePrimaryCtxRetain = b(s, "cuDevicePrimaryCtxRetain",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuDevicePrimaryCtxRelease = b(s, "cuDevicePrimaryCtxRelease_v2", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        cuCtxSetCurrent = b(s, "cuCtxSetCurrent", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuStreamCreate = b(s, "cuStreamCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuStreamDestroy = b(s, "cuStreamDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuStreamSynchronize = b(s, "cuStreamSynchronize", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuMemAlloc = b(s, "cuMemAlloc_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        cuMemFree = b(s, "cuMemFree_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        cuMemAllocHost = b(s, "cuMemAllocHost_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        cuMemFreeHost = b(s, "cuMemFreeHost", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuMemcpyHtoDAsync = b(s, "cuMemcpyHtoDAsync_v2",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS));
        cuMemcpyDtoHAsync = b(s, "cuMemcpyDtoHAsync_v2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
        cuMemcpyDtoDAsync = b(s, "cuMemcpyDtoDAsync_v2",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));
        cuMemsetD32Async = b(s, "cuMemsetD32Async",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS));
        cuMemGetInfo = b(s, "cuMemGetInfo_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cuModuleLoadData = b(s, "cuModuleLoadData", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cuModuleUnload = b(s, "cuModuleUnload", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuModuleGetFunction = b(s, "cuModuleGetFunction", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        cuLaunchKernel = b(s, "cuLaunchKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        cuGetErrorName = b(s, "cuGetErrorName", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        cuEventCreate = b(s, "cuEventCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuEventRecord = b(s, "cuEventRecord", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cuEventQuery = b(s, "cuEventQuery", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuEventSynchronize = b(s, "cuEventSynchronize", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuEventDestroy = b(s, "cuEventDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuStreamBeginCapture = b(s, "cuStreamBeginCapture_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuStreamEndCapture = b(s, "cuStreamEndCapture", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cuGraphInstantiate = b(s, "cuGraphInstantiateWithFlags",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        cuGraphLaunch = b(s, "cuGraphLaunch", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cuGraphExecDestroy = b(s, "cuGraphExecDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuGraphDestroy = b(s, "cuGraphDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    private static MethodHandle b(SymbolLookup s, String name, FunctionDescriptor d) {
        return Native.bind(s, LIB, name, d);
    }

    static void check(String function, int code) {
        Native.check(LIB, function, code, CudaStatus::cuResult, null);
    }

    void init() {
        check("cuInit", Native.call(cuInit, 0));
    }

    int driverVersion() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cuDriverGetVersion", Native.call(cuDriverGetVersion, v));
            return v.get(JAVA_INT, 0);
        }
    }

    int deviceCount() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cuDeviceGetCount", Native.call(cuDeviceGetCount, v));
            return v.get(JAVA_INT, 0);
        }
    }

    int device(int ordinal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cuDeviceGet", Native.call(cuDeviceGet, v, ordinal));
            return v.get(JAVA_INT, 0);
        }
    }

    String deviceName(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(JAVA_BYTE, 256);
            check("cuDeviceGetName", Native.call(cuDeviceGetName, buf, 256, device));
            return buf.getString(0);
        }
    }

    int attribute(int device, int attribute) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cuDeviceGetAttribute", Native.call(cuDeviceGetAttribute, v, attribute, device));
            return v.get(JAVA_INT, 0);
        }
    }

    long totalMemory(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            check("cuDeviceTotalMem_v2", Native.call(cuDeviceTotalMem, v, device));
            return v.get(JAVA_LONG, 0);
        }
    }

    /** The device's primary context (retained; release with {@link #releasePrimaryContext}). */
    MemorySegment retainPrimaryContext(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuDevicePrimaryCtxRetain", Native.call(cuDevicePrimaryCtxRetain, v, device));
            return v.get(ADDRESS, 0);
        }
    }

    void releasePrimaryContext(int device) {
        check("cuDevicePrimaryCtxRelease_v2", Native.call(cuDevicePrimaryCtxRelease, device));
    }

    void setCurrent(MemorySegment context) {
        check("cuCtxSetCurrent", Native.call(cuCtxSetCurrent, context));
    }

    /** A non-blocking stream ({@code CU_STREAM_NON_BLOCKING}). */
    MemorySegment createStream() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuStreamCreate", Native.call(cuStreamCreate, v, 1));
            return v.get(ADDRESS, 0);
        }
    }

    void destroyStream(MemorySegment stream) {
        check("cuStreamDestroy_v2", Native.call(cuStreamDestroy, stream));
    }

    void synchronize(MemorySegment stream) {
        check("cuStreamSynchronize", Native.call(cuStreamSynchronize, stream));
    }

    /** {@code cuMemAlloc_v2}; returns the raw status so the allocator can retry on out-of-memory. */
    int tryAlloc(MemorySegment out, long bytes) {
        return Native.call(cuMemAlloc, out, bytes);
    }

    void free(long pointer) {
        check("cuMemFree_v2", Native.call(cuMemFree, pointer));
    }

    /** Page-locked host memory of {@code bytes}, as a segment of that size. */
    MemorySegment allocHost(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuMemAllocHost_v2", Native.call(cuMemAllocHost, v, bytes));
            return v.get(ADDRESS, 0).reinterpret(bytes);
        }
    }

    void freeHost(MemorySegment host) {
        check("cuMemFreeHost", Native.call(cuMemFreeHost, host));
    }

    void copyHostToDevice(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        check("cuMemcpyHtoDAsync_v2", Native.call(cuMemcpyHtoDAsync, dst, src, bytes, stream));
    }

    void copyDeviceToHost(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        check("cuMemcpyDtoHAsync_v2", Native.call(cuMemcpyDtoHAsync, dst, src, bytes, stream));
    }

    void copyDeviceToDevice(long dst, long src, long bytes, MemorySegment stream) {
        check("cuMemcpyDtoDAsync_v2", Native.call(cuMemcpyDtoDAsync, dst, src, bytes, stream));
    }

    /** Sets {@code count} 32-bit words at {@code dst} to {@code bits} (a float's raw bits fills with that float). */
    void memsetD32(long dst, int bits, long count, MemorySegment stream) {
        check("cuMemsetD32Async", Native.call(cuMemsetD32Async, dst, bits, count, stream));
    }

    /** {free, total} bytes of the current context's device. */
    long[] memoryInfo() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment free = a.allocate(JAVA_LONG);
            MemorySegment total = a.allocate(JAVA_LONG);
            check("cuMemGetInfo_v2", Native.call(cuMemGetInfo, free, total));
            return new long[] {free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0)};
        }
    }

    /** Loads PTX or a cubin (NUL-terminated for PTX) into the current context. */
    MemorySegment loadModule(MemorySegment image) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuModuleLoadData", Native.call(cuModuleLoadData, v, image));
            return v.get(ADDRESS, 0);
        }
    }

    void unloadModule(MemorySegment module) {
        check("cuModuleUnload", Native.call(cuModuleUnload, module));
    }

    MemorySegment function(MemorySegment module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuModuleGetFunction", Native.call(cuModuleGetFunction, v, module, a.allocateFrom(name)));
            return v.get(ADDRESS, 0);
        }
    }

    /**
     * Launches {@code f}; {@code params} is the array of pointers to each argument's value. Called exactly
     * (no argument array, no boxing): this is the own kernels' hot path.
     */
    void launch(MemorySegment f, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
            int sharedBytes, MemorySegment stream, MemorySegment params) {
        int status;
        try {
            status = (int) cuLaunchKernel.invokeExact(f, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes,
                    stream, params, MemorySegment.NULL);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (status != 0) {
            check("cuLaunchKernel", status);
        }
    }

    /** An event without timing ({@code CU_EVENT_DISABLE_TIMING}), for ordering host work after stream work. */
    MemorySegment createEvent() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuEventCreate", Native.call(cuEventCreate, v, EVENT_DISABLE_TIMING));
            return v.get(ADDRESS, 0);
        }
    }

    void recordEvent(MemorySegment event, MemorySegment stream) {
        check("cuEventRecord", Native.call(cuEventRecord, event, stream));
    }

    /** True when the work before the event's record has finished (no waiting). */
    boolean eventDone(MemorySegment event) {
        int status = Native.call(cuEventQuery, event);
        if (status == NOT_READY) {
            return false;
        }
        check("cuEventQuery", status);
        return true;
    }

    void synchronizeEvent(MemorySegment event) {
        check("cuEventSynchronize", Native.call(cuEventSynchronize, event));
    }

    void destroyEvent(MemorySegment event) {
        check("cuEventDestroy_v2", Native.call(cuEventDestroy, event));
    }

    /** Starts capturing the work queued on {@code stream} into a graph (nothing runs until it is launched). */
    void beginCapture(MemorySegment stream, int mode) {
        check("cuStreamBeginCapture_v2", Native.call(cuStreamBeginCapture, stream, mode));
    }

    /** Ends the capture and returns the graph. */
    MemorySegment endCapture(MemorySegment stream) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuStreamEndCapture", Native.call(cuStreamEndCapture, stream, v));
            return v.get(ADDRESS, 0);
        }
    }

    /** {@code cuGraphInstantiateWithFlags(graph, 0)}: an executable graph. */
    MemorySegment instantiate(MemorySegment graph) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuGraphInstantiateWithFlags", Native.call(cuGraphInstantiate, v, graph, 0L));
            return v.get(ADDRESS, 0);
        }
    }

    void launchGraph(MemorySegment exec, MemorySegment stream) {
        check("cuGraphLaunch", Native.call(cuGraphLaunch, exec, stream));
    }

    void destroyGraphExec(MemorySegment exec) {
        check("cuGraphExecDestroy", Native.call(cuGraphExecDestroy, exec));
    }

    void destroyGraph(MemorySegment graph) {
        check("cuGraphDestroy", Native.call(cuGraphDestroy, graph));
    }

    /** The driver's own name for {@code code}, or the table's when the driver does not know it. */
    String errorName(int code) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            if (Native.call(cuGetErrorName, code, v) != 0) {
                return CudaStatus.cuResult(code);
            }
            return v.get(ADDRESS, 0).reinterpret(256).getString(0);
        }
    }
}
