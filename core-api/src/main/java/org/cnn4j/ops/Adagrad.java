package org.cnn4j.ops;

import java.util.Map;
import org.cnn4j.core.DType;
import org.cnn4j.core.Tensor;

/**
 * One AdaGrad step, PyTorch's {@code torch.optim.Adagrad} with {@code lr_decay = 0} and
 * {@code initial_accumulator_value = 0}:
 *
 * <pre>
 *   g = grad + weightDecay * param
 *   sum += g^2
 *   param -= lr * g / (sqrt(sum) + epsilon)
 * </pre>
 *
 * @param lr          learning rate, positive
 * @param epsilon     added to the denominator (PyTorch default 1e-10), positive
 * @param weightDecay L2 coefficient, non-negative
 */
public record Adagrad(double lr, double epsilon, double weightDecay) {
    public Adagrad {
        Check.positive("Adagrad", "lr", lr);
        Check.positive("Adagrad", "epsilon", epsilon);
        Check.nonNegative("Adagrad", "weightDecay", weightDecay);
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
}
