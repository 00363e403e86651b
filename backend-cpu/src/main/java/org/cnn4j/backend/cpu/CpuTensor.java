package org.cnn4j.backend.cpu;

import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;

/**
 * A float32 tensor of the {@code cpu} backend: its values live in a heap {@code float[]}. Views (reshape) share
 * the array of the tensor that owns it (the base class tracks which one that is). A heap array rather than a shared-arena segment: the Vector API loads and stores on
 * arrays without the liveness checks of a segment, the JIT removes their bounds checks in simple loops, and the
 * worker threads see the data through the happens-before edges of fork/join. The cost is that memory is returned
 * by the garbage collector rather than at {@link #close()}; the backend still counts live tensors and bytes.
 */
final class CpuTensor extends Tensor {
    final float[] data;

    CpuTensor(CpuBackend backend, Shape shape, float[] data) {
        super(backend, shape, DType.FLOAT32);
        this.data = data;
    }

    @Override
    protected void writeFloats(float[] src) {
        System.arraycopy(src, 0, data, 0, src.length);
    }

    @Override
    protected void writeDoubles(double[] src) {
        for (int i = 0; i < src.length; i++) {
            data[i] = (float) src[i];
        }
    }

    @Override
    protected void readFloats(float[] dst) {
        System.arraycopy(data, 0, dst, 0, dst.length);
    }

    @Override
    protected void readDoubles(double[] dst) {
        for (int i = 0; i < dst.length; i++) {
            dst[i] = data[i];
        }
    }

    @Override
    protected Tensor view(Shape newShape) {
        return new CpuTensor((CpuBackend) backend(), newShape, data);
    }

    @Override
    protected void release() {
        if (!isView()) {
            ((CpuBackend) backend()).released(this);
        }
    }
}
