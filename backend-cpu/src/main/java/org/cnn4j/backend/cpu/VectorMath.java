package org.cnn4j.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.cnn4j.ops.Philox;

/**
 * Dropout's Philox draws, and transcendental activations, on whole vectors ({@code VectorOperators.EXP}, {@code EXPM1}, {@code TANH}, which
 * the JIT maps to the platform's vector math library), with a scalar tail in double. Like {@link VectorKernel},
 * loaded only when {@code jdk.incubator.vector} is present and the vector path is on.
 */
final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** Philox lanes: 64-bit lanes holding 32-bit words, so the 32 x 32 -> 64 products are one lane multiply. */
    private static final VectorSpecies<Long> LS = LongVector.SPECIES_PREFERRED;
    /** Floats and doubles with as many lanes as {@link #LS}. */
    private static final VectorSpecies<Float> FS = VectorSpecies.of(float.class,
            VectorShape.forBitSize(LS.length() * Float.SIZE));
    private static final VectorSpecies<Double> DS = VectorSpecies.of(double.class,
            VectorShape.forBitSize(LS.length() * Double.SIZE));
    private static final long WORD = 0xFFFFFFFFL;
    private static final long M0 = Philox.M0 & WORD;
    private static final long M1 = Philox.M1 & WORD;
    private static final long[] IOTA = new long[LS.length()];

    static {
        for (int i = 0; i < IOTA.length; i++) {
            IOTA[i] = i;
        }
    }

    private VectorMath() {
    }

    /**
     * Inverted dropout over [from, to): {@code out[i] = in[i] * scale} (the product in double, rounded once, as the
     * scalar path) where {@link Philox#draw24 draw24(seed, i)} reaches {@code threshold}, else {@code in[i] * 0}. The ten Philox
     * rounds run lane-parallel on the element indices; the result is bit-identical to the scalar path.
     */
    static void dropout(long seed, int threshold, double scale, float[] in, float[] out, int from, int to) {
        long k0 = seed & WORD;
        long k1 = (seed >>> 32) & WORD;
        LongVector iota = LongVector.fromArray(LS, IOTA, 0);
        DoubleVector s = DoubleVector.broadcast(DS, scale);
        int i = from;
        for (int upper = from + LS.loopBound(to - from); i < upper; i += LS.length()) {
            LongVector index = iota.add(i);
            LongVector c0 = index.and(WORD);
            LongVector c1 = index.lanewise(VectorOperators.LSHR, 32);
            LongVector c2 = LongVector.zero(LS);
            LongVector c3 = LongVector.zero(LS);
            long r0 = k0;
            long r1 = k1;
            for (int round = 0; round < 10; round++) {
                if (round > 0) {
                    r0 = (r0 + Philox.W0) & WORD;
                    r1 = (r1 + Philox.W1) & WORD;
                }
                LongVector p0 = c0.mul(M0);
                LongVector p1 = c2.mul(M1);
                LongVector n0 = p1.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, c1)
                        .lanewise(VectorOperators.XOR, r0);
                LongVector n2 = p0.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, c3)
                        .lanewise(VectorOperators.XOR, r1);
                c1 = p1.and(WORD);
                c3 = p0.and(WORD);
                c0 = n0;
                c2 = n2;
            }
            VectorMask<Float> keep = c0.lanewise(VectorOperators.LSHR, 8)
                    .compare(VectorOperators.GE, threshold).cast(FS);
            FloatVector x = FloatVector.fromArray(FS, in, i);
            FloatVector kept = (FloatVector) ((DoubleVector) x.convertShape(VectorOperators.F2D, DS, 0)).mul(s)
                    .convertShape(VectorOperators.D2F, FS, 0);
            // dropped: x * 0, so NaN and infinities give NaN as in the scalar path
            x.mul(0f).blend(kept, keep).intoArray(out, i);
        }
        for (; i < to; i++) {
            out[i] = Philox.draw24(seed, i) >= threshold ? (float) (in[i] * scale) : in[i] * 0f;
        }
    }

    /** y = 1 / (1 + exp(-x)) over [from, to). */
    static void sigmoid(float[] x, float[] y, int from, int to) {
        int i = from;
        for (int upper = from + S.loopBound(to - from); i < upper; i += S.length()) {
            FloatVector e = FloatVector.fromArray(S, x, i).neg().lanewise(VectorOperators.EXP);
            FloatVector.broadcast(S, 1f).div(e.add(1f)).intoArray(y, i);
        }
        for (; i < to; i++) {
            y[i] = (float) (1.0 / (1.0 + Math.exp(-x[i])));
        }
    }

    /** y = tanh(x) over [from, to). */
    static void tanh(float[] x, float[] y, int from, int to) {
        int i = from;
        for (int upper = from + S.loopBound(to - from); i < upper; i += S.length()) {
            FloatVector.fromArray(S, x, i).lanewise(VectorOperators.TANH).intoArray(y, i);
        }
        for (; i < to; i++) {
            y[i] = (float) Math.tanh(x[i]);
        }
    }

    /** y = x > 0 ? x : alpha * (exp(x) - 1) over [from, to); NaN stays NaN. */
    static void elu(float[] x, float[] y, float alpha, int from, int to) {
        int i = from;
        for (int upper = from + S.loopBound(to - from); i < upper; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            VectorMask<Float> pos = v.compare(VectorOperators.GT, 0f);
            v.lanewise(VectorOperators.EXPM1).mul(alpha).blend(v, pos).intoArray(y, i);
        }
        for (; i < to; i++) {
            float v = x[i];
            y[i] = v > 0 ? v : (float) (alpha * Math.expm1(v));
        }
    }
}
