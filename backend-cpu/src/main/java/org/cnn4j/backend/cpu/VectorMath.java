package org.cnn4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Transcendental activations on whole vectors ({@code VectorOperators.EXP}, {@code EXPM1}, {@code TANH}, which
 * the JIT maps to the platform's vector math library), with a scalar tail in double. Like {@link VectorKernel},
 * loaded only when {@code jdk.incubator.vector} is present and the vector path is on.
 */
final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorMath() {
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
