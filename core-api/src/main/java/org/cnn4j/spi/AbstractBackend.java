package org.cnn4j.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.cnn4j.core.Backend;
import org.cnn4j.core.DType;
import org.cnn4j.core.DeviceMemoryException;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.core.UnsupportedOpException;
import org.cnn4j.ops.Op;

/**
 * The shared half of every backend: the checks that run before any backend code sees a call, and the counting
 * of live tensors. Subclasses implement {@link #allocateTensor}, {@link #run} and {@link #supportsOp}.
 */
public abstract class AbstractBackend implements Backend {
    private final String name;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong liveTensors = new AtomicLong();
    private final AtomicLong liveBytes = new AtomicLong();
    private volatile long memoryLimit;

    protected AbstractBackend(String name) {
        this.name = name;
        this.memoryLimit = MemoryLimit.fromProperty(name);
    }

    /**
     * Lowers the memory limit to what the device holds ({@code deviceBytes}); a smaller limit set by the property
     * {@code cnn4j.<name>.memoryLimit} stays.
     */
    protected final void limitMemoryTo(long deviceBytes) {
        if (deviceBytes > 0 && deviceBytes < memoryLimit) {
            memoryLimit = deviceBytes;
        }
    }

    @Override
    public final long memoryLimit() {
        return memoryLimit;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Tensor allocate(Shape shape, DType dtype) {
        checkOpen();
        if (!supports(dtype)) {
            throw new IllegalArgumentException("backend '" + name + "' does not support dtype " + dtype.label()
                    + " (shape " + shape + ")");
        }
        long bytes = (long) shape.size() * dtype.byteSize();
        long live = liveBytes.addAndGet(bytes);
        if (live > memoryLimit) {
            liveBytes.addAndGet(-bytes);
            throw new DeviceMemoryException(name, bytes, Math.max(0, memoryLimit - (live - bytes)),
                    "over the memory limit of " + memoryLimit + " bytes (" + MemoryLimit.PROPERTY.formatted(name)
                            + "), shape " + shape);
        }
        Tensor t;
        try {
            t = allocateTensor(shape, dtype);
        } catch (RuntimeException | Error e) {
            liveBytes.addAndGet(-bytes);
            throw e;
        }
        liveTensors.incrementAndGet();
        return t;
    }

    @Override
    public final boolean supports(Op op) {
        return supports(op.dtype()) && supportsOp(op);
    }

    @Override
    public final void execute(Op op) {
        checkOpen();
        checkOperands(op);
        if (!supportsOp(op)) {
            throw new UnsupportedOpException(name, op.name(), "not implemented for " + op.dtype().label());
        }
        run(op);
    }

    /** Validates ownership, liveness and aliasing of every operand. Shapes were checked by the op's record. */
    private void checkOperands(Op op) {
        Map<String, Tensor> in = op.inputs();
        Map<String, Tensor> out = op.outputs();
        for (Map.Entry<String, Tensor> e : in.entrySet()) {
            checkOperand(op, e.getKey(), e.getValue());
        }
        for (Map.Entry<String, Tensor> e : out.entrySet()) {
            Tensor t = e.getValue();
            checkOperand(op, e.getKey(), t);
            for (Map.Entry<String, Tensor> i : in.entrySet()) {
                if (i.getValue().sharesMemoryWith(t) && !i.getKey().equals(e.getKey())) {
                    throw new IllegalArgumentException(op.name() + ": output '" + e.getKey() + "' " + t.shape()
                            + " shares memory with input '" + i.getKey() + "' " + i.getValue().shape()
                            + "; outputs must not alias inputs");
                }
            }
        }
        List<Map.Entry<String, Tensor>> outs = new ArrayList<>(out.entrySet());
        for (int a = 0; a < outs.size(); a++) {
            for (int b = a + 1; b < outs.size(); b++) {
                if (outs.get(a).getValue().sharesMemoryWith(outs.get(b).getValue())) {
                    throw new IllegalArgumentException(op.name() + ": outputs '" + outs.get(a).getKey() + "' and '"
                            + outs.get(b).getKey() + "' share memory; every output must be its own tensor");
                }
            }
        }
        if (!supports(op.dtype())) {
            throw new IllegalArgumentException(op.name() + ": backend '" + name + "' does not support dtype "
                    + op.dtype().label());
        }
    }

    private void checkOperand(Op op, String role, Tensor t) {
        if (t.backend() != this) {
            throw new IllegalArgumentException(op.name() + ": tensor '" + role + "' " + t.shape()
                    + (t.backend().name().equals(name)
                            ? " belongs to another instance of backend '" + name + "', not to this one (a tensor is "
                                    + "used only by the backend instance that allocated it)"
                            : " belongs to backend '" + t.backend().name() + "', not to this '" + name + "' backend"));
        }
        if (t.isReleased()) {
            throw new IllegalStateException(op.name() + ": tensor '" + role + "' " + t.shape() + " is closed");
        }
    }

    /** Throws {@link IllegalStateException} when this backend has been closed. */
    protected final void checkOpen() {
        if (closed.get()) {
            throw closedError(null);
        }
    }

    /**
     * The error of a call on a closed backend, the same on every backend; {@code cause} is what the backend's own
     * machinery threw when the close overtook a running call (a thread pool's cancellation), or null.
     */
    protected final IllegalStateException closedError(Throwable cause) {
        return new IllegalStateException("backend '" + name + "' is closed", cause);
    }

    @Override
    public final boolean isClosed() {
        return closed.get();
    }

    /** Called by a tensor's {@code release()} so the live counts stay true. */
    protected final void onRelease(Tensor t) {
        liveTensors.decrementAndGet();
        liveBytes.addAndGet(-(long) t.size() * t.dtype().byteSize());
    }

    @Override
    public final long liveTensors() {
        return liveTensors.get();
    }

    @Override
    public final long liveBytes() {
        return liveBytes.get();
    }

    @Override
    public final void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long leaked = liveTensors.get();
        if (leaked > 0) {
            System.getLogger("org.cnn4j").log(System.Logger.Level.WARNING,
                    "backend '" + name + "' closed with " + leaked + " tensor(s) still open ("
                            + liveBytes.get() + " bytes); they are released now");
        }
        shutdown();
    }

    // ---- the subclass's side ------------------------------------------------------------------------

    /** A zero-filled tensor; shape and dtype were checked. */
    protected abstract Tensor allocateTensor(Shape shape, DType dtype);

    /** True when this backend implements the operator family of {@code op}. */
    protected abstract boolean supportsOp(Op op);

    /** Computes {@code op}; every operand was checked. */
    protected abstract void run(Op op);

    /** Frees what the backend holds; called once by {@link #close()}. */
    protected abstract void shutdown();
}
