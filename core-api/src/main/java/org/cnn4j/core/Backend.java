package org.cnn4j.core;

import org.cnn4j.ops.Op;

/**
 * A compute backend: memory plus the execution of {@link Op operators}.
 *
 * <h2>Ownership</h2>
 * A backend is a value you open ({@link Backends#open(String)}) and close; there is no global instance. Tensors
 * are allocated by a backend and belong to it until closed. Closing the backend reports the tensors still open
 * (see {@link #liveTensors()}) and frees what it holds.
 *
 * <h2>Execution</h2>
 * Operators use destination passing: the caller allocates every output from the shape that the operator's
 * descriptor computes, and {@link #execute(Op)} writes it. By the time a backend sees an operator its shapes and
 * parameters have been validated by the operator's record; {@code execute} further checks that every tensor is
 * open and belongs to this backend. Outputs must not alias inputs, except the tensors an operator documents as
 * updated in place (optimizer state, running statistics, accumulated gradients).
 *
 * <h2>Synchronization</h2>
 * A backend may queue work asynchronously. Work is ordered as issued; reading a tensor to the host waits for
 * the work that writes it; {@link #synchronize()} waits for everything issued so far.
 *
 * <h2>Threads</h2>
 * Allocation, copies and execution may be called from several threads at once, each on its own tensors. Two
 * threads writing the same tensor at the same time is a race, as it is for arrays.
 */
public interface Backend extends AutoCloseable {
    /** The name used for selection ({@code reference}, {@code cpu}, {@code opencl}, {@code cuda}). */
    String name();

    /** A one-line description of the device this backend runs on. */
    String device();

    /** True when tensors of this element type can be allocated. */
    boolean supports(DType dtype);

    /** True when this backend implements {@code op}'s operator family for {@code op}'s element type. */
    boolean supports(Op op);

    /** A new tensor filled with zeros. */
    Tensor allocate(Shape shape, DType dtype);

    /** A new float32 tensor filled with zeros. */
    default Tensor allocate(Shape shape) {
        return allocate(shape, DType.FLOAT32);
    }

    /** A new float32 tensor holding {@code data} (exactly {@code shape.size()} values). */
    default Tensor fromArray(Shape shape, float[] data) {
        Tensor t = allocate(shape, DType.FLOAT32);
        try {
            t.copyFrom(data);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    /** A new tensor of {@code dtype} holding {@code data} (exactly {@code shape.size()} values). */
    default Tensor fromArray(Shape shape, DType dtype, double[] data) {
        Tensor t = allocate(shape, dtype);
        try {
            t.copyFrom(data);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    /**
     * Runs {@code op}: checks that its tensors are open and belong to this backend, then computes its outputs.
     *
     * @throws IllegalArgumentException   a tensor belongs to another backend or an output aliases an input
     * @throws IllegalStateException      a tensor or this backend is closed
     * @throws UnsupportedOpException     this backend does not implement the operator ({@link #supports(Op)})
     */
    void execute(Op op);

    /** Waits until all work issued so far has finished. */
    void synchronize();

    /** Number of tensors allocated by this backend and not yet closed (views excluded). */
    long liveTensors();

    /** Bytes of tensor memory allocated by this backend and not yet closed. */
    long liveBytes();

    /**
     * The most tensor memory this backend hands out at once, in bytes: the device's memory, lowered by the
     * property {@code cnn4j.<name>.memoryLimit} (bytes, or with a k/m/g suffix). An allocation that would pass it
     * is a {@link DeviceMemoryException} before any native call; {@link Long#MAX_VALUE} when unlimited.
     */
    long memoryLimit();

    /** True once {@link #close()} has run; the backend's tensors are unusable from then on. */
    boolean isClosed();

    /** Closes this backend; tensors still open are released and reported. Idempotent. */
    @Override
    void close();
}
