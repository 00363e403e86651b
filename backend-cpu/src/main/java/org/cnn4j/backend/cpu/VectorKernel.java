package org.cnn4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API micro-kernel: a 6 x (2 * lanes) tile in twelve vector accumulators, one fused multiply-add per
 * accumulator and step ({@code FloatVector.SPECIES_PREFERRED}: 16 lanes with AVX-512, a 6 x 32 tile). This is the
 * only class that touches {@code jdk.incubator.vector}; it is loaded only when that module is present.
 */
final class VectorKernel extends MicroKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private VectorKernel() {
        super(6, 2 * L);
    }

    /** The kernel; only called when {@code jdk.incubator.vector} is present. */
    static MicroKernel create() {
        return new VectorKernel();
    }

    @Override
    String name() {
        return "Vector API 6x" + (2 * L) + " kernel (" + S.vectorBitSize() + "-bit)";
    }

    @Override
    void run(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] c, int cOff, int ldc, float alpha,
            float beta) {
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
        int a = aOff;
        int b = bOff;
        for (int p = 0; p < kc; p++, a += 6, b += 2 * L) {
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
        }
        store(c00, c01, c, cOff, alpha, beta);
        store(c10, c11, c, cOff + ldc, alpha, beta);
        store(c20, c21, c, cOff + 2 * ldc, alpha, beta);
        store(c30, c31, c, cOff + 3 * ldc, alpha, beta);
        store(c40, c41, c, cOff + 4 * ldc, alpha, beta);
        store(c50, c51, c, cOff + 5 * ldc, alpha, beta);
    }

    private static void store(FloatVector v0, FloatVector v1, float[] c, int o, float alpha, float beta) {
        if (beta == 0) {
            v0.mul(alpha).intoArray(c, o);
            v1.mul(alpha).intoArray(c, o + L);
        } else {
            FloatVector old0 = FloatVector.fromArray(S, c, o).mul(beta);
            FloatVector old1 = FloatVector.fromArray(S, c, o + L).mul(beta);
            v0.fma(FloatVector.broadcast(S, alpha), old0).intoArray(c, o);
            v1.fma(FloatVector.broadcast(S, alpha), old1).intoArray(c, o + L);
        }
    }
}
