package org.cnn4j.core;

import java.util.Objects;

/**
 * A handle to an n-dimensional array in memory owned by one {@link Backend}: host arrays for the CPU backends,
 * device buffers for the GPU backends.
 *
 * <p>Ownership: the caller who allocated a tensor closes it; {@link #close()} returns the memory to its backend
 * and is idempotent. Any use after close throws {@link IllegalStateException}. A tensor passed to an operator of
 * another backend is rejected with an {@link IllegalArgumentException}; move data between backends through host
 * arrays ({@link #copyTo(float[])}, {@link #copyFrom(float[])}).
 *
 * <p>Data is contiguous, row-major. Copies to and from host arrays are the only way to see the contents; a copy to
 * the host waits for the backend's pending work on this tensor.
 */
public abstract class Tensor implements AutoCloseable {
    private final Backend backend;
    private final Shape shape;
    private final DType dtype;
    private volatile boolean closed;
    /** For a view: the tensor that owns the memory; null for an owner. */
    private Tensor root;

    protected Tensor(Backend backend, Shape shape, DType dtype) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.shape = Objects.requireNonNull(shape, "shape");
        this.dtype = Objects.requireNonNull(dtype, "dtype");
    }

    public final Backend backend() {
        return backend;
    }

    public final Shape shape() {
        return shape;
    }

    public final DType dtype() {
        return dtype;
    }

    /** Number of elements. */
    public final int size() {
        return shape.size();
    }

    public final boolean isClosed() {
        return closed;
    }

    /** Throws {@link IllegalStateException} when this tensor has been closed. */
    public final void checkOpen() {
        if (isReleased()) {
            throw new IllegalStateException("tensor " + this + " is closed");
        }
    }

    /** Copies {@code src} (exactly {@link #size()} values) into this tensor, converting to its dtype. */
    public final void copyFrom(float[] src) {
        checkOpen();
        checkLength("src", src.length);
        writeFloats(src);
    }

    /** Copies {@code src} (exactly {@link #size()} values) into this tensor, converting to its dtype. */
    public final void copyFrom(double[] src) {
        checkOpen();
        checkLength("src", src.length);
        writeDoubles(src);
    }

    /** Copies this tensor into {@code dst} (exactly {@link #size()} values). */
    public final void copyTo(float[] dst) {
        checkOpen();
        checkLength("dst", dst.length);
        readFloats(dst);
    }

    /** Copies this tensor into {@code dst} (exactly {@link #size()} values). */
    public final void copyTo(double[] dst) {
        checkOpen();
        checkLength("dst", dst.length);
        readDoubles(dst);
    }

    /** A new host array with this tensor's values. */
    public final float[] toFloatArray() {
        float[] out = new float[size()];
        copyTo(out);
        return out;
    }

    /** A new host array with this tensor's values. */
    public final double[] toDoubleArray() {
        double[] out = new double[size()];
        copyTo(out);
        return out;
    }

    /**
     * A view of the same memory with another shape of the same size (PyTorch's {@code view} on a contiguous
     * tensor). The view does not own the memory: closing it does nothing to the base; closing the base makes the
     * view unusable too. The base class records which tensor owns the memory, so backends need not: their
     * {@link #view} only wraps the same memory and must not count the view as an allocation.
     */
    public final Tensor reshape(Shape newShape) {
        checkOpen();
        if (newShape.size() != shape.size()) {
            throw new IllegalArgumentException("reshape: newShape " + newShape + " has " + newShape.size()
                    + " elements but the tensor " + shape + " has " + shape.size());
        }
        Tensor v = view(newShape);
        v.root = root != null ? root : this;
        return v;
    }

    /**
     * True when this tensor was closed directly, when (for a view) the tensor owning its memory was closed, or when
     * its backend was closed.
     */
    public final boolean isReleased() {
        return closed || (root != null && root.closed) || backend.isClosed();
    }

    /** True for a view made by {@link #reshape}: it does not own its memory. */
    public final boolean isView() {
        return root != null;
    }

    /** True when this tensor and {@code other} are the same memory (one is a view of the other, or both of one base). */
    public final boolean sharesMemoryWith(Tensor other) {
        return storage() == other.storage();
    }

    /** The tensor that owns the memory behind this one: itself, or for a view the tensor it was made from. */
    private Tensor storage() {
        return root != null ? root : this;
    }

    @Override
    public final void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!backend.isClosed()) {
            release(); // a closed backend has freed everything it held
        }
    }

    @Override
    public String toString() {
        return shape + " " + dtype.label() + " on " + backend.name();
    }

    private void checkLength(String name, int length) {
        if (length != size()) {
            throw new IllegalArgumentException(name + " has " + length + " elements but tensor " + shape
                    + " has " + size());
        }
    }

    // ---- the backend's side -------------------------------------------------------------------------

    protected abstract void writeFloats(float[] src);

    protected abstract void writeDoubles(double[] src);

    protected abstract void readFloats(float[] dst);

    protected abstract void readDoubles(double[] dst);

    /** A non-owning view with {@code newShape} (same size, already checked). */
    protected abstract Tensor view(Shape newShape);

    /** Returns the memory to the backend; called once, by {@link #close()}. */
    protected abstract void release();
}
