package org.cnn4j.ops;

import static org.cnn4j.ops.Check.fail;

import java.util.Map;
import java.util.Objects;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;

/**
 * Loss functions with mean reduction (PyTorch's default), producing a scalar; the backward gives the gradient of
 * that scalar with respect to {@code input}.
 *
 * <pre>
 *   SOFTMAX_CROSS_ENTROPY  input [N, C] logits, target [N, C] class probabilities (one-hot for hard labels)
 *                          loss = -1/N sum_n sum_c target[n,c] * log_softmax(input[n])[c]
 *                          dInput = (softmax(input) * sum_c target[n,c] - target) / N
 *                          (fused and stable: log-sum-exp with the row maximum subtracted; finite for |logits| ~ 1e4)
 *   MSE                    loss = mean((input - target)^2)       dInput = 2 (input - target) / size
 *   MAE                    loss = mean(|input - target|)         dInput = sign(input - target) / size, sign(0) = 0
 *   HINGE                  input [N, C] scores, target [N, C] one-hot; y_n = sum_c target[n,c] * input[n,c];
 *                          loss = 1/N sum_n 1/C sum_{c: target[n,c] == 0} max(0, margin - y_n + input[n,c])
 *                          (PyTorch's MultiMarginLoss with p = 1, for one-hot targets)
 * </pre>
 * Class targets are probabilities rather than indices, so a target can never index out of bounds on a device.
 *
 * @param kind   the loss
 * @param margin the hinge margin (PyTorch default 1), ignored otherwise
 */
public record Loss(Kind kind, double margin) {
    /** The loss functions. */
    public enum Kind { SOFTMAX_CROSS_ENTROPY, MSE, MAE, HINGE }

    public Loss {
        Objects.requireNonNull(kind, "kind");
        Check.finite("Loss", "margin", margin);
    }

    public static Loss softmaxCrossEntropy() {
        return new Loss(Kind.SOFTMAX_CROSS_ENTROPY, 0);
    }

    public static Loss mse() {
        return new Loss(Kind.MSE, 0);
    }

    public static Loss mae() {
        return new Loss(Kind.MAE, 0);
    }

    public static Loss hinge(double margin) {
        return new Loss(Kind.HINGE, margin);
    }

    private static void operands(String op, Loss fn, Tensor input, Tensor target) {
        Check.present(op, "input", input);
        Check.sameShape(op, "target", target, "input", input);
        if ((fn.kind == Kind.SOFTMAX_CROSS_ENTROPY || fn.kind == Kind.HINGE) && input.shape().rank() != 2) {
            throw fail(op, fn.kind + " needs input [N, C] but input has shape " + input.shape());
        }
    }

    /** {@code loss = L(input, target)}, a rank-0 tensor. */
    public record Forward(Loss fn, Tensor input, Tensor target, Tensor loss) implements Op {
        public Forward {
            Check.descriptor("Loss.Forward", "fn", fn);
            String op = "Loss.Forward";
            operands(op, fn, input, target);
            Check.shape(op, "loss", loss, Shape.scalar(), "a scalar");
            Check.dtype(op, Check.operands("input", input, "target", target, "loss", loss));
        }

        @Override
        public DType dtype() {
            return input.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("input", input, "target", target);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("loss", loss);
        }
    }

    /** {@code dInput = dL/dinput} of the mean loss. */
    public record Backward(Loss fn, Tensor input, Tensor target, Tensor dInput) implements Op {
        public Backward {
            Check.descriptor("Loss.Backward", "fn", fn);
            String op = "Loss.Backward";
            operands(op, fn, input, target);
            Check.sameShape(op, "dInput", dInput, "input", input);
            Check.dtype(op, Check.operands("input", input, "target", target, "dInput", dInput));
        }

        @Override
        public DType dtype() {
            return input.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("input", input, "target", target);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("dInput", dInput);
        }
    }
}
