package org.cnn4j.kernels.host;

import org.cnn4j.core.Tensor;

/**
 * What the portable kernels of this module need from a backend to run: a launch of one entry with its arguments,
 * device buffers, scratch memory and the shared GEMM. The OpenCL backend ({@code clSetKernelArg},
 * {@code clEnqueueNDRangeKernel}) and the CUDA backend ({@code cuLaunchKernel}) implement it, so the host side of
 * each operator on the portable kernels ({@link Conv2dLaunches}, {@link Pool2dLaunches}, ...) is written once.
 *
 * <p>Buffers are {@code long}s: an OpenCL {@code cl_mem} handle or a CUDA device pointer. Launches are used at once,
 * under the backend's lock (a backend may hand out one builder instance).
 */
public interface KernelHost {
    /** Work-items per work-group of the reductions (reduce.h's {@code REDUCE_WG}). */
    int REDUCE_WG = 256;

    /** Starts a launch of {@code entry} from the kernel file {@code file}.k, compiled on first use. */
    Launch kernel(String file, String entry);

    /** The device buffer of a tensor of this backend. */
    long buffer(Tensor t);

    /** Scratch memory for {@code floats} 4-byte values, returned with {@link #freeTemp}. */
    long temp(long floats);

    /** Returns scratch memory from {@link #temp} of {@code floats} values. */
    void freeTemp(long buffer, long floats);

    /** Copies {@code src} to device memory at {@code dst}, in launch order. */
    void writeInts(long dst, int[] src);

    /** Floats of im2col columns one convolution chunk may hold. */
    int colLimitFloats();

    /** The most items one batched GEMM launch may cover (CUDA's grid z limit). */
    int maxGemmBatch();

    /** Output tile of one gemm.k work-group (TILE in gemm.k), computed by GEMM_THREADS x GEMM_THREADS work-items. */
    int GEMM_TILE = 64;
    /** Work-items along each axis of a gemm.k work-group (THREADS in gemm.k). */
    int GEMM_THREADS = 16;

    /**
     * Batched GEMM (gemm.k): {@code C = alpha op(A) op(B) + beta C} for {@code batch} items, item b at offsets
     * {@code off + (b / groups) * strideN + (b % groups) * strideG} of each matrix; one work-group per 64 x 64
     * tile of C and item. Nothing runs when C or the batch is empty.
     */
    default void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, double beta, int batch,
            int groups, long a, int aOff, int aStrideN, int aStrideG, long b, int bOff, int bStrideN, int bStrideG,
            long c, int cOff, int cStrideN, int cStrideG) {
        if (m == 0 || n == 0 || batch == 0) {
            return;
        }
        kernel("gemm", "gemm_f32").i("M", m).i("N", n).i("K", k).i("transA", transA ? 1 : 0)
                .i("transB", transB ? 1 : 0).f("alpha", alpha).f("beta", beta).i("groups", groups)
                .p("A", a).i("aOff", aOff).i("aStrideN", aStrideN).i("aStrideG", aStrideG)
                .p("B", b).i("bOff", bOff).i("bStrideN", bStrideN).i("bStrideG", bStrideG)
                .p("C", c).i("cOff", cOff).i("cStrideN", cStrideN).i("cStrideG", cStrideG)
                .tiles((n + GEMM_TILE - 1) / GEMM_TILE, (m + GEMM_TILE - 1) / GEMM_TILE, batch, GEMM_THREADS);
    }

    /** {@code y[c] = sum over o, s of x[(o*C + c)*inner + s]} (reduce.k), one work-group per channel. */
    default void channelSum(long x, long y, int outer, int channels, int inner) {
        kernel("reduce", "channel_sum_f32").p("x", x).p("y", y).i("outer", outer).i("C", channels)
                .i("inner", inner).groups(channels, REDUCE_WG);
    }

    /**
     * {@code out[0] = scale * sum term(i)} (reduce.k, reduce_scalar_f32), one work-group. Modes: 0 sum of a, 1 sum
     * of squares of a, 2 sum of squared differences a - b, 3 sum of absolute differences.
     */
    default void reduceScalar(long a, long b, long out, int n, int mode, double scale) {
        kernel("reduce", "reduce_scalar_f32").p("a", a).p("b", b).p("out", out).i("n", n).i("mode", mode)
                .f("scale", scale).groups(1, REDUCE_WG);
    }

    /**
     * The arguments of one launch, in the kernel's order, each with the name of its parameter in the kernel's
     * signature, then its geometry. The names cost nothing at run time (constants, ignored by the backends); the
     * kernels module's tests record every launch and check each name, kind and count against the {@code .k}
     * source ({@link KernelSignatures}), so a swapped or missing argument fails a test.
     */
    interface Launch {
        /** A tensor's buffer, for the pointer parameter {@code name}. */
        Launch p(String name, Tensor t);

        /** A buffer, for the pointer parameter {@code name}. */
        Launch p(String name, long buffer);

        /** An int (or uint) argument for the parameter {@code name}. */
        Launch i(String name, int v);

        /** A float argument for the parameter {@code name} (rounded from the double). */
        Launch f(String name, double v);

        /** One work-item per element, {@code total} elements (the kernel checks the bound); none when empty. */
        void elements(long total);

        /** {@code groups} work-groups of {@code size} work-items along axis 0; none when there are no groups. */
        void groups(int groups, int size);

        /** {@code x * y * z} work-groups of {@code threads x threads} work-items on axes 0 and 1 (gemm.k's tiles). */
        void tiles(int x, int y, int z, int threads);
    }
}
