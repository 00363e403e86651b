package org.cnn4j.nn.layers;

import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Layer;

/**
 * Softmax or log-softmax over axis 1, PyTorch's {@code nn.Softmax(dim=1)} / {@code nn.LogSoftmax(dim=1)}. Models
 * trained with {@code SOFTMAX_CROSS_ENTROPY} end in logits instead (the loss contains the softmax).
 */
public final class Softmax extends Layer {
    private final org.cnn4j.ops.Softmax softmax;
    private Tensor y;

    public Softmax(Backend backend, boolean log) {
        super(backend);
        this.softmax = new org.cnn4j.ops.Softmax(log);
    }

    @Override
    public Softmax sharedCopy() {
        return new Softmax(backend, softmax);
    }

    private Softmax(Backend backend, org.cnn4j.ops.Softmax softmax) {
        super(backend);
        this.softmax = softmax;
    }

    public static Softmax softmax(Backend b) {
        return new Softmax(b, false);
    }

    public static Softmax logSoftmax(Backend b) {
        return new Softmax(b, true);
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() < 2) {
            throw new IllegalArgumentException(describe() + ": input must have rank at least 2 but has " + input);
        }
        return input;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = workspace.get("y", outputShape(x.shape()));
        run(new org.cnn4j.ops.Softmax.Forward(softmax, x, y));
        this.y = y;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (!needsInputGradient()) {
            return null;
        }
        Tensor dx = workspace.get("dx", y.shape());
        run(new org.cnn4j.ops.Softmax.Backward(softmax, y, dy, dx));
        return dx;
    }

    @Override
    public String describe() {
        return softmax.log() ? "LogSoftmax(dim=1)" : "Softmax(dim=1)";
    }
}
