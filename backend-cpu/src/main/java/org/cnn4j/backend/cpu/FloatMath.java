package org.cnn4j.backend.cpu;

/**
 * The cpu backend's exponential and the activations built on it, in float, from additions, multiplications,
 * divisions and comparisons only. Each operation is IEEE-rounded, so the result does not depend on the JIT tier,
 * on the Vector API's intrinsics or on its Java fallback: {@link VectorMath} evaluates the same expressions in the
 * same order lane by lane and gives the same bits as these scalar versions, whichever elements fall into a vector
 * body or a scalar tail. ({@code VectorOperators.EXP} and {@code Math.exp} leave the last bit to the platform's
 * math library, which the JIT uses in compiled code only.)
 *
 * <p>{@link #exp} is Cephes' {@code expf}: {@code x = n ln 2 + r} with {@code |r| <= ln 2 / 2}, {@code ln 2} split
 * in two so that {@code n * LN2_HI} is exact, a degree-7 polynomial for {@code e^r}, then the exponent set from
 * {@code n} in two halves (so that {@code 2^n} from {@code 2^-151} to {@code 2^128} is two normal floats, and
 * only the last multiplication rounds into a subnormal or overflows); within 2 ulp for normal results. The argument
 * is clamped to {@code [EXP_LO, EXP_HI]}: {@code EXP_HI} already overflows to infinity and {@code EXP_LO} already
 * rounds to zero, so {@code exp(+inf) = inf}, {@code exp(-inf) = 0}, and NaN stays NaN.
 */
final class FloatMath {
    /** Just above ln(Float.MAX_VALUE): exp overflows to infinity here and above. */
    static final float EXP_HI = 88.72284f;
    /** exp rounds to zero here and below. */
    static final float EXP_LO = -105f;
    static final float LOG2E = 1.44269504088896341f;
    /** 1.5 * 2^23: adding and subtracting it rounds a float of magnitude below 2^22 to the nearest integer. */
    static final float ROUND = 12582912f;
    static final float LN2_HI = 0.693359375f;
    static final float LN2_LO = -2.12194440e-4f;
    static final float P0 = 1.9875691500E-4f;
    static final float P1 = 1.3981999507E-3f;
    static final float P2 = 8.3334519073E-3f;
    static final float P3 = 4.1665795894E-2f;
    static final float P4 = 1.6666665459E-1f;
    static final float P5 = 5.0000001201E-1f;
    /** Below this magnitude tanh is Cephes' odd polynomial; above it {@code 1 - 2 / (e^2|x| + 1)}. */
    static final float TANH_SMALL = 0.625f;
    static final float T0 = -5.70498872745E-3f;
    static final float T1 = 2.06390887954E-2f;
    static final float T2 = -5.37397155531E-2f;
    static final float T3 = 1.33314422036E-1f;
    static final float T4 = -3.33332819422E-1f;
    /** Below this magnitude expm1 is its Taylor series to x^8 (truncation under 1e-8 relative). */
    static final float EXPM1_SMALL = 0.5f;
    static final float[] EXPM1_TAYLOR = {1f / 40320, 1f / 5040, 1f / 720, 1f / 120, 1f / 24, 1f / 6, 1f / 2};

    private FloatMath() {
    }

    static float exp(float x) {
        x = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float n = (x * LOG2E + ROUND) - ROUND;
        float r = x - n * LN2_HI;
        r = r - n * LN2_LO;
        float z = r * r;
        float p = P0;
        p = p * r + P1;
        p = p * r + P2;
        p = p * r + P3;
        p = p * r + P4;
        p = p * r + P5;
        float y = p * z + r + 1f;
        int ni = (int) n;
        int half = ni >> 1;
        return y * Float.intBitsToFloat((half + 127) << 23) * Float.intBitsToFloat((ni - half + 127) << 23);
    }

    static float expm1(float x) {
        if (Math.abs(x) < EXPM1_SMALL) {
            float p = EXPM1_TAYLOR[0];
            for (int k = 1; k < EXPM1_TAYLOR.length; k++) {
                p = p * x + EXPM1_TAYLOR[k];
            }
            return p * (x * x) + x;
        }
        return exp(x) - 1f;
    }

    static float sigmoid(float x) {
        return 1f / (1f + exp(-x));
    }

    static float tanh(float x) {
        float ax = Math.abs(x);
        if (ax < TANH_SMALL) {
            float z = x * x;
            float p = T0;
            p = p * z + T1;
            p = p * z + T2;
            p = p * z + T3;
            p = p * z + T4;
            return p * z * x + x;
        }
        float y = 1f - 2f / (exp(ax + ax) + 1f);
        return Math.copySign(y, x);
    }

    static float elu(float x, float alpha) {
        return x > 0 ? x : alpha * expm1(x);
    }
}
