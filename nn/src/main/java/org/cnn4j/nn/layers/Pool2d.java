package org.cnn4j.nn.layers;

import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Layer;

/** Max or average pooling over NCHW input; see {@link MaxPool2d} and {@link AvgPool2d}. */
public class Pool2d extends Layer {
    private final org.cnn4j.ops.Pool2d pool;
    private Tensor x;

    public Pool2d(Backend backend, org.cnn4j.ops.Pool2d pool) {
        super(backend);
        this.pool = pool;
    }

    @Override
    public Pool2d sharedCopy() {
        return new Pool2d(backend, pool);
    }

    public org.cnn4j.ops.Pool2d op() {
        return pool;
    }

    @Override
    public Shape outputShape(Shape input) {
        return pool.outputShape(input);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = workspace.get("y", outputShape(x.shape()));
        run(new org.cnn4j.ops.Pool2d.Forward(pool, x, y));
        this.x = x;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (!needsInputGradient()) {
            return null;
        }
        Tensor dx = workspace.get("dx", x.shape());
        run(new org.cnn4j.ops.Pool2d.Backward(pool, x, dy, dx));
        return dx;
    }

    @Override
    public String describe() {
        return getClass().getSimpleName() + "(kernel=" + pool.kernel() + ", stride=" + pool.stride()
                + (pool.padding().h() + pool.padding().w() > 0 ? ", padding=" + pool.padding() : "")
                + (pool.ceilMode() ? ", ceil_mode=True" : "") + ")";
    }
}
