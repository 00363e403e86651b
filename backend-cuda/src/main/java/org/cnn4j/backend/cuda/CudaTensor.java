package org.cnn4j.backend.cuda;

import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;

/**
 * A float32 tensor in device memory: a device pointer from the backend's {@link CachingAllocator}. A view
 * ({@link #reshape}) wraps its base's pointer; {@link Tensor} records which tensor owns the memory, and only the
 * owner returns it to the allocator.
 */
final class CudaTensor extends Tensor {
    private final CudaBackend owner;
    private final long pointer;

    CudaTensor(CudaBackend owner, Shape shape, long pointer) {
        super(owner, shape, DType.FLOAT32);
        this.owner = owner;
        this.pointer = pointer;
    }

    /** The device address of the first element. */
    long pointer() {
        return pointer;
    }

    /** Bytes of the data ({@code size() * 4}). */
    long bytes() {
        return (long) size() * Float.BYTES;
    }

    @Override
    protected void writeFloats(float[] src) {
        owner.upload(this, src);
    }

    @Override
    protected void writeDoubles(double[] src) {
        float[] f = new float[src.length];
        for (int i = 0; i < src.length; i++) {
            f[i] = (float) src[i];
        }
        owner.upload(this, f);
    }

    @Override
    protected void readFloats(float[] dst) {
        owner.download(this, dst);
    }

    @Override
    protected void readDoubles(double[] dst) {
        float[] f = new float[dst.length];
        owner.download(this, f);
        for (int i = 0; i < dst.length; i++) {
            dst[i] = f[i];
        }
    }

    @Override
    protected Tensor view(Shape newShape) {
        return new CudaTensor(owner, newShape, pointer);
    }

    @Override
    protected void release() {
        if (!isView()) {
            owner.released(this);
        }
    }
}
