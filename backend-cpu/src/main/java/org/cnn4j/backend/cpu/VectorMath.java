package org.cnn4j.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.cnn4j.ops.Philox;

/**
 * Dropout's Philox draws, and the exponential activations, on whole vectors. The activations are
 * {@link FloatMath}'s expressions lane by lane (not {@code VectorOperators.EXP}, {@code EXPM1} or {@code TANH},
 * whose last bit depends on whether the JIT has compiled the call), so vector body and scalar tail give the same
 * bits, whatever the JIT does. Like {@link VectorKernel},
 * loaded only when {@code jdk.incubator.vector} is present and the vector path is on.
 */
final class VectorMath {
    private static final VectorSpecies<Float> S = VectorWidth.FLOATS;

    /** Philox lanes: 64-bit lanes holding 32-bit words, so the 32 x 32 -> 64 products are one lane multiply. */
    private static final VectorSpecies<Long> LS = VectorWidth.LONGS;
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

    /** {@link FloatMath#exp} on every lane: the same operations in the same order, so the same bits. */
    static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(FloatMath.EXP_LO).min(FloatMath.EXP_HI);
        FloatVector n = c.mul(FloatMath.LOG2E).add(FloatMath.ROUND).sub(FloatMath.ROUND);
        FloatVector r = c.sub(n.mul(FloatMath.LN2_HI));
        r = r.sub(n.mul(FloatMath.LN2_LO));
        FloatVector z = r.mul(r);
        FloatVector p = FloatVector.broadcast(S, FloatMath.P0);
        p = p.mul(r).add(FloatMath.P1);
        p = p.mul(r).add(FloatMath.P2);
        p = p.mul(r).add(FloatMath.P3);
        p = p.mul(r).add(FloatMath.P4);
        p = p.mul(r).add(FloatMath.P5);
        FloatVector y = p.mul(z).add(r).add(1f);
        IntVector ni = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector half = ni.lanewise(VectorOperators.ASHR, 1);
        FloatVector s1 = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = ni.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return y.mul(s1).mul(s2);
    }

    /** {@link FloatMath#expm1} on every lane. */
    static FloatVector expm1(FloatVector x) {
        FloatVector p = FloatVector.broadcast(S, FloatMath.EXPM1_TAYLOR[0]);
        for (int k = 1; k < FloatMath.EXPM1_TAYLOR.length; k++) {
            p = p.mul(x).add(FloatMath.EXPM1_TAYLOR[k]);
        }
        FloatVector small = p.mul(x.mul(x)).add(x);
        VectorMask<Float> isSmall = x.abs().compare(VectorOperators.LT, FloatMath.EXPM1_SMALL);
        return exp(x).sub(1f).blend(small, isSmall);
    }

    /** y = 1 / (1 + exp(-x)) over [from, to), as {@link FloatMath#sigmoid}. */
    static void sigmoid(float[] x, float[] y, int from, int to) {
        int i = from;
        for (int upper = from + S.loopBound(to - from); i < upper; i += S.length()) {
            FloatVector e = exp(FloatVector.fromArray(S, x, i).neg());
            FloatVector.broadcast(S, 1f).div(e.add(1f)).intoArray(y, i);
        }
        for (; i < to; i++) {
            y[i] = FloatMath.sigmoid(x[i]);
        }
    }

    /** y = tanh(x) over [from, to), as {@link FloatMath#tanh}. */
    static void tanh(float[] x, float[] y, int from, int to) {
        int i = from;
        for (int upper = from + S.loopBound(to - from); i < upper; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector ax = v.abs();
            FloatVector z = v.mul(v);
            FloatVector p = FloatVector.broadcast(S, FloatMath.T0);
            p = p.mul(z).add(FloatMath.T1);
            p = p.mul(z).add(FloatMath.T2);
            p = p.mul(z).add(FloatMath.T3);
            p = p.mul(z).add(FloatMath.T4);
            FloatVector small = p.mul(z).mul(v).add(v);
            FloatVector large = FloatVector.broadcast(S, 1f).sub(
                    FloatVector.broadcast(S, 2f).div(exp(ax.add(ax)).add(1f)));
            // copySign(large, v): large's magnitude bits with v's sign bit
            IntVector signed = large.reinterpretAsInts().and(0x7FFFFFFF)
                    .or(v.reinterpretAsInts().and(0x80000000));
            signed.reinterpretAsFloats().blend(small, ax.compare(VectorOperators.LT, FloatMath.TANH_SMALL))
                    .intoArray(y, i);
        }
        for (; i < to; i++) {
            y[i] = FloatMath.tanh(x[i]);
        }
    }

    /** y = x > 0 ? x : alpha * (exp(x) - 1) over [from, to), as {@link FloatMath#elu}; NaN stays NaN. */
    static void elu(float[] x, float[] y, float alpha, int from, int to) {
        int i = from;
        for (int upper = from + S.loopBound(to - from); i < upper; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            VectorMask<Float> pos = v.compare(VectorOperators.GT, 0f);
            expm1(v).mul(alpha).blend(v, pos).intoArray(y, i);
        }
        for (; i < to; i++) {
            y[i] = FloatMath.elu(x[i], alpha);
        }
    }
}
