package org.cnn4j.nn.layers;

import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Layer;

/** An element-wise activation without parameters: ReLU, LeakyReLU, ELU, Sigmoid, Tanh. */
public final class Activation extends Layer {
    private final org.cnn4j.ops.Activation act;
    private Tensor x;
    private Tensor y;

    public Activation(Backend backend, org.cnn4j.ops.Activation act) {
        super(backend);
        this.act = act;
    }

    public static Activation relu(Backend b) {
        return new Activation(b, org.cnn4j.ops.Activation.relu());
    }

    /** PyTorch's default negative slope is 0.01. */
    public static Activation leakyRelu(Backend b, double negativeSlope) {
        return new Activation(b, org.cnn4j.ops.Activation.leakyRelu(negativeSlope));
    }

    /** PyTorch's default alpha is 1.0. */
    public static Activation elu(Backend b, double alpha) {
        return new Activation(b, org.cnn4j.ops.Activation.elu(alpha));
    }

    public static Activation sigmoid(Backend b) {
        return new Activation(b, org.cnn4j.ops.Activation.sigmoid());
    }

    public static Activation tanh(Backend b) {
        return new Activation(b, org.cnn4j.ops.Activation.tanh());
    }

    @Override
    public Activation sharedCopy() {
        return new Activation(backend, act);
    }

    public org.cnn4j.ops.Activation op() {
        return act;
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = workspace.get("y", x.shape());
        run(new org.cnn4j.ops.Activation.Forward(act, x, y));
        this.x = x;
        this.y = y;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (!needsInputGradient()) {
            return null;
        }
        Tensor dx = workspace.get("dx", x.shape());
        run(new org.cnn4j.ops.Activation.Backward(act, x, y, dy, dx));
        return dx;
    }

    @Override
    public String describe() {
        return switch (act.kind()) {
            case RELU -> "ReLU";
            case LEAKY_RELU -> "LeakyReLU(negative_slope=" + act.alpha() + ")";
            case ELU -> "ELU(alpha=" + act.alpha() + ")";
            case SIGMOID -> "Sigmoid";
            case TANH -> "Tanh";
        };
    }
}
