package org.cnn4j.nn.layers;

import org.cnn4j.core.Backend;

/** PyTorch's {@code nn.BatchNorm2d} over [N, C, H, W]. */
public final class BatchNorm2d extends BatchNorm {
    public BatchNorm2d(Backend backend, int channels, org.cnn4j.ops.BatchNorm bn) {
        super(backend, channels, 4, bn);
    }

    /** PyTorch's defaults: epsilon 1e-5, momentum 0.1. */
    private BatchNorm2d(BatchNorm2d owner) {
        super(owner);
    }

    @Override
    public BatchNorm2d sharedCopy() {
        return new BatchNorm2d(this);
    }

    public BatchNorm2d(Backend backend, int channels) {
        this(backend, channels, org.cnn4j.ops.BatchNorm.defaults());
    }
}
