package org.cnn4j.backend.reference;

import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;

/**
 * A reference tensor: its values live in a {@code double[]}. A float32 tensor keeps every stored value rounded
 * to float ({@link ReferenceBackend#finish(Tensor)}), so it behaves as float32 storage while the arithmetic that
 * produced it ran in double.
 */
final class ReferenceTensor extends Tensor {
    final double[] data;

    ReferenceTensor(ReferenceBackend backend, Shape shape, DType dtype, double[] data) {
        super(backend, shape, dtype);
        this.data = data;
    }

    @Override
    protected void writeFloats(float[] src) {
        for (int i = 0; i < src.length; i++) {
            data[i] = src[i];
        }
    }

    @Override
    protected void writeDoubles(double[] src) {
        if (dtype() == DType.FLOAT32) {
            for (int i = 0; i < src.length; i++) {
                data[i] = (float) src[i];
            }
        } else {
            System.arraycopy(src, 0, data, 0, src.length);
        }
    }

    @Override
    protected void readFloats(float[] dst) {
        for (int i = 0; i < dst.length; i++) {
            dst[i] = (float) data[i];
        }
    }

    @Override
    protected void readDoubles(double[] dst) {
        System.arraycopy(data, 0, dst, 0, dst.length);
    }

    @Override
    protected Tensor view(Shape newShape) {
        return new ReferenceTensor((ReferenceBackend) backend(), newShape, dtype(), data);
    }

    @Override
    protected void release() {
        if (!isView()) {
            ((ReferenceBackend) backend()).released(this);
        }
    }
}
