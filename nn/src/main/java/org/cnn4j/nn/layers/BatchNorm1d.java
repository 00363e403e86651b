package org.cnn4j.nn.layers;

import org.cnn4j.core.Backend;

/** PyTorch's {@code nn.BatchNorm1d} over [N, C]. */
public final class BatchNorm1d extends BatchNorm {
    public BatchNorm1d(Backend backend, int features, org.cnn4j.ops.BatchNorm bn) {
        super(backend, features, 2, bn);
    }

    private BatchNorm1d(BatchNorm1d owner) {
        super(owner);
    }

    @Override
    public BatchNorm1d sharedCopy() {
        return new BatchNorm1d(this);
    }

    /** PyTorch's defaults: epsilon 1e-5, momentum 0.1. */
    public BatchNorm1d(Backend backend, int features) {
        this(backend, features, org.cnn4j.ops.BatchNorm.defaults());
    }
}
