package org.cnn4j.ops;

import java.util.List;
import java.util.Map;
import org.cnn4j.core.DType;
import org.cnn4j.core.Tensor;

/**
 * One RMSProp step, PyTorch's {@code torch.optim.RMSprop} with {@code momentum = 0}, {@code centered = False}:
 *
 * <pre>
 *   g = grad + weightDecay * param
 *   squareAvg = alpha * squareAvg + (1 - alpha) * g^2
 *   param -= lr * g / (sqrt(squareAvg) + epsilon)
 * </pre>
 *
 * @param lr          learning rate, positive
 * @param alpha       smoothing constant (PyTorch default 0.99), in [0, 1)
 * @param epsilon     added to the denominator (PyTorch default 1e-8), positive
 * @param weightDecay L2 coefficient, non-negative
 */
public record RmsProp(double lr, double alpha, double epsilon, double weightDecay) {
    public RmsProp {
        Check.positive("RmsProp", "lr", lr);
        Check.range("RmsProp", "alpha", alpha, 0, 1, true);
        Check.positive("RmsProp", "epsilon", epsilon);
        Check.nonNegative("RmsProp", "weightDecay", weightDecay);
    }

    /** Updates {@code param} and {@code squareAvg} in place. */
    public record Step(RmsProp rmsProp, Tensor param, Tensor grad, Tensor squareAvg) implements Op {
        public Step {
            Check.descriptor("RmsProp.Step", "rmsProp", rmsProp);
            String op = "RmsProp.Step";
            Check.present(op, "param", param);
            Check.sameShape(op, "grad", grad, "param", param);
            Check.sameShape(op, "squareAvg", squareAvg, "param", param);
            Check.dtype(op, Check.operands("param", param, "grad", grad, "squareAvg", squareAvg));
        }

        @Override
        public DType dtype() {
            return param.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("param", param, "grad", grad, "squareAvg", squareAvg);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("param", param, "squareAvg", squareAvg);
        }
    }

    /**
     * One RMSProp step of many parameters at once (PyTorch's multi-tensor {@code _foreach} RMSprop): element for
     * element the same update as {@link Step} on each {@code params[i]} with {@code grads[i]} and
     * {@code squareAvgs[i]}, so a backend may run them all in one launch. The lists pair up index by index (same
     * length, same shapes pairwise, one dtype); what the step writes must be distinct tensors.
     */
    public record Steps(RmsProp rmsProp, List<Tensor> params, List<Tensor> grads, List<Tensor> squareAvgs)
            implements Op {
        public Steps {
            String op = "RmsProp.Steps";
            Check.descriptor(op, "rmsProp", rmsProp);
            params = TensorLists.params(op, params);
            grads = TensorLists.matching(op, "grads", grads, params);
            squareAvgs = TensorLists.matching(op, "squareAvgs", squareAvgs, params);
            TensorLists.distinct(op, grads, "params", params, "squareAvgs", squareAvgs);
            Check.dtype(op, TensorLists.named("params", params, "grads", grads, "squareAvgs", squareAvgs));
        }

        /** The single-tensor step of parameter {@code i}. */
        public Step step(int i) {
            return new Step(rmsProp, params.get(i), grads.get(i), squareAvgs.get(i));
        }

        @Override
        public DType dtype() {
            return params.getFirst().dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return TensorLists.named("params", params, "grads", grads, "squareAvgs", squareAvgs);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return TensorLists.named("params", params, "squareAvgs", squareAvgs);
        }
    }
}
