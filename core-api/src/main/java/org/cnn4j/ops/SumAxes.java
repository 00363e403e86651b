package org.cnn4j.ops;

import static org.cnn4j.ops.Check.fail;

import java.util.Arrays;
import java.util.Map;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;

/**
 * Sum over a set of axes, PyTorch's {@code x.sum(dim=axes, keepdim=False)}: the summed axes are removed from the
 * shape (all of them: a scalar). Used for bias gradients (axes 0, 2, 3 of NCHW).
 *
 * @param axes the axes to sum, distinct, non-negative, in increasing order
 */
public record SumAxes(int[] axes) {
    public SumAxes {
        if (axes == null || axes.length == 0) {
            throw fail("SumAxes", "axes must name at least one axis");
        }
        axes = axes.clone();
        for (int i = 0; i < axes.length; i++) {
            if (axes[i] < 0 || (i > 0 && axes[i] <= axes[i - 1])) {
                throw fail("SumAxes", "axes " + Arrays.toString(axes)
                        + " must be distinct, non-negative and increasing");
            }
        }
    }

    public static SumAxes of(int... axes) {
        return new SumAxes(axes);
    }

    @Override
    public int[] axes() {
        return axes.clone();
    }

    /** True when {@code axis} is summed. */
    public boolean sums(int axis) {
        return Arrays.binarySearch(axes, axis) >= 0;
    }

    /** The shape of the sum of {@code x}. */
    public Shape outputShape(Shape x) {
        int last = axes[axes.length - 1];
        if (last >= x.rank()) {
            throw fail("SumAxes", "axis " + last + " is out of range for x " + x);
        }
        int[] out = new int[x.rank() - axes.length];
        int j = 0;
        for (int i = 0; i < x.rank(); i++) {
            if (!sums(i)) {
                out[j++] = x.dim(i);
            }
        }
        return Shape.of(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SumAxes s && Arrays.equals(axes, s.axes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(axes);
    }

    @Override
    public String toString() {
        return "SumAxes" + Arrays.toString(axes);
    }

    /** {@code y = sum of x over axes}. */
    public record Run(SumAxes sum, Tensor x, Tensor y) implements Op {
        public Run {
            Check.descriptor("SumAxes.Run", "sum", sum);
            String op = "SumAxes.Run";
            Check.present(op, "x", x);
            Check.shape(op, "y", y, sum.outputShape(x.shape()), sum + " of x " + x.shape());
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
