package org.cnn4j.core;

import org.cnn4j.ops.Fill;
import org.cnn4j.ops.Op;
import org.cnn4j.spi.AbstractBackend;

/**
 * A minimal host backend for testing the contract itself: float32 (and float64 when {@code wide}), values kept
 * in a float array; it implements only {@link Fill}.
 */
final class ArrayBackend extends AbstractBackend {
    private final boolean wide;
    int executed;

    ArrayBackend(String name) {
        this(name, false);
    }

    ArrayBackend(String name, boolean wide) {
        super(name);
        this.wide = wide;
    }

    @Override
    public String device() {
        return "test arrays";
    }

    @Override
    public boolean supports(DType dtype) {
        return wide || dtype == DType.FLOAT32;
    }

    @Override
    protected boolean supportsOp(Op op) {
        return op instanceof Fill.Run;
    }

    @Override
    protected Tensor allocateTensor(Shape shape, DType dtype) {
        return new ArrayTensor(this, shape, dtype, new float[shape.size()]);
    }

    @Override
    protected void run(Op op) {
        executed++;
        Fill.Run f = (Fill.Run) op;
        java.util.Arrays.fill(((ArrayTensor) f.y()).data, (float) f.fill().value());
    }

    @Override
    public void synchronize() {
    }

    @Override
    protected void shutdown() {
    }

    static final class ArrayTensor extends Tensor {
        final float[] data;

        ArrayTensor(ArrayBackend b, Shape shape, DType dtype, float[] data) {
            super(b, shape, dtype);
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
            return new ArrayTensor((ArrayBackend) backend(), newShape, dtype(), data);
        }

        @Override
        protected void release() {
            if (!isView()) {
                ((ArrayBackend) backend()).onReleaseForTest(this);
            }
        }
    }

    void onReleaseForTest(Tensor t) {
        onRelease(t);
    }
}
