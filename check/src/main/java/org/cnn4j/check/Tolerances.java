package org.cnn4j.check;

import org.cnn4j.ops.Activation;
import org.cnn4j.ops.Adagrad;
import org.cnn4j.ops.Adam;
import org.cnn4j.ops.Add;
import org.cnn4j.ops.Axpy;
import org.cnn4j.ops.BatchNorm;
import org.cnn4j.ops.Concat;
import org.cnn4j.ops.Conv2d;
import org.cnn4j.ops.Copy;
import org.cnn4j.ops.Dropout;
import org.cnn4j.ops.Fill;
import org.cnn4j.ops.Gemm;
import org.cnn4j.ops.L2Penalty;
import org.cnn4j.ops.Linear;
import org.cnn4j.ops.Loss;
import org.cnn4j.ops.Op;
import org.cnn4j.ops.Pool2d;
import org.cnn4j.ops.Prelu;
import org.cnn4j.ops.RmsProp;
import org.cnn4j.ops.Scale;
import org.cnn4j.ops.Sgd;
import org.cnn4j.ops.Softmax;
import org.cnn4j.ops.SumAxes;
import org.cnn4j.ops.Upsample;

/**
 * Every tolerance of the suite, in one place. A float32 result is compared with the reference (which computes in
 * double and rounds once) element by element, {@code |out - ref| <= atol + rtol * |ref|}, and per tensor by the
 * relative L2 error {@code ||out - ref|| <= relL2 * ||ref|| + atol * sqrt(n)} (the absolute floor keeps
 * tensors that cancel to almost zero from failing on rounding alone). NaN in the reference must be NaN in the result.
 *
 * <p>The bounds allow what float32 arithmetic in another order legitimately changes (sums of many terms,
 * {@code exp} and {@code sqrt} a few ulps off, fused multiply-adds), and no more: a planted fault (a wrong index,
 * sign or unwritten element) is off by orders of magnitude more. Every backend is held to the same bounds, at every
 * size (the conformance suite's split-sized cases included): no backend, configuration or size has looser ones.
 */
public final class Tolerances {
    private Tolerances() {
    }

    /**
     * Bounds for one operator.
     *
     * @param atol  absolute slack per element
     * @param rtol  slack per element relative to |ref|
     * @param relL2 bound on {@code ||out - ref|| / ||ref||} per tensor (plus the floor {@code atol * sqrt(n)})
     */
    public record Tolerance(double atol, double rtol, double relL2) {
        /** The bound for one element whose reference value is {@code ref}. */
        public double bound(double ref) {
            return atol + rtol * Math.abs(ref);
        }

        @Override
        public String toString() {
            return "atol=" + atol + " rtol=" + rtol + " relL2=" + relL2;
        }
    }

    /** Copies: bit for bit. */
    public static final Tolerance EXACT = new Tolerance(0, 0, 0);
    /** One or two roundings (add, scale, axpy, pooling, dropout's scale). */
    public static final Tolerance ELEMENTWISE = new Tolerance(1e-6, 2e-6, 2e-6);
    /** Transcendental functions ({@code exp}, {@code tanh}, {@code log}) and optimizer divisions. */
    public static final Tolerance TRANSCENDENTAL = new Tolerance(1e-6, 1e-5, 1e-5);
    /** Reductions over a batch or a tensor (sums, means, variances, losses). */
    public static final Tolerance REDUCTION = new Tolerance(1e-5, 1e-4, 1e-5);
    /** Dot products over many terms (convolution, linear, GEMM). */
    public static final Tolerance CONTRACTION = new Tolerance(1e-4, 1e-4, 1e-5);

    /**
     * How much finer float64 arithmetic is than float32: the ratio of their machine epsilons (2^-52 / 2^-23).
     * A float64 call gets its float32 bounds times this; the reference computes in double either way.
     */
    static final double FLOAT64_SCALE = Math.ulp(1.0) / Math.ulp(1.0f);

    /**
     * The tolerance of {@code op}, the same on every backend: chosen by the kind of arithmetic the call does
     * (an exhaustive switch over the sealed {@link Op}, so a new operator does not compile until it has one), and
     * scaled only by the element type ({@link #FLOAT64_SCALE}).
     */
    public static Tolerance of(Op op) {
        Tolerance t = switch (op) {
            // dot products over many terms
            case Conv2d.Forward _, Conv2d.BackwardData _, Conv2d.BackwardFilter _ -> CONTRACTION;
            case Linear.Forward _, Linear.BackwardData _, Linear.BackwardWeights _ -> CONTRACTION;
            case Gemm.Run _ -> CONTRACTION;
            // sums over a batch, a tensor or the elements sharing a parameter
            case BatchNorm.ForwardTraining _, BatchNorm.ForwardInference _, BatchNorm.Backward _,
                    BatchNorm.BackwardInference _ -> REDUCTION;
            case Loss.Forward _, Loss.Backward _ -> REDUCTION;
            case L2Penalty.Forward _, L2Penalty.Backward _ -> REDUCTION;
            case SumAxes.Run _ -> REDUCTION;
            case Prelu.Backward _ -> REDUCTION; // dWeight sums over every element sharing a slope
            case Upsample.Backward _ -> REDUCTION; // each dx sums the output cells that copied it, in float
            // exp, tanh, log, divisions and square roots
            case Activation.Forward _, Activation.Backward _ -> TRANSCENDENTAL;
            case Softmax.Forward _, Softmax.Backward _ -> TRANSCENDENTAL;
            case Sgd.Step _, Adagrad.Step _, RmsProp.Step _, Adam.Step _ -> TRANSCENDENTAL;
            case Sgd.Steps _, Adagrad.Steps _, RmsProp.Steps _, Adam.Steps _ -> TRANSCENDENTAL;
            // one or two roundings per element
            case Pool2d.Forward _, Pool2d.Backward _ -> ELEMENTWISE;
            case Prelu.Forward _ -> ELEMENTWISE;
            case Dropout.Forward _, Dropout.Backward _ -> ELEMENTWISE;
            case Add.Run _, Scale.Run _, Axpy.Run _ -> ELEMENTWISE;
            // copies
            case Fill.Run _, Copy.Run _ -> EXACT;
            case Upsample.Forward _, Concat.Forward _, Concat.Backward _ -> EXACT;
        };
        return switch (op.dtype()) {
            case FLOAT32 -> t;
            case FLOAT64 -> new Tolerance(t.atol() * FLOAT64_SCALE, t.rtol() * FLOAT64_SCALE,
                    t.relL2() * FLOAT64_SCALE);
        };
    }
}
