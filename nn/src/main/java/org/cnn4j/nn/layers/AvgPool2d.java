package org.cnn4j.nn.layers;

import org.cnn4j.core.Backend;

/** PyTorch's {@code nn.AvgPool2d}. */
public final class AvgPool2d extends Pool2d {
    public AvgPool2d(Backend backend, org.cnn4j.ops.Pool2d pool) {
        super(backend, MaxPool2d.requireMode(pool, org.cnn4j.ops.Pool2d.Mode.AVG));
    }

    /** Square window and stride, no padding. */
    @Override
    public AvgPool2d sharedCopy() {
        return new AvgPool2d(backend, op());
    }

    public AvgPool2d(Backend backend, int kernel, int stride) {
        this(backend, org.cnn4j.ops.Pool2d.avg(kernel, stride));
    }
}
