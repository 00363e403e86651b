package org.cnn4j.backend.opencl;

import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;

/**
 * A float32 tensor in one OpenCL buffer ({@code cl_mem}) owned by its backend. Closing it returns the buffer to
 * the backend's pool; a view shares its base's buffer and frees nothing.
 */
final class OpenClTensor extends Tensor {
    final long mem;

    OpenClTensor(OpenClBackend backend, Shape shape, long mem) {
        super(backend, shape, DType.FLOAT32);
        this.mem = mem;
    }

    private OpenClBackend cl() {
        return (OpenClBackend) backend();
    }

    long bytes() {
        return (long) size() * Float.BYTES;
    }

    @Override
    protected void writeFloats(float[] src) {
        cl().write(this, src);
    }

    @Override
    protected void writeDoubles(double[] src) {
        float[] f = new float[src.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) src[i];
        }
        cl().write(this, f);
    }

    @Override
    protected void readFloats(float[] dst) {
        cl().read(this, dst);
    }

    @Override
    protected void readDoubles(double[] dst) {
        float[] f = new float[dst.length];
        cl().read(this, f);
        for (int i = 0; i < f.length; i++) {
            dst[i] = f[i];
        }
    }

    @Override
    protected Tensor view(Shape newShape) {
        return new OpenClTensor(cl(), newShape, mem);
    }

    @Override
    protected void release() {
        if (!isView()) {
            cl().released(this);
        }
    }
}
