package org.cnn4j.ops;

import java.util.Map;
import org.cnn4j.core.DType;
import org.cnn4j.core.Tensor;

/** {@code y = x}, element for element, between tensors of one shape. */
public final class Copy {
    private Copy() {
    }

    /** Copies {@code x} into {@code y}. */
    public record Run(Tensor x, Tensor y) implements Op {
        public Run {
            String op = "Copy.Run";
            Check.present(op, "x", x);
            Check.sameShape(op, "y", y, "x", x);
            Check.dtype(op, Check.operands("x", x, "y", y));
        }

        @Override
        public DType dtype() {
            return x.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("x", x);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("y", y);
        }
    }
}
