package org.cnn4j.backend.cuda;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.lwjgl.opencl.CL10.CL_CONTEXT_PLATFORM;
import static org.lwjgl.opencl.CL10.CL_DEVICE_TYPE_ALL;
import static org.lwjgl.opencl.CL10.CL_MEM_COPY_HOST_PTR;
import static org.lwjgl.opencl.CL10.CL_MEM_READ_WRITE;
import static org.lwjgl.opencl.CL10.CL_PROGRAM_BUILD_LOG;
import static org.lwjgl.opencl.CL10.clBuildProgram;
import static org.lwjgl.opencl.CL10.clCreateBuffer;
import static org.lwjgl.opencl.CL10.clCreateCommandQueue;
import static org.lwjgl.opencl.CL10.clCreateContext;
import static org.lwjgl.opencl.CL10.clCreateKernel;
import static org.lwjgl.opencl.CL10.clCreateProgramWithSource;
import static org.lwjgl.opencl.CL10.clEnqueueNDRangeKernel;
import static org.lwjgl.opencl.CL10.clEnqueueReadBuffer;
import static org.lwjgl.opencl.CL10.clFinish;
import static org.lwjgl.opencl.CL10.clGetDeviceIDs;
import static org.lwjgl.opencl.CL10.clGetPlatformIDs;
import static org.lwjgl.opencl.CL10.clGetProgramBuildInfo;
import static org.lwjgl.opencl.CL10.clReleaseCommandQueue;
import static org.lwjgl.opencl.CL10.clReleaseContext;
import static org.lwjgl.opencl.CL10.clReleaseKernel;
import static org.lwjgl.opencl.CL10.clReleaseMemObject;
import static org.lwjgl.opencl.CL10.clReleaseProgram;
import static org.lwjgl.opencl.CL10.clSetKernelArg1f;
import static org.lwjgl.opencl.CL10.clSetKernelArg1i;
import static org.lwjgl.opencl.CL10.clSetKernelArg1p;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.cnn4j.kernels.host.KernelSource;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

/**
 * Runs the CUDA backend's kernel launches, as the fake driver receives them, on an OpenCL device (PoCL here): the
 * same portable kernel (with {@code prelude_opencl.h} instead of {@code prelude_cuda.h}), the same argument values,
 * and the geometry CUDA's would mean, a grid of G blocks of L threads as an NDRange of global G*L and local L. The
 * fake driver's "device" pointers are host memory, each the start of an allocation whose size the fake keeps in
 * the 8 bytes 16 before it; each distinct pointer becomes one OpenCL buffer holding a copy, read back after the
 * kernel. So the CUDA launchers' arithmetic (which kernel, argument order, values, grid) is checked for real, on
 * the conformance suite, without a GPU; the CUDA dialect itself is checked by compiling it (nvcc, NVRTC).
 */
final class PoclLaunches implements AutoCloseable {
    private final long context;
    private final long device;
    private final long queue;
    private final Map<String, Long> programs = new HashMap<>();
    private final Map<String, Long> kernels = new HashMap<>();
    private int launches;

    private PoclLaunches(long context, long device, long queue) {
        this.context = context;
        this.device = device;
        this.queue = queue;
    }

    /**
     * {@link #open()} for a JUnit test: without an OpenCL device the test is skipped ({@code -Dcnn4j.require=opencl}
     * makes that a failure).
     */
    static PoclLaunches openOrSkip() {
        PoclLaunches cl = open();
        if (cl == null) {
            String reason = "no OpenCL device to run the launches on";
            org.cnn4j.core.Requirements.failIfRequired("opencl", reason);
            org.junit.jupiter.api.Assumptions.abort(reason);
        }
        return cl;
    }

    /** The first OpenCL device of any platform; null when there is none (or no OpenCL library). */
    static PoclLaunches open() {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer n = stack.mallocInt(1);
            if (clGetPlatformIDs(null, n) != 0 || n.get(0) == 0) {
                return null;
            }
            PointerBuffer platforms = stack.mallocPointer(n.get(0));
            check(clGetPlatformIDs(platforms, (IntBuffer) null), "clGetPlatformIDs");
            for (int p = 0; p < platforms.capacity(); p++) {
                IntBuffer nd = stack.mallocInt(1);
                if (clGetDeviceIDs(platforms.get(p), CL_DEVICE_TYPE_ALL, null, nd) != 0 || nd.get(0) == 0) {
                    continue;
                }
                PointerBuffer devices = stack.mallocPointer(nd.get(0));
                check(clGetDeviceIDs(platforms.get(p), CL_DEVICE_TYPE_ALL, devices, (IntBuffer) null),
                        "clGetDeviceIDs");
                long dev = devices.get(0);
                IntBuffer err = stack.mallocInt(1);
                PointerBuffer props = stack.mallocPointer(3);
                props.put(0, CL_CONTEXT_PLATFORM).put(1, platforms.get(p)).put(2, 0);
                long ctx = clCreateContext(props, dev, null, 0, err);
                check(err.get(0), "clCreateContext");
                long q = clCreateCommandQueue(ctx, dev, 0, err);
                check(err.get(0), "clCreateCommandQueue");
                return new PoclLaunches(ctx, dev, q);
            }
            return null;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return null;
        }
    }

    private static void check(int status, String what) {
        if (status != 0) {
            throw new IllegalStateException(what + " failed with OpenCL status " + status);
        }
    }

    int launches() {
        return launches;
    }

    private long kernel(String stem, String entry) {
        Long k = kernels.get(entry);
        if (k != null) {
            return k;
        }
        Long program = programs.get(stem);
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer err = stack.mallocInt(1);
            if (program == null) {
                String src = KernelSource.withPrelude("prelude_opencl.h", stem);
                program = clCreateProgramWithSource(context, src, err);
                check(err.get(0), "clCreateProgramWithSource");
                if (clBuildProgram(program, device, "", null, 0) != 0) {
                    PointerBuffer size = stack.mallocPointer(1);
                    clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, (ByteBuffer) null, size);
                    ByteBuffer log = MemoryUtil.memAlloc((int) size.get(0));
                    clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, log, null);
                    String text = MemoryUtil.memUTF8(log);
                    MemoryUtil.memFree(log);
                    throw new IllegalStateException("building " + stem + ".k for OpenCL: " + text);
                }
                programs.put(stem, program);
            }
            long kernel = clCreateKernel(program, entry, err);
            check(err.get(0), "clCreateKernel " + entry);
            kernels.put(entry, kernel);
            return kernel;
        }
    }

    /** Runs one launch to completion and copies every buffer argument back to its host memory. */
    void run(String stem, String entry, CudaKernels.Args args, int gx, int gy, int gz, int bx, int by, int bz) {
        long kernel = kernel(stem, entry);
        Map<Long, Long> buffers = new LinkedHashMap<>();
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer err = stack.mallocInt(1);
            for (int i = 0; i < args.count(); i++) {
                long bits = args.slotBits(i);
                switch (args.kind(i)) {
                    case 'p' -> {
                        Long mem = buffers.get(bits);
                        if (mem == null) {
                            long bytes = MemorySegment.ofAddress(bits - 16).reinterpret(8).get(JAVA_LONG, 0);
                            mem = clCreateBuffer(context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                                    MemoryUtil.memByteBuffer(bits, (int) bytes), err);
                            check(err.get(0), "clCreateBuffer");
                            buffers.put(bits, mem);
                        }
                        check(clSetKernelArg1p(kernel, i, mem), "clSetKernelArg");
                    }
                    case 'i' -> check(clSetKernelArg1i(kernel, i, (int) bits), "clSetKernelArg");
                    case 'f' -> check(clSetKernelArg1f(kernel, i, Float.intBitsToFloat((int) bits)),
                            "clSetKernelArg");
                    default -> throw new IllegalStateException("argument kind " + args.kind(i));
                }
            }
            PointerBuffer global = stack.mallocPointer(3).put(0, (long) gx * bx).put(1, (long) gy * by)
                    .put(2, (long) gz * bz);
            PointerBuffer local = stack.mallocPointer(3).put(0, bx).put(1, by).put(2, bz);
            check(clEnqueueNDRangeKernel(queue, kernel, 3, null, global, local, null, null),
                    "clEnqueueNDRangeKernel " + entry);
            check(clFinish(queue), "clFinish");
            for (Map.Entry<Long, Long> b : buffers.entrySet()) {
                long bytes = MemorySegment.ofAddress(b.getKey() - 16).reinterpret(8).get(JAVA_LONG, 0);
                check(clEnqueueReadBuffer(queue, b.getValue(), true, 0,
                        MemoryUtil.memByteBuffer(b.getKey(), (int) bytes), null, null), "clEnqueueReadBuffer");
            }
            launches++;
        } finally {
            for (long mem : buffers.values()) {
                clReleaseMemObject(mem);
            }
        }
    }

    @Override
    public void close() {
        kernels.values().forEach(k -> clReleaseKernel(k));
        programs.values().forEach(p -> clReleaseProgram(p));
        clReleaseCommandQueue(queue);
        clReleaseContext(context);
    }
}
