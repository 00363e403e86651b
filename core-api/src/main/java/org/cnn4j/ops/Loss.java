package org.cnn4j.ops;

import static org.cnn4j.ops.Check.fail;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;

/**
 * Loss functions with PyTorch's semantics and reductions. The loss of one element (or of one row, for the class
 * losses) is {@code l}; the reduction turns the {@code l}s into the output:
 *
 * <pre>
 *   MEAN (default)  loss = sum(w * l) / count   a scalar; count: elements (element losses), rows N*d1*...*dk
 *                                               (cross-entropy with probability targets), non-ignored targets
 *                                               (cross-entropy with class indices), N (hinge, whose row
 *                                               loss holds 1/C: 1/(N*C) of the sum of its terms)
 *   SUM             loss = sum(w * l) / divisor a scalar; divisor 1 unless given (e.g. the number of positive
 *                                               anchors: loss = sum / count)
 *   NONE            loss[i] = w[i] * l[i]       the per-element or per-row losses, of {@link #outputShape}
 * </pre>
 * {@code w} is the optional per-element {@code weight} of the element losses (1 where not given; 0 masks an
 * element out but it still counts in MEAN's count, as PyTorch's BCE weight). The divisor applies to SUM only.
 * The backward gives {@code dInput}: for MEAN and SUM the gradient of the scalar loss (no upstream gradient), for
 * NONE the vector-Jacobian product with the upstream gradient {@code dLoss} of the loss's shape.
 *
 * <pre>
 *   SOFTMAX_CROSS_ENTROPY  input [N, C, d1, ..., dk] logits, softmax over axis 1 (C); F.cross_entropy:
 *                          probability targets of the input's shape:
 *                            l[n,d] = -sum_c target[n,c,d] * log_softmax(input[n,:,d])[c]
 *                            dl/dinput = softmax * sum_c target - target
 *                          class-index targets [N, d1, ..., dk] (floats holding integers):
 *                            l[n,d] = -log_softmax(input[n,:,d])[target[n,d]], 0 where target == ignoreIndex
 *                            dl/dinput = softmax - onehot(target), 0 where ignored
 *                            a target that is neither an integer in [0, C) nor ignoreIndex gives l = NaN and a
 *                            NaN gradient row on every backend (a device cannot throw); MEAN with every target
 *                            ignored is 0/0 = NaN with a zero gradient, as PyTorch.
 *                          (fused and stable: log-sum-exp with the row maximum subtracted; finite for |logits| ~ 1e4)
 *   MSE                    l = (input - target)^2                   dl = 2 (input - target)          F.mse_loss
 *   MAE                    l = |input - target|                     dl = sign(input - target), sign(0) = 0
 *                                                                                                    F.l1_loss
 *   HINGE                  input [N, C] scores, target [N, C] one-hot; y_n = sum_c target[n,c] * input[n,c];
 *                          l[n] = 1/C sum_{c: target[n,c] == 0} max(0, margin - y_n + input[n,c])
 *                          (PyTorch's MultiMarginLoss with p = 1, for one-hot targets); MEAN divides by N
 *   BCE_WITH_LOGITS        l = max(x, 0) - x t + log1p(exp(-|x|))   dl = sigmoid(x) - t
 *                                                                   F.binary_cross_entropy_with_logits
 *   SIGMOID_FOCAL          p = sigmoid(x), ce = BCE_WITH_LOGITS, m = 1 - p_t = p (1 - t) + (1 - p) t,
 *                          l = alpha_t ce m^gamma, alpha_t = alpha t + (1 - alpha)(1 - t) when alpha >= 0, else 1
 *                          (torchvision.ops.sigmoid_focal_loss); gamma = 0, alpha &lt; 0 is BCE_WITH_LOGITS exactly
 *   SMOOTH_L1              d = input - target; l = 0.5 d^2 / beta if |d| &lt; beta, else |d| - 0.5 beta
 *                          (beta = 0: |d|)                                              F.smooth_l1_loss
 * </pre>
 *
 * @param kind        the loss
 * @param margin      the hinge margin (PyTorch default 1), ignored otherwise
 * @param reduction   MEAN, SUM or NONE
 * @param alpha       the focal loss's class balance (torchvision default 0.25; negative: none), ignored otherwise
 * @param gamma       the focal loss's exponent (default 2), non-negative, ignored otherwise
 * @param beta        smooth L1's threshold (default 1), non-negative, ignored otherwise
 * @param divisor     what SUM divides by (default 1), positive; must be 1 with MEAN and NONE
 * @param ignoreIndex the class index whose targets take no part (default -100), with class-index targets only
 */
public record Loss(Kind kind, double margin, Reduction reduction, double alpha, double gamma, double beta,
        double divisor, int ignoreIndex) {
    /** The loss functions. */
    public enum Kind {
        SOFTMAX_CROSS_ENTROPY, MSE, MAE, HINGE, BCE_WITH_LOGITS, SIGMOID_FOCAL, SMOOTH_L1;

        /** Losses of one element each (any shape, optional weight); the others are losses of rows over axis 1. */
        public boolean elementwise() {
            return this != SOFTMAX_CROSS_ENTROPY && this != HINGE;
        }
    }

    /** How the element or row losses become the output (PyTorch's {@code reduction}). */
    public enum Reduction { MEAN, SUM, NONE }

    /** PyTorch's default {@code ignore_index}. */
    public static final int IGNORE_INDEX = -100;

    public Loss {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(reduction, "reduction");
        Check.finite("Loss", "margin", margin);
        Check.finite("Loss", "alpha", alpha);
        Check.nonNegative("Loss", "gamma", gamma);
        Check.nonNegative("Loss", "beta", beta);
        Check.positive("Loss", "divisor", divisor);
        if (divisor != 1 && reduction != Reduction.SUM) {
            throw fail("Loss", "divisor " + divisor + " applies to reduction SUM only but reduction is " + reduction
                    + " (MEAN divides by the count, NONE does not reduce)");
        }
    }

    /** {@code kind} with mean reduction and the defaults: margin as given, alpha 0.25, gamma 2, beta 1. */
    public Loss(Kind kind, double margin) {
        this(kind, margin, Reduction.MEAN, 0.25, 2, 1, 1, IGNORE_INDEX);
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

    /** {@code F.binary_cross_entropy_with_logits}. */
    public static Loss bceWithLogits() {
        return new Loss(Kind.BCE_WITH_LOGITS, 0);
    }

    /** {@code torchvision.ops.sigmoid_focal_loss(alpha, gamma)}; a negative alpha applies no class balance. */
    public static Loss sigmoidFocal(double alpha, double gamma) {
        return new Loss(Kind.SIGMOID_FOCAL, 0, Reduction.MEAN, alpha, gamma, 1, 1, IGNORE_INDEX);
    }

    /** {@code F.smooth_l1_loss(beta)}; beta 0 is L1. */
    public static Loss smoothL1(double beta) {
        return new Loss(Kind.SMOOTH_L1, 0, Reduction.MEAN, 0.25, 2, beta, 1, IGNORE_INDEX);
    }

    /** This loss with {@code reduction} (divisor reset to 1). */
    public Loss withReduction(Reduction r) {
        return new Loss(kind, margin, r, alpha, gamma, beta, 1, ignoreIndex);
    }

    /** This loss with reduction SUM divided by {@code count} (e.g. the number of positive anchors). */
    public Loss sumOver(double count) {
        return new Loss(kind, margin, Reduction.SUM, alpha, gamma, beta, count, ignoreIndex);
    }

    /** This loss with class-index targets equal to {@code index} ignored. */
    public Loss withIgnoreIndex(int index) {
        return new Loss(kind, margin, reduction, alpha, gamma, beta, divisor, index);
    }

    /**
     * Whether {@code target} holds class indices: cross-entropy with a target of the input's shape without axis 1.
     */
    public boolean classIndices(Shape input, Shape target) {
        return kind == Kind.SOFTMAX_CROSS_ENTROPY && input.rank() >= 2 && target.equals(withoutAxis1(input));
    }

    /**
     * The shape of the loss for {@code input}: a scalar for MEAN and SUM; for NONE the input's shape (element
     * losses), [N] (hinge), or the input's shape without axis 1 (cross-entropy).
     */
    public Shape outputShape(Shape input) {
        if (reduction != Reduction.NONE) {
            return Shape.scalar();
        }
        return kind.elementwise() ? input : withoutAxis1(input);
    }

    private static Shape withoutAxis1(Shape s) {
        int[] d = new int[s.rank() - 1];
        d[0] = s.dim(0);
        for (int i = 2; i < s.rank(); i++) {
            d[i - 1] = s.dim(i);
        }
        return Shape.of(d);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Loss[").append(kind);
        switch (kind) {
            case HINGE -> b.append(" margin=").append(margin);
            case SIGMOID_FOCAL -> b.append(" alpha=").append(alpha).append(" gamma=").append(gamma);
            case SMOOTH_L1 -> b.append(" beta=").append(beta);
            case SOFTMAX_CROSS_ENTROPY -> {
                if (ignoreIndex != IGNORE_INDEX) {
                    b.append(" ignoreIndex=").append(ignoreIndex);
                }
            }
            default -> { }
        }
        if (reduction != Reduction.MEAN) {
            b.append(' ').append(reduction);
        }
        if (divisor != 1) {
            b.append(" /").append(divisor);
        }
        return b.append(']').toString();
    }

    private static void operands(String op, Loss fn, Tensor input, Tensor target, Tensor weight) {
        Check.present(op, "input", input);
        Check.present(op, "target", target);
        Shape s = input.shape();
        switch (fn.kind) {
            case SOFTMAX_CROSS_ENTROPY -> {
                if (s.rank() < 2) {
                    throw fail(op, fn.kind + " needs input [N, C] or [N, C, d1, ...] but input has shape " + s);
                }
                Shape idx = withoutAxis1(s);
                if (!target.shape().equals(s) && !target.shape().equals(idx)) {
                    throw fail(op, "'target' has shape " + target.shape() + " but must be " + s
                            + " (class probabilities, same as 'input') or " + idx
                            + " (class indices, 'input' " + s + " without axis 1)");
                }
            }
            case HINGE -> {
                if (s.rank() != 2) {
                    throw fail(op, fn.kind + " needs input [N, C] but input has shape " + s);
                }
                Check.sameShape(op, "target", target, "input", input);
            }
            default -> Check.sameShape(op, "target", target, "input", input);
        }
        if (weight != null) {
            if (!fn.kind.elementwise()) {
                throw fail(op, "'weight' " + weight.shape() + " applies to the element losses ("
                        + Arrays.stream(Kind.values()).filter(Kind::elementwise).toList() + "), not " + fn.kind);
            }
            Check.sameShape(op, "weight", weight, "input", input);
        }
    }

    /**
     * {@code loss = L(input, target)}, of shape {@code fn.outputShape(input)}: a scalar for MEAN and SUM.
     *
     * @param weight per-element factor of the element losses, the input's shape; null for none
     */
    public record Forward(Loss fn, Tensor input, Tensor target, Tensor weight, Tensor loss) implements Op {
        public Forward {
            Check.descriptor("Loss.Forward", "fn", fn);
            String op = "Loss.Forward";
            operands(op, fn, input, target, weight);
            Check.shape(op, "loss", loss, fn.outputShape(input.shape()), fn.reduction == Reduction.NONE
                    ? "reduction NONE of input " + input.shape() : "a scalar, reduction " + fn.reduction);
            Check.dtype(op, Check.operands("input", input, "target", target, "weight", weight, "loss", loss));
        }

        /** Without a weight. */
        public Forward(Loss fn, Tensor input, Tensor target, Tensor loss) {
            this(fn, input, target, null, loss);
        }

        /** Whether the target holds class indices rather than probabilities. */
        public boolean classIndices() {
            return fn.classIndices(input.shape(), target.shape());
        }

        @Override
        public DType dtype() {
            return input.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("input", input, "target", target, "weight", weight);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("loss", loss);
        }
    }

    /**
     * {@code dInput = dL/dinput}: of the scalar loss for MEAN and SUM ({@code dLoss} null), of
     * {@code sum(dLoss * loss)} for NONE ({@code dLoss} of the loss's shape, required).
     *
     * @param weight per-element factor of the element losses, the input's shape; null for none
     * @param dLoss  the upstream gradient for reduction NONE, of {@code fn.outputShape(input)}; null otherwise
     */
    public record Backward(Loss fn, Tensor input, Tensor target, Tensor weight, Tensor dLoss, Tensor dInput)
            implements Op {
        public Backward {
            Check.descriptor("Loss.Backward", "fn", fn);
            String op = "Loss.Backward";
            operands(op, fn, input, target, weight);
            if (fn.reduction == Reduction.NONE) {
                Check.shape(op, "dLoss", dLoss, fn.outputShape(input.shape()),
                        "the loss's shape, reduction NONE of input " + input.shape());
            } else if (dLoss != null) {
                throw fail(op, "'dLoss' " + dLoss.shape() + " is for reduction NONE only; reduction "
                        + fn.reduction + " gives the gradient of the scalar loss (pass null)");
            }
            Check.sameShape(op, "dInput", dInput, "input", input);
            Check.dtype(op, Check.operands("input", input, "target", target, "weight", weight, "dLoss", dLoss,
                    "dInput", dInput));
        }

        /** Without a weight, for MEAN or SUM. */
        public Backward(Loss fn, Tensor input, Tensor target, Tensor dInput) {
            this(fn, input, target, null, null, dInput);
        }

        /** Whether the target holds class indices rather than probabilities. */
        public boolean classIndices() {
            return fn.classIndices(input.shape(), target.shape());
        }

        @Override
        public DType dtype() {
            return input.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("input", input, "target", target, "weight", weight, "dLoss", dLoss);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("dInput", dInput);
        }
    }
}
