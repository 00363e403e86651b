package org.cnn4j.nn;

import java.util.HashMap;
import java.util.Map;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;

/**
 * The activation and scratch tensors of one layer, allocated once per (role, shape) and reused: once every batch
 * shape has been seen (the full batch, the last partial batch, the evaluation batch), a step allocates nothing.
 */
public final class Workspace implements AutoCloseable {
    private record Key(String role, Shape shape) {
    }

    private final Backend backend;
    private final Map<Key, Tensor> tensors = new HashMap<>();

    public Workspace(Backend backend) {
        this.backend = backend;
    }

    /** The tensor for {@code role} with {@code shape}; allocated (zero) the first time. */
    public Tensor get(String role, Shape shape) {
        return tensors.computeIfAbsent(new Key(role, shape), k -> backend.allocate(k.shape()));
    }

    /** Number of tensors held. */
    public int size() {
        return tensors.size();
    }

    @Override
    public void close() {
        for (Tensor t : tensors.values()) {
            t.close();
        }
        tensors.clear();
    }
}
