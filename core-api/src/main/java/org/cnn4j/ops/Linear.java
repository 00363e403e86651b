package org.cnn4j.ops;

import static org.cnn4j.ops.Check.fail;

import java.util.Map;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;

/**
 * Fully connected layer, PyTorch's {@code linear}: {@code y = x * weight^T + bias}.
 *
 * <pre>
 *   x [N, IN], weight [OUT, IN], bias [OUT] (optional), y [N, OUT]
 *   dx = dy * weight          dWeight = dy^T * x          dBias = sum over N of dy
 * </pre>
 */
public final class Linear {
    private Linear() {
    }

    /** The output shape for input {@code x} and weight {@code weight}. */
    public static Shape outputShape(Shape x, Shape weight) {
        if (x.rank() != 2) {
            throw fail("Linear", "x must be [N, IN] but has shape " + x);
        }
        if (weight.rank() != 2) {
            throw fail("Linear", "weight must be [OUT, IN] but has shape " + weight);
        }
        if (x.dim(1) != weight.dim(1)) {
            throw fail("Linear", "x " + x + " has " + x.dim(1) + " features but weight " + weight + " expects "
                    + weight.dim(1));
        }
        return Shape.of(x.dim(0), weight.dim(0));
    }

    /** {@code y = x * weight^T + bias}. */
    public record Forward(Tensor x, Tensor weight, Tensor bias, Tensor y) implements Op {
        public Forward {
            String op = "Linear.Forward";
            Check.present(op, "x", x);
            Check.present(op, "weight", weight);
            Shape out = outputShape(x.shape(), weight.shape());
            if (bias != null) {
                Check.shape(op, "bias", bias, Shape.of(weight.shape().dim(0)), "one per output of weight "
                        + weight.shape());
            }
            Check.shape(op, "y", y, out, "x " + x.shape() + " times weight^T " + weight.shape());
            Check.dtype(op, Check.operands("x", x, "weight", weight, "bias", bias, "y", y));
        }

        @Override
        public DType dtype() {
            return x.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("x", x, "weight", weight, "bias", bias);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("y", y);
        }
    }

    /** {@code dx = dy * weight}. */
    public record BackwardData(Tensor dy, Tensor weight, Tensor dx) implements Op {
        public BackwardData {
            String op = "Linear.BackwardData";
            Check.present(op, "dx", dx);
            Check.present(op, "weight", weight);
            Shape out = outputShape(dx.shape(), weight.shape());
            Check.shape(op, "dy", dy, out, "dx " + dx.shape() + " times weight^T " + weight.shape());
            Check.dtype(op, Check.operands("dy", dy, "weight", weight, "dx", dx));
        }

        @Override
        public DType dtype() {
            return dy.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("dy", dy, "weight", weight);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("dx", dx);
        }
    }

    /** {@code dWeight = dy^T * x} and, when given, {@code dBias = sum_n dy[n]}. */
    public record BackwardWeights(Tensor x, Tensor dy, Tensor dWeight, Tensor dBias) implements Op {
        public BackwardWeights {
            String op = "Linear.BackwardWeights";
            Check.present(op, "x", x);
            Check.present(op, "dWeight", dWeight);
            Shape out = outputShape(x.shape(), dWeight.shape());
            Check.shape(op, "dy", dy, out, "x " + x.shape() + " times dWeight^T " + dWeight.shape());
            if (dBias != null) {
                Check.shape(op, "dBias", dBias, Shape.of(dWeight.shape().dim(0)), "one per output");
            }
            Check.dtype(op, Check.operands("x", x, "dy", dy, "dWeight", dWeight, "dBias", dBias));
        }

        @Override
        public DType dtype() {
            return x.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("x", x, "dy", dy);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("dWeight", dWeight, "dBias", dBias);
        }
    }
}
