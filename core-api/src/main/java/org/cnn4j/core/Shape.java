package org.cnn4j.core;

import java.util.Arrays;

/**
 * An immutable tensor shape in row-major (C) order; images are NCHW. Every dimension is at least 1 and the
 * element count fits in an {@code int}, so every backend can index a tensor with 32-bit offsets. A rank-0 shape
 * ({@link #scalar()}) holds one element.
 */
public final class Shape {
    private static final Shape SCALAR = new Shape(new int[0], 1);

    private final int[] dims;
    private final int size;

    private Shape(int[] dims, int size) {
        this.dims = dims;
        this.size = size;
    }

    /** A shape with the given dimensions; each must be at least 1 and their product at most 2^31-1. */
    public static Shape of(int... dims) {
        if (dims.length == 0) {
            return SCALAR;
        }
        long n = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 1) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + ": dimension " + i
                        + " is " + dims[i] + ", every dimension must be at least 1");
            }
            n *= dims[i];
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims)
                        + " has more than 2^31-1 elements; tensors are indexed with 32-bit offsets");
            }
        }
        return new Shape(dims.clone(), (int) n);
    }

    /** The rank-0 shape of a scalar (one element), as losses produce. */
    public static Shape scalar() {
        return SCALAR;
    }

    public int rank() {
        return dims.length;
    }

    /** Dimension {@code axis}; negative axes count from the end, as in PyTorch. */
    public int dim(int axis) {
        int a = axis < 0 ? axis + dims.length : axis;
        if (a < 0 || a >= dims.length) {
            throw new IllegalArgumentException("axis " + axis + " is out of range for shape " + this);
        }
        return dims[a];
    }

    /** Number of elements. */
    public int size() {
        return size;
    }

    /** A copy of the dimensions. */
    public int[] dims() {
        return dims.clone();
    }

    /** Number of elements after axis {@code axis} (the stride of that axis in a contiguous layout). */
    public int strideOf(int axis) {
        int s = 1;
        for (int i = dims.length - 1; i > axis; i--) {
            s *= dims[i];
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
