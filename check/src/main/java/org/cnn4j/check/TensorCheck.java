package org.cnn4j.check;

import java.util.Locale;
import org.cnn4j.core.Shape;

/**
 * The comparison of one output tensor with the reference's: how many elements violate
 * {@code |out - ref| <= atol + rtol * |ref|}, the worst element (the one that used the largest share of its
 * bound), and the relative L2 error of the tensor.
 *
 * @param role       the output's role name
 * @param shape      its shape
 * @param tolerance  the bounds applied
 * @param violations number of elements outside their bound (NaN mismatches included)
 * @param worst      flat index of the element with the largest share of its bound, -1 for an empty comparison
 * @param out        the candidate's value there
 * @param ref        the reference's value there
 * @param share      {@code |out - ref| / bound} there (infinite for a NaN mismatch)
 * @param relL2      {@code ||out - ref|| / ||ref||} over the elements that are finite in both
 * @param l2Passed   whether {@code ||out - ref|| <= relL2 bound * ||ref|| + atol * sqrt(n)}
 */
public record TensorCheck(String role, Shape shape, Tolerances.Tolerance tolerance, int violations, int worst,
        double out, double ref, double share, double relL2, boolean l2Passed) {

    /** Compares {@code out} with {@code ref} (same length) under {@code tol}. */
    public static TensorCheck compare(String role, Shape shape, double[] out, double[] ref, Tolerances.Tolerance tol) {
        int violations = 0;
        int worst = -1;
        double worstShare = -1;
        double diff2 = 0;
        double ref2 = 0;
        for (int i = 0; i < ref.length; i++) {
            double o = out[i];
            double r = ref[i];
            double share;
            if (Double.isNaN(r) || Double.isNaN(o)) {
                share = Double.isNaN(r) && Double.isNaN(o) ? 0 : Double.POSITIVE_INFINITY;
            } else if (Double.isInfinite(r) || Double.isInfinite(o)) {
                share = o == r ? 0 : Double.POSITIVE_INFINITY;
            } else {
                double d = Math.abs(o - r);
                double bound = tol.bound(r);
                share = d == 0 ? 0 : bound == 0 ? Double.POSITIVE_INFINITY : d / bound;
                diff2 += d * d;
                ref2 += r * r;
            }
            if (share > 1) {
                violations++;
            }
            if (share > worstShare) {
                worstShare = share;
                worst = i;
            }
        }
        double relL2 = diff2 == 0 ? 0 : ref2 == 0 ? Double.POSITIVE_INFINITY : Math.sqrt(diff2 / ref2);
        // A tensor whose values cancel to almost nothing (a batch-norm dx over two values, a long dot product near
        // zero) has a tiny ||ref||; its relative L2 error is then judged with the absolute floor atol * sqrt(n).
        boolean l2ok = Math.sqrt(diff2) <= tol.relL2() * Math.sqrt(ref2) + tol.atol() * Math.sqrt(ref.length);
        return new TensorCheck(role, shape, tol, violations, worst, worst < 0 ? 0 : out[worst],
                worst < 0 ? 0 : ref[worst], Math.max(worstShare, 0), relL2, l2ok);
    }

    /** True when every element is within its bound and the L2 error within its bound. */
    public boolean passed() {
        return violations == 0 && l2Passed;
    }

    /** One line: role, verdict, worst element with coordinates, out vs ref, share of bound, relative L2. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append('\'').append(role).append("' ").append(shape).append(": ");
        sb.append(passed() ? "ok" : "FAILED").append(", ").append(violations).append(" of ").append(shape.size())
                .append(" elements outside tolerance");
        if (worst >= 0) {
            sb.append(String.format(Locale.ROOT, "; worst at index %d %s: out %s vs ref %s, %s of tolerance",
                    worst, coordinates(shape, worst), num(out), num(ref),
                    Double.isInfinite(share) ? "infinite share" : String.format(Locale.ROOT, "%.3g x", share)));
        }
        sb.append(String.format(Locale.ROOT, "; relative L2 error %.3g (bound %.3g + atol*sqrt(n)/||ref||)%s; %s", relL2,
                tolerance.relL2(), l2Passed ? "" : " EXCEEDED", tolerance));
        return sb.toString();
    }

    /** The coordinates of flat index {@code index} in {@code shape}, named n, c, h, w for rank 4. */
    public static String coordinates(Shape shape, int index) {
        int rank = shape.rank();
        if (rank == 0) {
            return "[]";
        }
        String[] names = rank == 4 ? new String[] {"n", "c", "h", "w"} : null;
        int[] idx = new int[rank];
        int rest = index;
        for (int a = rank - 1; a >= 0; a--) {
            idx[a] = rest % shape.dim(a);
            rest /= shape.dim(a);
        }
        StringBuilder sb = new StringBuilder("[");
        for (int a = 0; a < rank; a++) {
            if (a > 0) {
                sb.append(", ");
            }
            if (names != null) {
                sb.append(names[a]).append('=');
            }
            sb.append(idx[a]);
        }
        return sb.append(']').toString();
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.9g", v);
    }
}
