package org.cnn4j.nn.layers;

import org.cnn4j.core.Backend;

/** PyTorch's {@code nn.MaxPool2d}. */
public final class MaxPool2d extends Pool2d {
    public MaxPool2d(Backend backend, org.cnn4j.ops.Pool2d pool) {
        super(backend, requireMode(pool, org.cnn4j.ops.Pool2d.Mode.MAX));
    }

    /** Square window and stride, no padding. */
    public MaxPool2d(Backend backend, int kernel, int stride) {
        this(backend, org.cnn4j.ops.Pool2d.max(kernel, stride));
    }

    @Override
    public MaxPool2d sharedCopy() {
        return new MaxPool2d(backend, op());
    }

    static org.cnn4j.ops.Pool2d requireMode(org.cnn4j.ops.Pool2d p, org.cnn4j.ops.Pool2d.Mode mode) {
        if (p.mode() != mode) {
            throw new IllegalArgumentException("pooling " + p + " is not " + mode);
        }
        return p;
    }
}
