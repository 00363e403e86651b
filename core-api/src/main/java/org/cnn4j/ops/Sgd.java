package org.cnn4j.ops;

import static org.cnn4j.ops.Check.fail;

import java.util.List;
import java.util.Map;
import org.cnn4j.core.DType;
import org.cnn4j.core.Tensor;

/**
 * One SGD step, PyTorch's {@code torch.optim.SGD} with {@code dampening = 0} (seed 001 eq. 15-16):
 *
 * <pre>
 *   g = grad + weightDecay * param
 *   buf = momentum * buf + g                      (when momentum != 0; buf starts at zero, which equals
 *                                                  PyTorch's first-step copy of g when dampening is 0)
 *   g = nesterov ? g + momentum * buf : buf
 *   param -= lr * g
 * </pre>
 * {@code param} and {@code momentumBuffer} are updated in place; {@code grad} is not changed. With momentum 0 the
 * buffer may be null and is ignored when given.
 *
 * @param lr          learning rate, positive
 * @param momentum    momentum factor, in [0, 1)
 * @param weightDecay L2 coefficient, non-negative
 * @param nesterov    Nesterov momentum (needs momentum &gt; 0)
 */
public record Sgd(double lr, double momentum, double weightDecay, boolean nesterov) {
    public Sgd {
        Check.positive("Sgd", "lr", lr);
        Check.range("Sgd", "momentum", momentum, 0, 1, true);
        Check.nonNegative("Sgd", "weightDecay", weightDecay);
        if (nesterov && momentum == 0) {
            throw fail("Sgd", "nesterov needs momentum > 0");
        }
    }

    /** Plain SGD: {@code param -= lr * grad}. */
    public static Sgd plain(double lr) {
        return new Sgd(lr, 0, 0, false);
    }

    /** Updates {@code param} (and {@code momentumBuffer}, required when momentum != 0) in place. */
    public record Step(Sgd sgd, Tensor param, Tensor grad, Tensor momentumBuffer) implements Op {
        public Step {
            Check.descriptor("Sgd.Step", "sgd", sgd);
            String op = "Sgd.Step";
            Check.present(op, "param", param);
            Check.sameShape(op, "grad", grad, "param", param);
            if (sgd.momentum() != 0) {
                Check.present(op, "momentumBuffer", momentumBuffer);
            }
            if (momentumBuffer != null) {
                Check.sameShape(op, "momentumBuffer", momentumBuffer, "param", param);
            }
            Check.dtype(op, Check.operands("param", param, "grad", grad, "momentumBuffer", momentumBuffer));
        }

        @Override
        public DType dtype() {
            return param.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("param", param, "grad", grad, "momentumBuffer", buffer());
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("param", param, "momentumBuffer", buffer());
        }

        /** The buffer when momentum is used; with momentum 0 a given buffer is neither read nor written. */
        private Tensor buffer() {
            return sgd.momentum() != 0 ? momentumBuffer : null;
        }
    }

    /**
     * One SGD step of many parameters at once (PyTorch's multi-tensor {@code _foreach} SGD): element for element
     * the same update as {@link Step} on each {@code params[i]} with {@code grads[i]} and
     * {@code momentumBuffers[i]}, so a backend may run them all in one launch. The lists pair up index by index
     * (same length, same shapes pairwise, one dtype); what the step writes must be distinct tensors. With
     * momentum 0 the buffers may be null (the whole list) and are ignored when given.
     */
    public record Steps(Sgd sgd, List<Tensor> params, List<Tensor> grads, List<Tensor> momentumBuffers)
            implements Op {
        public Steps {
            String op = "Sgd.Steps";
            Check.descriptor(op, "sgd", sgd);
            params = TensorLists.params(op, params);
            grads = TensorLists.matching(op, "grads", grads, params);
            if (sgd.momentum() != 0 && momentumBuffers == null) {
                throw fail(op, "tensor list 'momentumBuffers' is required (null given) with momentum "
                        + sgd.momentum());
            }
            if (momentumBuffers != null) {
                momentumBuffers = TensorLists.matching(op, "momentumBuffers", momentumBuffers, params);
            }
            TensorLists.distinct(op, grads, "params", params, "momentumBuffers", buffers(sgd, momentumBuffers));
            Check.dtype(op, TensorLists.named("params", params, "grads", grads, "momentumBuffers",
                    momentumBuffers));
        }

        /** The single-tensor step of parameter {@code i}. */
        public Step step(int i) {
            return new Step(sgd, params.get(i), grads.get(i), momentumBuffers == null ? null
                    : momentumBuffers.get(i));
        }

        @Override
        public DType dtype() {
            return params.getFirst().dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return TensorLists.named("params", params, "grads", grads, "momentumBuffers", buffers(sgd,
                    momentumBuffers));
        }

        @Override
        public Map<String, Tensor> outputs() {
            return TensorLists.named("params", params, "momentumBuffers", buffers(sgd, momentumBuffers));
        }

        /** The buffers when momentum is used; with momentum 0 given buffers are neither read nor written. */
        private static List<Tensor> buffers(Sgd sgd, List<Tensor> momentumBuffers) {
            return sgd.momentum() != 0 ? momentumBuffers : null;
        }
    }
}
