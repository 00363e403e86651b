package org.cnn4j.ops;

import static org.cnn4j.ops.Check.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;

/**
 * Concatenation along one axis, PyTorch's {@code torch.cat(tensors, dim=axis)}, and its backward, the split of the
 * gradient into each input's slice. Every input has the same rank (at least {@code axis + 1}) and dtype, and equal
 * dimensions except on {@code axis}; the output's dimension on {@code axis} is their sum. As blocks: with
 * {@code outer} the product of the dimensions before {@code axis} and {@code inner} the product after it, input
 * {@code i} is {@code [outer, C_i * inner]} and lands in {@code out [outer, C * inner]} at column offset
 * {@code (C_0 + ... + C_(i-1)) * inner}. A single input is a copy.
 *
 * @param axis the axis to concatenate along (non-negative; checked against the rank when the call is built)
 */
public record Concat(int axis) {
    public Concat {
        if (axis < 0) {
            throw fail("Concat", "axis must be non-negative but is " + axis);
        }
    }

    /** The shape of the concatenation of tensors of shapes {@code inputs}. */
    public Shape outputShape(List<Shape> inputs) {
        if (inputs == null || inputs.isEmpty()) {
            throw fail("Concat", "at least one input is required (" + (inputs == null ? "null" : "none") + " given)");
        }
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i) == null) {
                throw fail("Concat", "input " + i + " is null");
            }
        }
        return outputShape("Concat", "input", inputs);
    }

    /** Checks shapes named {@code 'prefix0', 'prefix1', ...} against each other; returns the output shape. */
    private Shape outputShape(String op, String prefix, List<Shape> shapes) {
        Shape first = shapes.get(0);
        int rank = first.rank();
        String firstName = "'" + prefix + "0' " + first;
        if (axis >= rank) {
            throw fail(op, "axis " + axis + " is out of range for " + firstName + " of rank " + rank);
        }
        long along = 0;
        for (int i = 0; i < shapes.size(); i++) {
            Shape s = shapes.get(i);
            String name = "'" + prefix + i + "' " + s;
            if (s.rank() != rank) {
                throw fail(op, name + " has rank " + s.rank() + " but " + firstName + " has rank " + rank
                        + "; every input must have one rank");
            }
            for (int a = 0; a < rank; a++) {
                if (a != axis && s.dim(a) != first.dim(a)) {
                    throw fail(op, name + " differs from " + firstName + " on axis " + a
                            + "; inputs may differ only on the concatenation axis " + axis);
                }
            }
            along += s.dim(axis);
        }
        int[] dims = first.dims();
        if (along * (first.size() / first.dim(axis)) > Integer.MAX_VALUE) {
            throw fail(op, "the concatenation of " + shapes + " along axis " + axis + " has more than 2^31-1 elements");
        }
        dims[axis] = (int) along;
        return Shape.of(dims);
    }

    /** Validates a list of tensors named {@code prefix + i}; returns their shapes. */
    private static List<Shape> shapes(String op, String prefix, List<Tensor> tensors) {
        if (tensors == null || tensors.isEmpty()) {
            throw fail(op, "at least one tensor '" + prefix + "0' is required (" + (tensors == null ? "null" : "none")
                    + " given)");
        }
        List<Shape> shapes = new ArrayList<>(tensors.size());
        for (int i = 0; i < tensors.size(); i++) {
            shapes.add(Check.present(op, prefix + i, tensors.get(i)).shape());
        }
        return shapes;
    }

    /** {@code role0, role1, ...} of {@code tensors}, then {@code extra} under {@code extraRole} when given. */
    private static Map<String, Tensor> named(String prefix, List<Tensor> tensors, String extraRole, Tensor extra) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int i = 0; i < tensors.size(); i++) {
            m.put(prefix + i, tensors.get(i));
        }
        if (extra != null) {
            m.put(extraRole, extra);
        }
        return m;
    }

    /** The product of the dimensions of {@code s} before {@code axis}. */
    public int outer(Shape s) {
        int n = 1;
        for (int a = 0; a < axis; a++) {
            n *= s.dim(a);
        }
        return n;
    }

    /**
     * {@code out = cat(xs, axis)}. The list is copied; its tensors are the inputs {@code x0, x1, ...}.
     *
     * @param xs the inputs, in order (PyTorch's {@code tensors})
     */
    public record Forward(Concat cat, List<Tensor> xs, Tensor out) implements Op {
        public Forward {
            String op = "Concat.Forward";
            Check.descriptor(op, "cat", cat);
            List<Shape> shapes = shapes(op, "x", xs);
            xs = List.copyOf(xs);
            Check.shape(op, "out", out, cat.outputShape(op, "x", shapes),
                    "the concatenation of " + shapes + " along axis " + cat.axis());
            Check.dtype(op, named("x", xs, "out", out));
        }

        @Override
        public DType dtype() {
            return out.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return named("x", xs, null, null);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("out", out);
        }
    }

    /**
     * {@code dInputs[i]} (overwritten) = the slice of {@code dOut} that input {@code i} filled in the forward. The
     * list is copied; its tensors are the outputs {@code dx0, dx1, ...}.
     */
    public record Backward(Concat cat, Tensor dOut, List<Tensor> dInputs) implements Op {
        public Backward {
            String op = "Concat.Backward";
            Check.descriptor(op, "cat", cat);
            List<Shape> shapes = shapes(op, "dx", dInputs);
            dInputs = List.copyOf(dInputs);
            Check.shape(op, "dOut", dOut, cat.outputShape(op, "dx", shapes),
                    "the concatenation of " + shapes + " along axis " + cat.axis());
            Map<String, Tensor> all = new LinkedHashMap<>();
            all.put("dOut", dOut);
            all.putAll(named("dx", dInputs, null, null));
            Check.dtype(op, all);
        }

        @Override
        public DType dtype() {
            return dOut.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("dOut", dOut);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return named("dx", dInputs, null, null);
        }
    }
}
