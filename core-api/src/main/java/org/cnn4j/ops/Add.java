package org.cnn4j.ops;

import java.util.Map;
import org.cnn4j.core.DType;
import org.cnn4j.core.Tensor;

/**
 * {@code out = alpha * a + beta * b}, element-wise, on tensors of one shape.
 *
 * @param alpha scale of {@code a}, finite
 * @param beta  scale of {@code b}, finite
 */
public record Add(double alpha, double beta) {
    public Add {
        Check.finite("Add", "alpha", alpha);
        Check.finite("Add", "beta", beta);
    }

    /** {@code out = a + b}. */
    public static Add sum() {
        return new Add(1, 1);
    }

    /** Computes {@code out}. */
    public record Run(Add add, Tensor a, Tensor b, Tensor out) implements Op {
        public Run {
            Check.descriptor("Add.Run", "add", add);
            String op = "Add.Run";
            Check.present(op, "a", a);
            Check.sameShape(op, "b", b, "a", a);
            Check.sameShape(op, "out", out, "a", a);
            Check.dtype(op, Check.operands("a", a, "b", b, "out", out));
        }

        @Override
        public DType dtype() {
            return a.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("a", a, "b", b);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("out", out);
        }
    }
}
