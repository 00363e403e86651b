package org.cnn4j.backend.reference;

import java.util.Set;
import org.cnn4j.core.Backend;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.core.UnsupportedOpException;
import org.cnn4j.ops.Op;

/**
 * A backend that implements only some operator families and no float64, as young backends do: it delegates to a
 * reference backend and reports the other families as unsupported.
 */
final class PartialBackend implements Backend {
    private final ReferenceBackend delegate = new ReferenceBackend();
    private final Set<String> families;

    /** A backend that supports only {@code families} ({@code "Conv2d"}, {@code "Copy"}, ...). */
    PartialBackend(Set<String> families) {
        this.families = Set.copyOf(families);
    }

    @Override
    public String name() {
        return "partial";
    }

    @Override
    public String device() {
        return "reference loops, some families only";
    }

    @Override
    public boolean supports(DType dtype) {
        return dtype == DType.FLOAT32;
    }

    @Override
    public boolean supports(Op op) {
        return supports(op.dtype()) && families.contains(op.name().substring(0, op.name().indexOf('.')));
    }

    @Override
    public Tensor allocate(Shape shape, DType dtype) {
        if (!supports(dtype)) {
            throw new IllegalArgumentException("backend 'partial' does not support dtype " + dtype.label());
        }
        return delegate.allocate(shape, dtype);
    }

    @Override
    public void execute(Op op) {
        if (!supports(op)) {
            throw new UnsupportedOpException("partial", op.name(), "only " + families + " are implemented");
        }
        delegate.execute(op);
    }

    @Override
    public void synchronize() {
        delegate.synchronize();
    }

    @Override
    public long liveTensors() {
        return delegate.liveTensors();
    }

    @Override
    public long liveBytes() {
        return delegate.liveBytes();
    }

    @Override
    public long memoryLimit() {
        return delegate.memoryLimit();
    }

    @Override
    public boolean isClosed() {
        return delegate.isClosed();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
