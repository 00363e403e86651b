package org.cnn4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API micro-kernel: an 8 x (2 * lanes) tile in sixteen vector accumulators, one fused multiply-add per
 * accumulator and step ({@code FloatVector.SPECIES_PREFERRED}: 16 lanes with AVX-512, an 8 x 32 tile). Sixteen
 * of the 32 AVX-512 registers hold C, two the row of B, one the broadcast of A. Eight rows measured better than
 * six and as good as ten, and divide the channel counts of common layers. This is the only class that touches
 * {@code jdk.incubator.vector}; it is loaded only when that module is present.
 *
 * <p>Everything stays in one method without data-dependent branches: a vector passed to a method the JIT does not
 * inline (after a deoptimization, say) is boxed, which costs an order of magnitude.
 */
final class VectorKernel extends MicroKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private VectorKernel() {
        super(8, 2 * L);
    }

    /** The kernel; only called when {@code jdk.incubator.vector} is present. */
    static MicroKernel create() {
        return new VectorKernel();
    }

    @Override
    String name() {
        return "Vector API 8x" + (2 * L) + " kernel (" + S.vectorBitSize() + "-bit)";
    }

    @Override
    void run(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] c, int cOff, int ldc, float alpha) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        FloatVector c71 = FloatVector.zero(S);
        int a = aOff;
        int b = bOff;
        for (int p = 0; p < kc; p++, a += 8, b += 2 * L) {
            FloatVector b0 = FloatVector.fromArray(S, bp, b);
            FloatVector b1 = FloatVector.fromArray(S, bp, b + L);
            FloatVector a0 = FloatVector.broadcast(S, ap[a + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[a + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[a + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[a + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[a + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, ap[a + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, ap[a + 6]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, ap[a + 7]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        int o0 = cOff;
        c00.fma(va, FloatVector.fromArray(S, c, o0)).intoArray(c, o0);
        c01.fma(va, FloatVector.fromArray(S, c, o0 + L)).intoArray(c, o0 + L);
        int o1 = cOff + ldc;
        c10.fma(va, FloatVector.fromArray(S, c, o1)).intoArray(c, o1);
        c11.fma(va, FloatVector.fromArray(S, c, o1 + L)).intoArray(c, o1 + L);
        int o2 = cOff + 2 * ldc;
        c20.fma(va, FloatVector.fromArray(S, c, o2)).intoArray(c, o2);
        c21.fma(va, FloatVector.fromArray(S, c, o2 + L)).intoArray(c, o2 + L);
        int o3 = cOff + 3 * ldc;
        c30.fma(va, FloatVector.fromArray(S, c, o3)).intoArray(c, o3);
        c31.fma(va, FloatVector.fromArray(S, c, o3 + L)).intoArray(c, o3 + L);
        int o4 = cOff + 4 * ldc;
        c40.fma(va, FloatVector.fromArray(S, c, o4)).intoArray(c, o4);
        c41.fma(va, FloatVector.fromArray(S, c, o4 + L)).intoArray(c, o4 + L);
        int o5 = cOff + 5 * ldc;
        c50.fma(va, FloatVector.fromArray(S, c, o5)).intoArray(c, o5);
        c51.fma(va, FloatVector.fromArray(S, c, o5 + L)).intoArray(c, o5 + L);
        int o6 = cOff + 6 * ldc;
        c60.fma(va, FloatVector.fromArray(S, c, o6)).intoArray(c, o6);
        c61.fma(va, FloatVector.fromArray(S, c, o6 + L)).intoArray(c, o6 + L);
        int o7 = cOff + 7 * ldc;
        c70.fma(va, FloatVector.fromArray(S, c, o7)).intoArray(c, o7);
        c71.fma(va, FloatVector.fromArray(S, c, o7 + L)).intoArray(c, o7 + L);
    }
}
