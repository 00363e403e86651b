package org.cnn4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct stride-1 convolution for few output channels (LeNet-5's first layer, and the backward data of its second
 * as a forward of dy with six outputs), vectorized over output pixels rather than channels: with the input padded
 * ({@code [C, Hp, Wp]}), output {@code (oh, ow)} of channel k is kept at {@code oh * Wp + ow} (a row as wide as the
 * padded input; its last {@code Wp - OW} columns are computed and dropped), so every tap reads the input at a fixed
 * distance from the output, {@code (c * Hp + i) * Wp + j}: three vectors of 24 consecutive outputs of
 * {@value #CHANNELS} channels are nine accumulators, and each tap is three unaligned vector loads of input, one
 * broadcast weight per channel and nine FMAs. Each output adds its taps in order (c, i, j), as im2col + GEMM does.
 * Like {@link VectorKernel}, loaded only when {@code jdk.incubator.vector} is present and the vector path is on;
 * 256-bit vectors on every machine.
 */
final class VectorPixelConv {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    /** Output channels per pass. */
    static final int CHANNELS = 3;
    /** Outputs per step (three 8-lane vectors): nine accumulators, which C2 keeps in registers (twelve spill). */
    static final int PIXELS = 24;

    private VectorPixelConv() {
    }

    /** Floats {@link #pack} writes. */
    static int packedSize(int k, int ckk) {
        return (k + CHANNELS - 1) / CHANNELS * CHANNELS * ckk;
    }

    /** {@code wp[(b*ckk + t)*CHANNELS + kk] = w[(b*CHANNELS + kk)*ckk + t]}, zeros past {@code k}. */
    static void pack(float[] w, int k, int ckk, float[] wp) {
        int blocks = (k + CHANNELS - 1) / CHANNELS;
        for (int b = 0; b < blocks; b++) {
            for (int kk = 0; kk < CHANNELS; kk++) {
                int ch = b * CHANNELS + kk;
                for (int t = 0; t < ckk; t++) {
                    wp[(b * ckk + t) * CHANNELS + kk] = ch < k ? w[ch * ckk + t] : 0f;
                }
            }
        }
    }

    /**
     * Floats of the padded input a worker needs: {@code c * hp * wp} plus room for the last step's overreach (its
     * last vector may read up to {@link #PIXELS} floats past the last output row, past the plane's end).
     */
    static int paddedSize(int c, int hp, int wp) {
        return c * hp * wp + PIXELS + wp;
    }

    /** Floats of the wide outputs of one pass: {@code CHANNELS} rows of {@code oh * wp} rounded up to a step. */
    static int outSize(int oh, int wp) {
        return CHANNELS * stepsOf(oh, wp) * PIXELS;
    }

    private static int stepsOf(int oh, int wp) {
        return (oh * wp + PIXELS - 1) / PIXELS;
    }

    /**
     * One image: {@code xp} is the padded input {@code [c, hp, wp]} (at offset 0, with {@link #paddedSize} floats),
     * {@code taps[t]} the input offset of tap t ({@code (c*hp + i)*wp + j}), {@code wpk} from {@link #pack};
     * y at {@code yOff} is {@code [k, oh, ow]}; {@code out} is scratch of {@link #outSize} floats.
     */
    static void image(float[] xp, int[] taps, int ckk, float[] wpk, int k, float[] bias, int oh, int ow, int wp,
            float[] out, float[] y, int yOff) {
        int steps = stepsOf(oh, wp);
        int stride = steps * PIXELS;
        int blocks = (k + CHANNELS - 1) / CHANNELS;
        for (int b = 0; b < blocks; b++) {
            int wOff = b * ckk * CHANNELS;
            for (int s = 0; s < steps; s++) {
                step(xp, s * PIXELS, taps, ckk, wpk, wOff, out, stride);
            }
            int kValid = Math.min(CHANNELS, k - b * CHANNELS);
            for (int kk = 0; kk < kValid; kk++) {
                int ch = b * CHANNELS + kk;
                float bk = bias == null ? 0f : bias[ch];
                int dst = yOff + ch * oh * ow;
                int src = kk * stride;
                for (int r = 0; r < oh; r++, dst += ow, src += wp) {
                    for (int q = 0; q < ow; q++) {
                        y[dst + q] = out[src + q] + bk;
                    }
                }
            }
        }
    }

    /** Outputs {@code [base, base + 24)} of three channels: {@code out[kk * stride + base + l]}. */
    private static void step(float[] xp, int base, int[] taps, int ckk, float[] wpk, int wOff, float[] out,
            int stride) {
        FloatVector a00 = FloatVector.zero(S);
        FloatVector a01 = FloatVector.zero(S);
        FloatVector a02 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S);
        FloatVector a11 = FloatVector.zero(S);
        FloatVector a12 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S);
        FloatVector a21 = FloatVector.zero(S);
        FloatVector a22 = FloatVector.zero(S);
        for (int t = 0, wt = wOff; t < ckk; t++, wt += CHANNELS) {
            int at = base + taps[t];
            FloatVector x0 = FloatVector.fromArray(S, xp, at);
            FloatVector x1 = FloatVector.fromArray(S, xp, at + 8);
            FloatVector x2 = FloatVector.fromArray(S, xp, at + 16);
            FloatVector w0 = FloatVector.broadcast(S, wpk[wt]);
            a00 = w0.fma(x0, a00);
            a01 = w0.fma(x1, a01);
            a02 = w0.fma(x2, a02);
            FloatVector w1 = FloatVector.broadcast(S, wpk[wt + 1]);
            a10 = w1.fma(x0, a10);
            a11 = w1.fma(x1, a11);
            a12 = w1.fma(x2, a12);
            FloatVector w2 = FloatVector.broadcast(S, wpk[wt + 2]);
            a20 = w2.fma(x0, a20);
            a21 = w2.fma(x1, a21);
            a22 = w2.fma(x2, a22);
        }
        a00.intoArray(out, base);
        a01.intoArray(out, base + 8);
        a02.intoArray(out, base + 16);
        a10.intoArray(out, stride + base);
        a11.intoArray(out, stride + base + 8);
        a12.intoArray(out, stride + base + 16);
        a20.intoArray(out, 2 * stride + base);
        a21.intoArray(out, 2 * stride + base + 8);
        a22.intoArray(out, 2 * stride + base + 16);
    }
}
