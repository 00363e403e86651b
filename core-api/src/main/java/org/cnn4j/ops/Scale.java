package org.cnn4j.ops;

import java.util.Map;
import org.cnn4j.core.DType;
import org.cnn4j.core.Tensor;

/**
 * {@code out = alpha * x}, element-wise.
 *
 * @param alpha the factor, finite
 */
public record Scale(double alpha) {
    public Scale {
        Check.finite("Scale", "alpha", alpha);
    }

    /** Computes {@code out}. */
    public record Run(Scale scale, Tensor x, Tensor out) implements Op {
        public Run {
            Check.descriptor("Scale.Run", "scale", scale);
            String op = "Scale.Run";
            Check.present(op, "x", x);
            Check.sameShape(op, "out", out, "x", x);
            Check.dtype(op, Check.operands("x", x, "out", out));
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
            return Check.operands("out", out);
        }
    }
}
