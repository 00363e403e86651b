package org.cnn4j.ops;

import java.util.Map;
import org.cnn4j.core.DType;
import org.cnn4j.core.Tensor;

/**
 * {@code y += alpha * x} in place (BLAS axpy), e.g. to accumulate gradients.
 *
 * @param alpha the factor, finite
 */
public record Axpy(double alpha) {
    public Axpy {
        Check.finite("Axpy", "alpha", alpha);
    }

    /** Updates {@code y}. */
    public record Run(Axpy axpy, Tensor x, Tensor y) implements Op {
        public Run {
            Check.descriptor("Axpy.Run", "axpy", axpy);
            String op = "Axpy.Run";
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
            return Check.operands("x", x, "y", y);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("y", y);
        }
    }
}
