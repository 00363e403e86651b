package org.cnn4j.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.kernels.host.KernelSource;
import org.junit.jupiter.api.Test;
import org.lwjgl.PointerBuffer;
import org.lwjgl.opencl.CL10;
import org.lwjgl.system.MemoryStack;

/**
 * The floating-point contract of the portable kernels on the device (see {@link KernelSource}): behind
 * prelude_opencl.h, {@code a * b + c} is a rounded product then a rounded sum, never one fused multiply-add,
 * and {@code FMAF} is the fused one. The values make the two differ: {@code a = b = 1 + 2^-12}, so
 * {@code a * b = 1 + 2^-11 + 2^-24} rounds to {@code 1 + 2^-11} and {@code a * b + c} with
 * {@code c = -(1 + 2^-11)} is 0, where a contracted FMA keeps {@code 2^-24}.
 */
class OpenClContractionTest {
    private static final String KERNELS = """
            KERNEL void mul_add(GLOBAL const float* a, GLOBAL const float* b, GLOBAL const float* c,
                    GLOBAL float* y) {
                const int i = GID0;
                y[i] = a[i] * b[i] + c[i];
            }
            KERNEL void fused(GLOBAL const float* a, GLOBAL const float* b, GLOBAL const float* c,
                    GLOBAL float* y) {
                const int i = GID0;
                y[i] = FMAF(a[i], b[i], c[i]);
            }
            """;

    private static float run(OpenClBackend cl, long program, String entry) {
        float a = 1 + 0x1p-12f;
        float c = -(1 + 0x1p-11f);
        try (Tensor ta = cl.fromArray(Shape.of(1), new float[] {a});
                Tensor tb = cl.fromArray(Shape.of(1), new float[] {a});
                Tensor tc = cl.fromArray(Shape.of(1), new float[] {c});
                Tensor ty = cl.allocate(Shape.of(1));
                MemoryStack stack = MemoryStack.stackPush()) {
            long kernel = CL10.clCreateKernel(program, entry, stack.mallocInt(1));
            try {
                CL10.clSetKernelArg1p(kernel, 0, OpenClBackend.mem(ta));
                CL10.clSetKernelArg1p(kernel, 1, OpenClBackend.mem(tb));
                CL10.clSetKernelArg1p(kernel, 2, OpenClBackend.mem(tc));
                CL10.clSetKernelArg1p(kernel, 3, OpenClBackend.mem(ty));
                PointerBuffer global = stack.mallocPointer(1).put(0, 1);
                ClStatus.check(CL10.clEnqueueNDRangeKernel(cl.queue(), kernel, 1, null, global, null, null, null),
                        "clEnqueueNDRangeKernel", entry);
                return ty.toFloatArray()[0];
            } finally {
                CL10.clReleaseKernel(kernel);
            }
        }
    }

    @Test
    void aProductAndASumAreRoundedApartAndFmafIsFused() {
        try (OpenClBackend cl = OpenClTestSupport.open()) {
            String source = "/* prelude_opencl.h */\n" + KernelSource.resource("prelude_opencl.h") + "\n" + KERNELS;
            long program = cl.build("contraction test", source);
            assertEquals(0f, run(cl, program, "mul_add"), "a * b + c contracted into an FMA on " + cl.device());
            assertEquals(0x1p-24f, run(cl, program, "fused"), "FMAF is not fused on " + cl.device());
        }
    }
}
