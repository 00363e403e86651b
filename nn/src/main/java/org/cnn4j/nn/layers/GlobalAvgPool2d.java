package org.cnn4j.nn.layers;

import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Size2d;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Layer;

/**
 * The mean over each channel's whole plane, {@code [N, C, H, W] -> [N, C, 1, 1]}: PyTorch's
 * {@code nn.AdaptiveAvgPool2d((1, 1))}, as ResNets end. Runs as average pooling with the window the size of the
 * input, so any input size works.
 */
public final class GlobalAvgPool2d extends Layer {
    private org.cnn4j.ops.Pool2d pool;
    private Tensor x;

    public GlobalAvgPool2d(Backend backend) {
        super(backend);
    }

    @Override
    public GlobalAvgPool2d sharedCopy() {
        return new GlobalAvgPool2d(backend);
    }

    private org.cnn4j.ops.Pool2d pool(Shape input) {
        requireRank("AdaptiveAvgPool2d", input, 4);
        Size2d window = new Size2d(input.dim(2), input.dim(3));
        if (pool == null || !pool.kernel().equals(window)) {
            pool = new org.cnn4j.ops.Pool2d(org.cnn4j.ops.Pool2d.Mode.AVG, window, window, Size2d.of(0), false, true);
        }
        return pool;
    }

    @Override
    public Shape outputShape(Shape input) {
        requireRank("AdaptiveAvgPool2d", input, 4);
        return Shape.of(input.dim(0), input.dim(1), 1, 1);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = workspace.get("y", outputShape(x.shape()));
        run(new org.cnn4j.ops.Pool2d.Forward(pool(x.shape()), x, y));
        this.x = x;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (!needsInputGradient()) {
            return null;
        }
        Tensor dx = workspace.get("dx", x.shape());
        run(new org.cnn4j.ops.Pool2d.Backward(pool(x.shape()), x, dy, dx));
        return dx;
    }

    /** The pooling run for the last input (for benchmark plans). */
    public org.cnn4j.ops.Pool2d op(Shape input) {
        return pool(input);
    }

    @Override
    public String describe() {
        return "AdaptiveAvgPool2d(output_size=(1, 1))";
    }
}
