package org.cnn4j.ops;

import java.util.Map;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;

/**
 * L2 weight penalty {@code loss = coefficient / 2 * sum(weight^2)}, whose gradient {@code coefficient * weight}
 * is added to an existing gradient (the same as PyTorch's {@code weight_decay = coefficient} in SGD).
 *
 * @param coefficient the penalty's weight (lambda), non-negative
 */
public record L2Penalty(double coefficient) {
    public L2Penalty {
        Check.nonNegative("L2Penalty", "coefficient", coefficient);
    }

    /** {@code loss = coefficient / 2 * sum(weight^2)}, a rank-0 tensor. */
    public record Forward(L2Penalty penalty, Tensor weight, Tensor loss) implements Op {
        public Forward {
            Check.descriptor("L2Penalty.Forward", "penalty", penalty);
            String op = "L2Penalty.Forward";
            Check.present(op, "weight", weight);
            Check.shape(op, "loss", loss, Shape.scalar(), "a scalar");
            Check.dtype(op, Check.operands("weight", weight, "loss", loss));
        }

        @Override
        public DType dtype() {
            return weight.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("weight", weight);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("loss", loss);
        }
    }

    /** {@code dWeight += coefficient * weight} (in place). */
    public record Backward(L2Penalty penalty, Tensor weight, Tensor dWeight) implements Op {
        public Backward {
            Check.descriptor("L2Penalty.Backward", "penalty", penalty);
            String op = "L2Penalty.Backward";
            Check.present(op, "weight", weight);
            Check.sameShape(op, "dWeight", dWeight, "weight", weight);
            Check.dtype(op, Check.operands("weight", weight, "dWeight", dWeight));
        }

        @Override
        public DType dtype() {
            return weight.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("weight", weight, "dWeight", dWeight);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("dWeight", dWeight);
        }
    }
}
