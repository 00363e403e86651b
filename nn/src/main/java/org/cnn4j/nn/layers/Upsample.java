package org.cnn4j.nn.layers;

import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Layer;

/**
 * PyTorch's {@code nn.Upsample(mode='nearest')} over NCHW input: {@code scale_factor=} an integer per axis, or
 * {@code size=(H, W)} (see {@link org.cnn4j.ops.Upsample} for the index rule). No parameters; the backward sums the
 * gradient of every output cell onto the input cell it copied.
 */
public final class Upsample extends Layer {
    private final org.cnn4j.ops.Upsample up;
    private Shape inputShape;

    public Upsample(Backend backend, org.cnn4j.ops.Upsample up) {
        super(backend);
        if (up == null) {
            throw new IllegalArgumentException("Upsample: the operator descriptor 'up' is required (null given)");
        }
        this.up = up;
    }

    /** {@code nn.Upsample(scale_factor=scale, mode='nearest')}. */
    public Upsample(Backend backend, int scale) {
        this(backend, org.cnn4j.ops.Upsample.nearest(scale));
    }

    /** {@code nn.Upsample(size=(outH, outW), mode='nearest')}. */
    public static Upsample toSize(Backend backend, int outH, int outW) {
        return new Upsample(backend, org.cnn4j.ops.Upsample.nearestToSize(outH, outW));
    }

    public org.cnn4j.ops.Upsample op() {
        return up;
    }

    @Override
    public Shape outputShape(Shape input) {
        return up.outputShape(input);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = workspace.get("y", outputShape(x.shape()));
        run(new org.cnn4j.ops.Upsample.Forward(up, x, y));
        inputShape = x.shape();
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (!needsInputGradient()) {
            return null;
        }
        if (inputShape == null) {
            throw new IllegalStateException("Upsample: backward before forward");
        }
        Tensor dx = workspace.get("dx", inputShape);
        run(new org.cnn4j.ops.Upsample.Backward(up, dy, dx));
        return dx;
    }

    /** PyTorch's repr: {@code Upsample(scale_factor=2.0, mode='nearest')} or {@code Upsample(size=(8, 3), ...)}. */
    @Override
    public String describe() {
        String what;
        if (up.toSize()) {
            what = "size=(" + up.outH() + ", " + up.outW() + ")";
        } else if (up.scaleH() == up.scaleW()) {
            what = "scale_factor=" + (double) up.scaleH();
        } else {
            what = "scale_factor=(" + (double) up.scaleH() + ", " + (double) up.scaleW() + ")";
        }
        return "Upsample(" + what + ", mode='nearest')";
    }
}
