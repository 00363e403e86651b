package org.cnn4j.bench.runner;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.cnn4j.check.TensorCheck;
import org.cnn4j.check.Tolerances;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Tensor;

/**
 * The check each case passes before it is timed: the case is built on the candidate and on {@code reference} from
 * the same seeds, run once on each, and every output compared as the conformance suite compares
 * ({@link TensorCheck}: per element and relative L2, at the operator's tolerance, the absolute slack scaled to
 * tensors larger than unit size, see {@link #scaled}). The reference's outputs are kept
 * for the case last checked, so several backends are checked against one reference run.
 */
public final class Check {
    /** Outcome of one check. */
    public enum Status { PASSED, FAILED, SKIPPED, REFERENCE }

    /**
     * @param status what happened
     * @param detail why it was skipped, the first failing tensor, or the worst relative L2 error when passed
     */
    public record Result(Status status, String detail) {
        public boolean failed() {
            return status == Status.FAILED;
        }
    }

    private final Backend reference;
    private final double maxFlops;
    private String cachedCase;
    private Map<String, double[]> cached;

    /**
     * @param reference the reference backend (opened by the caller)
     * @param maxFlops  cases above this many floating-point operations per call are not checked: the reference
     *                  (plain loops in double, one thread) would take too long
     */
    public Check(Backend reference, double maxFlops) {
        this.reference = reference;
        this.maxFlops = maxFlops;
    }

    /** Why {@code c} is not checked, or null when it is. */
    public String skipReason(BenchCase c) {
        if (c.spec().flops() > maxFlops) {
            return String.format(Locale.ROOT, "not checked: the reference would need %.0f GFLOP (limit %.0f)",
                    c.spec().flops() / 1e9, maxFlops / 1e9);
        }
        return null;
    }

    /**
     * Runs {@code candidate} (a fresh instance of {@code c}) once and compares its outputs with the reference's.
     * Leaves the candidate run once. {@code be} is the candidate's backend.
     */
    public Result check(BenchCase c, Instance candidate, Backend be) {
        if (be.name().equals(reference.name())) {
            candidate.run();
            be.synchronize();
            return new Result(Status.REFERENCE, "is the reference");
        }
        String skip = skipReason(c);
        if (skip != null) {
            candidate.run();
            be.synchronize();
            return new Result(Status.SKIPPED, skip);
        }
        Map<String, double[]> want = referenceOutputs(c);
        candidate.run();
        be.synchronize();
        return compare(want, candidate.outputs());
    }

    /** Compares outputs read from a candidate with the reference's values {@code want}. */
    public static Result compare(Map<String, double[]> want, Map<String, Instance.Output> got) {
        double worstL2 = 0;
        String worstRole = "";
        for (Map.Entry<String, Instance.Output> e : got.entrySet()) {
            Tensor t = e.getValue().tensor();
            double[] ref = want.get(e.getKey());
            if (ref == null) {
                return new Result(Status.FAILED, "the reference has no output '" + e.getKey() + "'");
            }
            double[] out = t.toDoubleArray();
            // the L2 bound at the operator's tolerance; the per-element bounds with the slack scaled to the tensor
            TensorCheck tc = TensorCheck.compare(e.getKey(), t.shape(), out, ref, e.getValue().tolerance());
            TensorCheck elements = TensorCheck.compare(e.getKey(), t.shape(), out, ref,
                    scaled(e.getValue().tolerance(), ref));
            if (e.getValue().l2Only()) {
                int nanMismatch = 0;
                for (int i = 0; i < ref.length; i++) {
                    if (Double.isNaN(out[i]) != Double.isNaN(ref[i])
                            || Double.isInfinite(out[i]) != Double.isInfinite(ref[i])) {
                        nanMismatch++;
                    }
                }
                if (nanMismatch > 0 || !tc.l2Passed()) {
                    return new Result(Status.FAILED, "(judged by relative L2 alone) " + tc.describe()
                            + (nanMismatch > 0 ? "; " + nanMismatch + " NaN/infinity mismatches" : ""));
                }
            } else if (!tc.l2Passed()) {
                return new Result(Status.FAILED, tc.describe());
            } else if (elements.violations() > 0) {
                return new Result(Status.FAILED, elements.describe());
            }
            if (tc.relL2() >= worstL2) {
                worstL2 = tc.relL2();
                worstRole = e.getKey();
            }
        }
        return new Result(Status.PASSED, String.format(Locale.ROOT, "%d outputs within tolerance; worst "
                + "relative L2 %.2g (%s)", got.size(), worstL2, worstRole));
    }

    /**
     * {@code tol} with its absolute slack scaled by the tensor's RMS when that is above 1. The conformance suite's
     * {@code atol} is meant for values of unit size; float32 rounding in a sum grows with the size of its partial
     * sums, and a dot product over tens of thousands of random terms (AlexNet's conv1 filter gradient at batch 8:
     * 24,200 products, RMS about 50) rounds to a few 1e-4 absolute where its result happens to be near zero, while
     * its relative L2 error stays near 1e-6. Used for the per-element bounds only; the L2 bound is the operator's.
     */
    static Tolerances.Tolerance scaled(Tolerances.Tolerance tol, double[] ref) {
        double sum = 0;
        int n = 0;
        for (double v : ref) {
            if (Double.isFinite(v)) {
                sum += v * v;
                n++;
            }
        }
        double rms = n == 0 ? 0 : Math.sqrt(sum / n);
        return rms > 1 ? new Tolerances.Tolerance(tol.atol() * rms, tol.rtol(), tol.relL2()) : tol;
    }

    private Map<String, double[]> referenceOutputs(BenchCase c) {
        if (!c.name().equals(cachedCase)) {
            cached = null;
            cachedCase = null;
            try (Instance ref = c.build(reference)) {
                ref.run();
                reference.synchronize();
                Map<String, double[]> m = new LinkedHashMap<>();
                for (Map.Entry<String, Instance.Output> e : ref.outputs().entrySet()) {
                    m.put(e.getKey(), e.getValue().tensor().toDoubleArray());
                }
                cached = m;
                cachedCase = c.name();
            }
        }
        return cached;
    }

    /** Forgets the cached reference outputs. */
    public void clear() {
        cached = null;
        cachedCase = null;
    }
}
