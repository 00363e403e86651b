package org.cnn4j.nn.layers;

import java.util.SplittableRandom;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Init;
import org.cnn4j.nn.Layer;
import org.cnn4j.nn.Parameter;

/**
 * Batch normalization over the channel axis (see {@link BatchNorm2d}, {@link BatchNorm1d}): learned
 * {@code weight} (gamma, 1) and {@code bias} (beta, 0), buffers {@code running_mean} (0) and {@code running_var}
 * (1). Training mode normalizes with batch statistics and updates the running ones; inference uses the running
 * ones.
 */
public abstract class BatchNorm extends Layer {
    private final org.cnn4j.ops.BatchNorm bn;
    private final int rank;
    private final int channels;
    private final Parameter weight;
    private final Parameter bias;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final Tensor savedMean;
    private final Tensor savedInvStd;
    private Tensor x;

    // Registering parameters calls Layer's final helpers only; no subclass state is read.
    @SuppressWarnings("this-escape")
    protected BatchNorm(Backend backend, int channels, int rank, org.cnn4j.ops.BatchNorm bn) {
        super(backend);
        this.bn = bn;
        this.rank = rank;
        this.channels = channels;
        Shape c = Shape.of(channels);
        this.weight = addParameter("weight", c, false);
        this.bias = addParameter("bias", c, false);
        this.runningMean = addBuffer("running_mean", c);
        this.runningVar = addBuffer("running_var", c);
        this.savedMean = workspace.get("saved_mean", c);
        this.savedInvStd = workspace.get("saved_inv_std", c);
        reset();
    }

    /** A shared copy of {@code owner}: its parameters and running statistics, activations of its own. */
    protected BatchNorm(BatchNorm owner) {
        super(owner.backend());
        this.bn = owner.bn;
        this.rank = owner.rank;
        this.channels = owner.channels;
        this.weight = shareParameter(owner.weight);
        this.bias = shareParameter(owner.bias);
        this.runningMean = shareBuffer("running_mean", owner.runningMean);
        this.runningVar = shareBuffer("running_var", owner.runningVar);
        Shape c = Shape.of(channels);
        this.savedMean = workspace.get("saved_mean", c);
        this.savedInvStd = workspace.get("saved_inv_std", c);
    }

    /** gamma 1, beta 0, running mean 0, running variance 1, whatever the scheme (as PyTorch). */
    @Override
    public void initialize(Init init, SplittableRandom rng) {
        reset();
    }

    private void reset() {
        fill(weight.value(), 1f);
        fill(bias.value(), 0f);
        fill(runningMean, 0f);
        fill(runningVar, 1f);
    }

    /** The operator's parameters (epsilon, momentum). */
    public org.cnn4j.ops.BatchNorm op() {
        return bn;
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    public Tensor runningMean() {
        return runningMean;
    }

    public Tensor runningVar() {
        return runningVar;
    }

    @Override
    public Shape outputShape(Shape input) {
        requireRank(getClass().getSimpleName(), input, rank);
        if (input.dim(1) != channels) {
            throw new IllegalArgumentException(getClass().getSimpleName() + "(" + channels + "): input " + input
                    + " has " + input.dim(1) + " channels");
        }
        return input;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = workspace.get("y", outputShape(x.shape()));
        if (isTraining()) {
            run(new org.cnn4j.ops.BatchNorm.ForwardTraining(bn, x, weight.value(), bias.value(), runningMean,
                    runningVar, y, savedMean, savedInvStd));
        } else {
            run(new org.cnn4j.ops.BatchNorm.ForwardInference(bn, x, weight.value(), bias.value(), runningMean,
                    runningVar, y));
        }
        this.x = x;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (!isTraining()) {
            throw new IllegalStateException(getClass().getSimpleName()
                    + ": backward needs a training-mode forward (batch statistics)");
        }
        Tensor dx = workspace.get("dx", x.shape());
        run(new org.cnn4j.ops.BatchNorm.Backward(bn, x, dy, weight.value(), savedMean, savedInvStd, dx,
                weight.grad(), bias.grad()));
        return needsInputGradient() ? dx : null;
    }

    @Override
    public String describe() {
        return getClass().getSimpleName() + "(" + channels + ", eps=" + bn.epsilon() + ", momentum="
                + bn.momentum() + ")";
    }
}
