package org.cnn4j.nn.layers;

import java.util.SplittableRandom;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Init;
import org.cnn4j.nn.Layer;
import org.cnn4j.nn.Parameter;
import org.cnn4j.ops.Prelu;

/** PyTorch's {@code nn.PReLU}: a learned slope, shared ({@code numParameters = 1}) or one per channel; init 0.25. */
public final class PReLU extends Layer {
    private final Parameter weight;
    private Tensor x;

    public PReLU(Backend backend, int numParameters) {
        super(backend);
        this.weight = addParameter("weight", Shape.of(numParameters), false);
        initialize(Init.PYTORCH_DEFAULT, new SplittableRandom(0));
    }

    /** A shared copy of {@code owner} (see {@link Layer#sharedCopy()}). */
    private PReLU(PReLU owner) {
        super(owner.backend());
        this.weight = shareParameter(owner.weight);
    }

    @Override
    public PReLU sharedCopy() {
        return new PReLU(this);
    }

    @Override
    public void initialize(Init init, SplittableRandom rng) {
        fill(weight.value(), 0.25f);
    }

    public Parameter weight() {
        return weight;
    }

    @Override
    public Shape outputShape(Shape input) {
        int n = weight.shape().dim(0);
        if (n != 1 && (input.rank() < 2 || input.dim(1) != n)) {
            throw new IllegalArgumentException("PReLU(" + n + "): input " + input + " does not have " + n
                    + " channels");
        }
        return input;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = workspace.get("y", outputShape(x.shape()));
        run(new Prelu.Forward(x, weight.value(), y));
        this.x = x;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dx = workspace.get("dx", x.shape());
        run(new Prelu.Backward(x, weight.value(), dy, dx, weight.grad()));
        return needsInputGradient() ? dx : null;
    }

    @Override
    public String describe() {
        return "PReLU(num_parameters=" + weight.shape().dim(0) + ")";
    }
}
