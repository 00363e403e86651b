package org.cnn4j.bench.runner;

import java.util.Map;
import org.cnn4j.check.Tolerances;
import org.cnn4j.core.Tensor;

/**
 * A case built on one backend: its tensors allocated and filled with seeded random values, ready to run. Running
 * it issues the work; the caller synchronizes the backend.
 */
public interface Instance extends AutoCloseable {
    /** One call of the case: issues its operators (allocation-free once built). */
    void run();

    /** The tensors the case computes, by role, with the tolerance each is compared with. */
    Map<String, Output> outputs();

    @Override
    void close();

    /**
     * One output tensor and its tolerance against the reference.
     *
     * @param tensor    the output
     * @param tolerance the bounds
     * @param l2Only    judge the tensor by its relative L2 error alone (plus NaN agreement), not per element: for
     *                  results at the end of a whole network, where (most likely) a max-pooling window whose two
     *                  largest values are within rounding of each other sends its gradient to another element on a
     *                  backend that rounds differently
     */
    record Output(Tensor tensor, Tolerances.Tolerance tolerance, boolean l2Only) {
        public Output(Tensor tensor, Tolerances.Tolerance tolerance) {
            this(tensor, tolerance, false);
        }
    }
}
