package org.cnn4j.check;

/**
 * Every tolerance of the suite, in one place. A float32 result is compared with the reference (which computes in
 * double and rounds once) element by element, {@code |out - ref| <= atol + rtol * |ref|}, and per tensor by the
 * relative L2 error {@code ||out - ref|| <= relL2 * ||ref|| + atol * sqrt(n)} (the absolute floor keeps
 * tensors that cancel to almost zero from failing on rounding alone). NaN in the reference must be NaN in the result.
 *
 * <p>The bounds allow what float32 arithmetic in another order legitimately changes (sums of many terms,
 * {@code exp} and {@code sqrt} a few ulps off, fused multiply-adds), and no more: a planted fault (a wrong index,
 * sign or unwritten element) is off by orders of magnitude more.
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
    static final Tolerance EXACT = new Tolerance(0, 0, 0);
    /** One or two roundings (add, scale, axpy, pooling, dropout's scale). */
    static final Tolerance ELEMENTWISE = new Tolerance(1e-6, 2e-6, 2e-6);
    /** Transcendental functions ({@code exp}, {@code tanh}, {@code log}) and optimizer divisions. */
    static final Tolerance TRANSCENDENTAL = new Tolerance(1e-6, 1e-5, 1e-5);
    /** Reductions over a batch or a tensor (sums, means, variances, losses). */
    static final Tolerance REDUCTION = new Tolerance(1e-5, 1e-4, 1e-5);
    /** Dot products over many terms (convolution, linear, GEMM). */
    static final Tolerance CONTRACTION = new Tolerance(1e-4, 1e-4, 1e-5);

    /** The tolerance for the call named {@code op} ({@code Family.Call}). */
    public static Tolerance of(String op) {
        String family = op.contains(".") ? op.substring(0, op.indexOf('.')) : op;
        if (op.equals("Prelu.Backward")) {
            return REDUCTION; // dWeight sums over every element sharing a slope
        }
        if (op.equals("Upsample.Backward")) {
            return REDUCTION; // each dx sums the output cells that copied it (up to a factor's square), in float
        }
        return switch (family) {
            case "Conv2d", "Linear", "Gemm" -> CONTRACTION;
            case "BatchNorm", "Loss", "L2Penalty", "SumAxes" -> REDUCTION;
            case "Activation", "Softmax", "Sgd", "Adagrad", "RmsProp", "Adam" -> TRANSCENDENTAL;
            case "Pool2d", "Prelu", "Dropout", "Add", "Scale", "Axpy" -> ELEMENTWISE;
            case "Fill", "Copy" -> EXACT;
            case "Upsample", "Concat" -> EXACT; // copies (Upsample.Backward above)
            default -> throw new IllegalArgumentException("no tolerance for operator family '" + family
                    + "'; add it to Tolerances.of");
        };
    }
}
