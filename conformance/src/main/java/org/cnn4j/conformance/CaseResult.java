package org.cnn4j.conformance;

import java.util.List;
import org.cnn4j.check.TensorCheck;

/**
 * The outcome of one case on one candidate backend.
 *
 * @param testCase the case
 * @param backend  the candidate's name
 * @param status   passed, failed, or skipped (the candidate does not support the call, or lacks a dtype)
 * @param message  for failures and skips, the full explanation (op, params, seed, tensors); "ok" otherwise
 * @param checks   the comparison of every output (empty for error cases and skips)
 */
public record CaseResult(OpCase testCase, String backend, Status status, String message, List<TensorCheck> checks) {
    /** The verdict. */
    public enum Status { PASSED, FAILED, SKIPPED }

    public CaseResult {
        checks = List.copyOf(checks);
    }

    public boolean passed() {
        return status == Status.PASSED;
    }

    public boolean failed() {
        return status == Status.FAILED;
    }

    public boolean skipped() {
        return status == Status.SKIPPED;
    }
}
