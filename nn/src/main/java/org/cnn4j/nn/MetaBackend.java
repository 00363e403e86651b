package org.cnn4j.nn;

import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.core.UnsupportedOpException;
import org.cnn4j.ops.Op;
import org.cnn4j.spi.AbstractBackend;

/**
 * A backend whose tensors have a shape and no storage (PyTorch's "meta" device): it builds a model to print its
 * summary or count its parameters without the memory (AlexNet's 62 million weights and their gradients). Writes
 * are ignored; reads and operators are refused.
 */
public final class MetaBackend extends AbstractBackend {
    public MetaBackend() {
        super("meta");
    }

    @Override
    public String device() {
        return "none (shapes only)";
    }

    @Override
    public boolean supports(DType dtype) {
        return true;
    }

    @Override
    protected Tensor allocateTensor(Shape shape, DType dtype) {
        return new MetaTensor(this, shape, dtype, false);
    }

    @Override
    protected boolean supportsOp(Op op) {
        return false;
    }

    @Override
    protected void run(Op op) {
        throw new UnsupportedOpException("meta", op.name(), "meta tensors hold no values");
    }

    @Override
    public void synchronize() {
    }

    @Override
    protected void shutdown() {
    }

    void released(Tensor t) {
        onRelease(t);
    }

    private static final class MetaTensor extends Tensor {
        private final boolean view;

        MetaTensor(MetaBackend b, Shape shape, DType dtype, boolean view) {
            super(b, shape, dtype);
            this.view = view;
        }

        @Override
        protected void writeFloats(float[] src) {
        }

        @Override
        protected void writeDoubles(double[] src) {
        }

        @Override
        protected void readFloats(float[] dst) {
            throw new UnsupportedOperationException("meta tensor " + this + " holds no values");
        }

        @Override
        protected void readDoubles(double[] dst) {
            throw new UnsupportedOperationException("meta tensor " + this + " holds no values");
        }

        @Override
        protected Tensor view(Shape newShape) {
            return new MetaTensor((MetaBackend) backend(), newShape, dtype(), true);
        }

        @Override
        protected void release() {
            if (!view) {
                ((MetaBackend) backend()).released(this);
            }
        }
    }
}
