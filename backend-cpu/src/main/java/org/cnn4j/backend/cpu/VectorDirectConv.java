package org.cnn4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct convolution for few output channels (LeNet-5's second layer), where im2col's short rows and a GEMM of a
 * few rows per image cost more than the arithmetic: the output
 * channels run in blocks of 16 (two 8-lane vectors), five output pixels of a row at a time, so each tap is two
 * vector loads of weights, five broadcasts of input and ten FMAs into ten accumulators held in registers (the
 * GEMM's 5 x 16 tile, with the column matrix read in place through a table of tap offsets).
 * A row's 16 x OW results are gathered in a tile, then written out channel by channel.
 *
 * <pre>
 *   y[k, oh, ow] = bias[k] + sum over c, i, j of w[k, c, i, j] * x[c, oh*sh + i, ow*sw + j]
 * </pre>
 * The input is the image already padded (no bounds checks in the loop); rows shorter than five pixels are not
 * handled here. Like {@link VectorKernel}, loaded only when {@code jdk.incubator.vector} is present and the vector
 * path is on; 256-bit vectors on every machine.
 */
final class VectorDirectConv {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    /** Output channels per block. */
    static final int BLOCK = 16;
    /** Output pixels per step: 5 x 2 vectors, ten accumulators, as the GEMM's 5 x 16 tile. */
    static final int PIXELS = 5;

    private VectorDirectConv() {
    }

    /** Floats {@link #pack} writes: the weights of every block, then the biases. */
    static int packedSize(int k, int ckk) {
        int blocks = (k + BLOCK - 1) / BLOCK;
        return blocks * BLOCK * (ckk + 1);
    }

    /**
     * {@code wp[(b*ckk + t)*16 + kk] = w[(b*16 + kk)*ckk + t]} and, after the weights, {@code wp[base + b*16 + kk]
     * = bias[b*16 + kk]}, with zeros for channels past {@code k} (and for the bias when there is none).
     */
    static void pack(float[] w, int wOff, float[] bias, int k, int ckk, float[] wp) {
        int blocks = (k + BLOCK - 1) / BLOCK;
        int base = blocks * BLOCK * ckk;
        for (int b = 0; b < blocks; b++) {
            for (int kk = 0; kk < BLOCK; kk++) {
                int ch = b * BLOCK + kk;
                for (int t = 0; t < ckk; t++) {
                    wp[(b * ckk + t) * BLOCK + kk] = ch < k ? w[wOff + ch * ckk + t] : 0f;
                }
                wp[base + ch] = ch < k && bias != null ? bias[ch] : 0f;
            }
        }
    }

    /**
     * One image: {@code x} at {@code xOff} is [c, h, w] (padded), {@code y} at {@code yOff} is [k, oh, ow];
     * {@code wp} from {@link #pack}; {@code tile} holds at least {@code ow * 16} floats; {@code taps} holds the
     * {@code c * kh * kw} offsets in x of the taps (from {@link Conv2dCpu#tapOffsets}). Needs {@code ow >= }{@value #PIXELS}.
     */
    static void image(float[] x, int xOff, int c, int h, int w, int sh, int sw, int kh, int kw, float[] wp, int k,
            int oh, int ow, int[] taps, float[] tile, float[] y, int yOff) {
        int ckk = c * kh * kw;
        int blocks = (k + BLOCK - 1) / BLOCK;
        int biasBase = blocks * BLOCK * ckk;
        int ohw = oh * ow;
        for (int b = 0; b < blocks; b++) {
            int wOff = b * ckk * BLOCK;
            int kValid = Math.min(BLOCK, k - b * BLOCK);
            for (int r = 0; r < oh; r++) {
                int rowBase = xOff + r * sh * w;
                for (int o = 0; o < ow; o += PIXELS) {
                    int p = Math.min(o, ow - PIXELS); // the last step overlaps the one before
                    block(x, rowBase + p * sw, sw, ckk, taps, wp, wOff, biasBase + b * BLOCK, tile, p * BLOCK);
                }
                int yRow = yOff + (b * BLOCK) * ohw + r * ow;
                for (int kk = 0; kk < kValid; kk++) {
                    int yo = yRow + kk * ohw;
                    for (int q = 0; q < ow; q++) {
                        y[yo + q] = tile[q * BLOCK + kk];
                    }
                }
            }
        }
    }

    /**
     * Five pixels (input columns {@code base}, + sw, ..., + 4sw) times one block of 16 channels: one loop over the
     * taps, each two vector loads of weights, five broadcasts of input and ten FMAs into ten accumulators.
     */
    private static void block(float[] x, int base, int sw, int ckk, int[] taps, float[] wp, int wOff, int biasOff,
            float[] tile, int tOff) {
        FloatVector b0 = FloatVector.fromArray(S, wp, biasOff);
        FloatVector b1 = FloatVector.fromArray(S, wp, biasOff + 8);
        FloatVector a00 = b0;
        FloatVector a01 = b1;
        FloatVector a10 = b0;
        FloatVector a11 = b1;
        FloatVector a20 = b0;
        FloatVector a21 = b1;
        FloatVector a30 = b0;
        FloatVector a31 = b1;
        FloatVector a40 = b0;
        FloatVector a41 = b1;
        int s2 = 2 * sw;
        int s3 = 3 * sw;
        int s4 = 4 * sw;
        for (int p = 0, t = wOff; p < ckk; p++, t += BLOCK) {
            FloatVector w0 = FloatVector.fromArray(S, wp, t);
            FloatVector w1 = FloatVector.fromArray(S, wp, t + 8);
            int at = base + taps[p];
            FloatVector x0 = FloatVector.broadcast(S, x[at]);
            a00 = x0.fma(w0, a00);
            a01 = x0.fma(w1, a01);
            FloatVector x1 = FloatVector.broadcast(S, x[at + sw]);
            a10 = x1.fma(w0, a10);
            a11 = x1.fma(w1, a11);
            FloatVector x2 = FloatVector.broadcast(S, x[at + s2]);
            a20 = x2.fma(w0, a20);
            a21 = x2.fma(w1, a21);
            FloatVector x3 = FloatVector.broadcast(S, x[at + s3]);
            a30 = x3.fma(w0, a30);
            a31 = x3.fma(w1, a31);
            FloatVector x4 = FloatVector.broadcast(S, x[at + s4]);
            a40 = x4.fma(w0, a40);
            a41 = x4.fma(w1, a41);
        }
        a00.intoArray(tile, tOff);
        a01.intoArray(tile, tOff + 8);
        a10.intoArray(tile, tOff + 16);
        a11.intoArray(tile, tOff + 24);
        a20.intoArray(tile, tOff + 32);
        a21.intoArray(tile, tOff + 40);
        a30.intoArray(tile, tOff + 48);
        a31.intoArray(tile, tOff + 56);
        a40.intoArray(tile, tOff + 64);
        a41.intoArray(tile, tOff + 72);
    }
}
