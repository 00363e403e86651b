package org.cnn4j.ops;

import java.util.Map;
import org.cnn4j.core.DType;
import org.cnn4j.core.Tensor;

/**
 * {@code y[i] = value} for every element.
 *
 * @param value the value (NaN and infinities allowed)
 */
public record Fill(double value) {
    /** Fills {@code y}. */
    public record Run(Fill fill, Tensor y) implements Op {
        public Run {
            Check.descriptor("Fill.Run", "fill", fill);
            Check.present("Fill.Run", "y", y);
        }

        @Override
        public DType dtype() {
            return y.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Map.of();
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("y", y);
        }
    }
}
