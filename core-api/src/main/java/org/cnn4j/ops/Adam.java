package org.cnn4j.ops;

import java.util.List;
import java.util.Map;
import org.cnn4j.core.DType;
import org.cnn4j.core.Tensor;

/**
 * One Adam step with bias correction, PyTorch's {@code torch.optim.Adam} ({@code amsgrad = False}; weight decay
 * added to the gradient, not decoupled):
 *
 * <pre>
 *   g = grad + weightDecay * param
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g^2
 *   param -= lr / (1 - beta1^step) * m / (sqrt(v) / sqrt(1 - beta2^step) + epsilon)
 * </pre>
 *
 * @param lr          learning rate, positive
 * @param beta1       first-moment decay (PyTorch default 0.9), in [0, 1)
 * @param beta2       second-moment decay (PyTorch default 0.999), in [0, 1)
 * @param epsilon     added to the denominator (PyTorch default 1e-8), positive
 * @param weightDecay L2 coefficient, non-negative
 * @param step        the 1-based number of this step, for the bias correction
 */
public record Adam(double lr, double beta1, double beta2, double epsilon, double weightDecay, long step) {
    public Adam {
        Check.positive("Adam", "lr", lr);
        Check.range("Adam", "beta1", beta1, 0, 1, true);
        Check.range("Adam", "beta2", beta2, 0, 1, true);
        Check.positive("Adam", "epsilon", epsilon);
        Check.nonNegative("Adam", "weightDecay", weightDecay);
        if (step < 1) {
            throw Check.fail("Adam", "step must be at least 1 but is " + step);
        }
    }

    /** PyTorch's defaults (betas 0.9, 0.999, epsilon 1e-8, no weight decay) at {@code step}. */
    public static Adam defaults(double lr, long step) {
        return new Adam(lr, 0.9, 0.999, 1e-8, 0, step);
    }

    /** Updates {@code param}, {@code expAvg} (m) and {@code expAvgSq} (v) in place. */
    public record Step(Adam adam, Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq) implements Op {
        public Step {
            Check.descriptor("Adam.Step", "adam", adam);
            String op = "Adam.Step";
            Check.present(op, "param", param);
            Check.sameShape(op, "grad", grad, "param", param);
            Check.sameShape(op, "expAvg", expAvg, "param", param);
            Check.sameShape(op, "expAvgSq", expAvgSq, "param", param);
            Check.dtype(op, Check.operands("param", param, "grad", grad, "expAvg", expAvg, "expAvgSq", expAvgSq));
        }

        @Override
        public DType dtype() {
            return param.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("param", param, "grad", grad, "expAvg", expAvg, "expAvgSq", expAvgSq);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("param", param, "expAvg", expAvg, "expAvgSq", expAvgSq);
        }
    }

    /**
     * One Adam step of many parameters at once (PyTorch's multi-tensor {@code _foreach} Adam): element for element
     * the same update as {@link Step} on each {@code params[i]} with {@code grads[i]}, {@code expAvgs[i]},
     * {@code expAvgSqs[i]}, so a backend may run them all in one launch. The lists pair up index by index (same
     * length, same shapes pairwise, one dtype); what the step writes must be distinct tensors.
     */
    public record Steps(Adam adam, List<Tensor> params, List<Tensor> grads, List<Tensor> expAvgs,
            List<Tensor> expAvgSqs) implements Op {
        public Steps {
            String op = "Adam.Steps";
            Check.descriptor(op, "adam", adam);
            params = TensorLists.params(op, params);
            grads = TensorLists.matching(op, "grads", grads, params);
            expAvgs = TensorLists.matching(op, "expAvgs", expAvgs, params);
            expAvgSqs = TensorLists.matching(op, "expAvgSqs", expAvgSqs, params);
            TensorLists.distinct(op, grads, "params", params, "expAvgs", expAvgs, "expAvgSqs", expAvgSqs);
            Check.dtype(op, TensorLists.named("params", params, "grads", grads, "expAvgs", expAvgs, "expAvgSqs",
                    expAvgSqs));
        }

        /** The single-tensor step of parameter {@code i}. */
        public Step step(int i) {
            return new Step(adam, params.get(i), grads.get(i), expAvgs.get(i), expAvgSqs.get(i));
        }

        @Override
        public DType dtype() {
            return params.getFirst().dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return TensorLists.named("params", params, "grads", grads, "expAvgs", expAvgs, "expAvgSqs", expAvgSqs);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return TensorLists.named("params", params, "expAvgs", expAvgs, "expAvgSqs", expAvgSqs);
        }
    }
}
