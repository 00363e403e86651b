package org.cnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link FloatMath} against {@link StrictMath} in double (accuracy, special values), and {@link VectorMath}'s
 * lanes against {@link FloatMath} bit for bit: the vector body and the scalar tail of a loop must agree, so that
 * a result does not depend on where a chunk boundary or the vector width falls.
 */
class FloatMathTest {
    /** Every test value: a dense sweep, random values over the float range, and the special values. */
    static float[] values() {
        SplittableRandom rng = new SplittableRandom(3);
        float[] v = new float[200_003];
        int i = 0;
        for (; i < 100_000; i++) {
            v[i] = -110f + 220f * i / 100_000;
        }
        for (; i < 199_990; i++) {
            v[i] = Float.intBitsToFloat(rng.nextInt());
        }
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE,
            -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, FloatMath.EXP_HI, FloatMath.EXP_LO, 88.7f, -88f};
        System.arraycopy(special, 0, v, i, special.length);
        return v;
    }

    static double ulps(float got, double want) {
        if (Double.isNaN(want)) {
            return Float.isNaN(got) ? 0 : Double.POSITIVE_INFINITY;
        }
        float w = (float) want;
        if (Float.isInfinite(w) || w == 0 || Math.abs(w) < Float.MIN_NORMAL) {
            return got == w || Math.abs(got - want) <= Float.MIN_NORMAL ? 0 : Double.POSITIVE_INFINITY;
        }
        return Math.abs(got - want) / Math.ulp(w);
    }

    @Test
    void accurateAgainstStrictMath() {
        double worstExp = 0;
        double worstSigmoid = 0;
        double worstTanh = 0;
        double worstElu = 0;
        for (float x : values()) {
            worstExp = Math.max(worstExp, ulps(FloatMath.exp(x), StrictMath.exp(x)));
            worstSigmoid = Math.max(worstSigmoid, ulps(FloatMath.sigmoid(x), 1 / (1 + StrictMath.exp(-(double) x))));
            worstTanh = Math.max(worstTanh, ulps(FloatMath.tanh(x), StrictMath.tanh(x)));
            worstElu = Math.max(worstElu, ulps(FloatMath.elu(x, 1f), x > 0 ? x : StrictMath.expm1(x)));
        }
        assertTrue(worstExp <= 2, "exp is " + worstExp + " ulp off");
        assertTrue(worstSigmoid <= 3, "sigmoid is " + worstSigmoid + " ulp off");
        assertTrue(worstTanh <= 3, "tanh is " + worstTanh + " ulp off");
        assertTrue(worstElu <= 3, "elu is " + worstElu + " ulp off");
        assertEquals(0f, FloatMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(Float.POSITIVE_INFINITY));
        assertEquals(0f, FloatMath.sigmoid(-1e30f));
        assertEquals(1f, FloatMath.sigmoid(1e30f));
        assertEquals(-1f, FloatMath.tanh(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(FloatMath.exp(Float.NaN)) && Float.isNaN(FloatMath.tanh(Float.NaN))
                && Float.isNaN(FloatMath.sigmoid(Float.NaN)) && Float.isNaN(FloatMath.elu(Float.NaN, 1f)));
    }

    @Test
    void vectorLanesEqualTheScalarBitForBit() {
        float[] x = values();
        float[] vec = new float[x.length];
        for (String f : new String[] {"sigmoid", "tanh", "elu"}) {
            switch (f) {
                case "sigmoid" -> VectorMath.sigmoid(x, vec, 0, x.length);
                case "tanh" -> VectorMath.tanh(x, vec, 0, x.length);
                default -> VectorMath.elu(x, vec, 1.5f, 0, x.length);
            }
            for (int i = 0; i < x.length; i++) {
                float s = switch (f) {
                    case "sigmoid" -> FloatMath.sigmoid(x[i]);
                    case "tanh" -> FloatMath.tanh(x[i]);
                    default -> FloatMath.elu(x[i], 1.5f);
                };
                if (Float.floatToIntBits(s) != Float.floatToIntBits(vec[i])) {
                    throw new AssertionError(f + "(" + x[i] + "): vector lane " + vec[i] + ", scalar " + s);
                }
            }
        }
    }
}
