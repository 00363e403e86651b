package org.cnn4j.conformance;

import org.cnn4j.ops.Op;

/**
 * One conformance case: an operator call, a readable description of its parameters, and the seed its data is
 * drawn from. The builder allocates the call's tensors through a {@link CaseContext} (once per backend) and
 * returns the call. A {@link Kind#ERROR} case's builder must be rejected with an
 * {@link IllegalArgumentException} whose message contains {@code expectedError} (the offending role or
 * parameter), either by the operator record's constructor or by {@code Backend.execute}.
 *
 * @param op            the call's name, {@code Family.Call} ({@code Conv2d.Forward})
 * @param params        the case's parameters, as people read them
 * @param seed          the seed of the case's data (and, for random samples, of its parameters)
 * @param kind          random sample, named edge case, or error case
 * @param expectedError for error cases, the text the rejection message must contain; null otherwise
 * @param builder       allocates the tensors and returns the call
 */
public record OpCase(String op, String params, long seed, Kind kind, String expectedError, Builder builder) {
    /** What a case is for. */
    public enum Kind { SAMPLE, EDGE, ERROR }

    /** Allocates a call's tensors in {@code ctx} and returns the call. */
    @FunctionalInterface
    public interface Builder {
        Op build(CaseContext ctx);
    }

    /** The family, the part of {@link #op} before the dot. */
    public String family() {
        return op.substring(0, op.indexOf('.'));
    }

    /** True for a case of the split-sized sweep ({@link SplitSizes}). */
    public boolean splitSized() {
        return params.startsWith(SplitSizes.PREFIX);
    }

    /** The test name: op, kind, parameters and seed, enough to find and replay the case. */
    public String name() {
        String k = switch (kind) {
            case SAMPLE -> "";
            case EDGE -> "edge ";
            case ERROR -> "error ";
        };
        return op + " " + k + params + " seed=" + seed;
    }

    @Override
    public String toString() {
        return name();
    }
}
