package org.cnn4j.nn.layers;

import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Layer;

/** PyTorch's {@code nn.Flatten}: [N, d1, d2, ...] to [N, d1*d2*...], as a view of the input (no copy). */
public final class Flatten extends Layer {
    private Tensor lastX;
    private Tensor lastView;
    private Tensor lastDy;
    private Tensor lastDx;
    private Shape inputShape;

    public Flatten(Backend backend) {
        super(backend);
    }

    @Override
    public Flatten sharedCopy() {
        return new Flatten(backend);
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() < 2) {
            throw new IllegalArgumentException("Flatten: input must have rank at least 2 but has shape " + input);
        }
        return Shape.of(input.dim(0), input.size() / input.dim(0));
    }

    @Override
    public Tensor forward(Tensor x) {
        inputShape = x.shape();
        if (x != lastX || lastView == null || lastView.isReleased()) {
            lastX = x;
            lastView = x.reshape(outputShape(x.shape()));
        }
        return lastView;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (!needsInputGradient()) {
            return null;
        }
        if (dy != lastDy || lastDx == null || lastDx.isReleased() || !lastDx.shape().equals(inputShape)) {
            lastDy = dy;
            lastDx = dy.reshape(inputShape);
        }
        return lastDx;
    }
}
