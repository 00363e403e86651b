package org.cnn4j.nn.layers;

import java.util.SplittableRandom;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Init;
import org.cnn4j.nn.Layer;
import org.cnn4j.nn.Parameter;

/** Fully connected, PyTorch's {@code nn.Linear}: weight [out, in], optional bias [out]. */
public final class Linear extends Layer {
    private final int inFeatures;
    private final int outFeatures;
    private final Parameter weight;
    private final Parameter bias;
    private Tensor x;

    public Linear(Backend backend, int inFeatures, int outFeatures, boolean bias) {
        super(backend);
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = addParameter("weight", Shape.of(outFeatures, inFeatures), true);
        this.bias = bias ? addParameter("bias", Shape.of(outFeatures), false) : null;
        initialize(Init.PYTORCH_DEFAULT, new SplittableRandom(0));
    }

    /** A shared copy of {@code owner} (see {@link Layer#sharedCopy()}). */
    private Linear(Linear owner) {
        super(owner.backend());
        this.inFeatures = owner.inFeatures;
        this.outFeatures = owner.outFeatures;
        this.weight = shareParameter(owner.weight);
        this.bias = owner.bias == null ? null : shareParameter(owner.bias);
    }

    @Override
    public Linear sharedCopy() {
        return new Linear(this);
    }

    public Linear(Backend backend, int inFeatures, int outFeatures) {
        this(backend, inFeatures, outFeatures, true);
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    @Override
    public void initialize(Init init, SplittableRandom rng) {
        init.weight(weight.value(), inFeatures, outFeatures, rng);
        if (bias != null) {
            init.bias(bias.value(), inFeatures, rng);
        }
    }

    @Override
    public Shape outputShape(Shape input) {
        return org.cnn4j.ops.Linear.outputShape(input, weight.shape());
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = workspace.get("y", outputShape(x.shape()));
        run(new org.cnn4j.ops.Linear.Forward(x, weight.value(), bias == null ? null : bias.value(), y));
        this.x = x;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        run(new org.cnn4j.ops.Linear.BackwardWeights(x, dy, weight.grad(), bias == null ? null : bias.grad()));
        if (!needsInputGradient()) {
            return null;
        }
        Tensor dx = workspace.get("dx", x.shape());
        run(new org.cnn4j.ops.Linear.BackwardData(dy, weight.value(), dx));
        return dx;
    }

    @Override
    public String describe() {
        return "Linear(in_features=" + inFeatures + ", out_features=" + outFeatures
                + (bias == null ? ", bias=False" : "") + ")";
    }
}
