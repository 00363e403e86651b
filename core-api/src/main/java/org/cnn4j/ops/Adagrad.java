package org.cnn4j.ops;

import java.util.List;
import java.util.Map;
import org.cnn4j.core.DType;
import org.cnn4j.core.Tensor;

/**
 * One AdaGrad step, PyTorch's {@code torch.optim.Adagrad} with {@code initial_accumulator_value = 0}:
 *
 * <pre>
 *   g = grad + weightDecay * param
 *   clr = lr / (1 + (step - 1) * lrDecay)
 *   sum += g^2
 *   param -= clr * g / (sqrt(sum) + epsilon)
 * </pre>
 *
 * @param lr          learning rate, positive
 * @param epsilon     added to the denominator (PyTorch default 1e-10), positive
 * @param weightDecay L2 coefficient, non-negative
 * @param lrDecay     learning-rate decay per step (PyTorch's {@code lr_decay}, default 0), non-negative
 * @param step        the 1-based number of this step (PyTorch counts it per parameter), for the decay
 */
public record Adagrad(double lr, double epsilon, double weightDecay, double lrDecay, long step) {
    public Adagrad {
        Check.positive("Adagrad", "lr", lr);
        Check.positive("Adagrad", "epsilon", epsilon);
        Check.nonNegative("Adagrad", "weightDecay", weightDecay);
        Check.nonNegative("Adagrad", "lrDecay", lrDecay);
        if (step < 1) {
            throw Check.fail("Adagrad", "step must be at least 1 but is " + step);
        }
    }

    /** Without learning-rate decay ({@code lr_decay = 0}), so the step number does not matter (1). */
    public Adagrad(double lr, double epsilon, double weightDecay) {
        this(lr, epsilon, weightDecay, 0, 1);
    }

    /** This step's learning rate, {@code lr / (1 + (step - 1) * lrDecay)}: {@code lr} itself without decay. */
    public double clr() {
        return lrDecay == 0 ? lr : lr / (1 + (step - 1) * lrDecay);
    }

    /** Updates {@code param} and {@code stateSum} in place. */
    public record Step(Adagrad adagrad, Tensor param, Tensor grad, Tensor stateSum) implements Op {
        public Step {
            Check.descriptor("Adagrad.Step", "adagrad", adagrad);
            String op = "Adagrad.Step";
            Check.present(op, "param", param);
            Check.sameShape(op, "grad", grad, "param", param);
            Check.sameShape(op, "stateSum", stateSum, "param", param);
            Check.dtype(op, Check.operands("param", param, "grad", grad, "stateSum", stateSum));
        }

        @Override
        public DType dtype() {
            return param.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("param", param, "grad", grad, "stateSum", stateSum);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("param", param, "stateSum", stateSum);
        }
    }

    /**
     * One AdaGrad step of many parameters at once (PyTorch's multi-tensor {@code _foreach} Adagrad): element for
     * element the same update as {@link Step} on each {@code params[i]} with {@code grads[i]} and
     * {@code stateSums[i]}, so a backend may run them all in one launch. The lists pair up index by index (same
     * length, same shapes pairwise, one dtype); what the step writes must be distinct tensors.
     */
    public record Steps(Adagrad adagrad, List<Tensor> params, List<Tensor> grads, List<Tensor> stateSums)
            implements Op {
        public Steps {
            String op = "Adagrad.Steps";
            Check.descriptor(op, "adagrad", adagrad);
            params = TensorLists.params(op, params);
            grads = TensorLists.matching(op, "grads", grads, params);
            stateSums = TensorLists.matching(op, "stateSums", stateSums, params);
            TensorLists.distinct(op, grads, "params", params, "stateSums", stateSums);
            Check.dtype(op, TensorLists.named("params", params, "grads", grads, "stateSums", stateSums));
        }

        /** The single-tensor step of parameter {@code i}. */
        public Step step(int i) {
            return new Step(adagrad, params.get(i), grads.get(i), stateSums.get(i));
        }

        @Override
        public DType dtype() {
            return params.getFirst().dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return TensorLists.named("params", params, "grads", grads, "stateSums", stateSums);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return TensorLists.named("params", params, "stateSums", stateSums);
        }
    }
}
