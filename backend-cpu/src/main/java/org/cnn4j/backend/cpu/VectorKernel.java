package org.cnn4j.backend.cpu;

/**
 * The Vector API micro-kernels: one fused multiply-add per accumulator and step, the tile chosen by the vector
 * width ({@link VectorWidth}) so that the accumulators, the row of B and the broadcast of A fit the register file:
 * {@link VectorKernel5} ({@code 5 x 16}) for AVX2's sixteen 256-bit registers, {@link VectorKernel8} ({@code 8 x
 * 32}) for AVX-512's thirty-two 512-bit ones. These classes alone touch {@code jdk.incubator.vector} for the GEMM;
 * they are loaded only when that module is present.
 *
 * <p>A kernel is one method without data-dependent branches in its loop: a vector passed to a method the JIT does
 * not inline (after a deoptimization, say) is boxed, which costs an order of magnitude.
 */
abstract class VectorKernel extends MicroKernel {
    VectorKernel(int mr, int nr) {
        super(mr, nr);
    }

    /** The kernel for the configured width; only called when {@code jdk.incubator.vector} is present. */
    static MicroKernel create() {
        return VectorWidth.FLOATS.length() >= 16 ? new VectorKernel8() : new VectorKernel5();
    }

    @Override
    String name() {
        return "Vector API " + mr + "x" + nr + " kernel (" + VectorWidth.FLOATS.vectorBitSize() + "-bit"
                + (VectorWidth.onHardware() ? "" : ", wider than the hardware's: Java fallback") + ")";
    }

    /**
     * The tile: {@code c = alpha * A B} when {@code overwrite} (the old C is neither read nor kept), else
     * {@code c += alpha * A B}.
     */
    abstract void tile(int kc, float[] ap, int aOff, float[] bp, int bOff, int ldb, float[] c, int cOff, int ldc,
            float alpha, boolean overwrite);

    @Override
    final void run(int kc, float[] ap, int aOff, float[] bp, int bOff, int ldb, float[] c, int cOff, int ldc,
            float alpha) {
        tile(kc, ap, aOff, bp, bOff, ldb, c, cOff, ldc, alpha, false);
    }

    @Override
    final void set(int kc, float[] ap, int aOff, float[] bp, int bOff, int ldb, float[] c, int cOff, int ldc,
            float alpha) {
        tile(kc, ap, aOff, bp, bOff, ldb, c, cOff, ldc, alpha, true);
    }
}
