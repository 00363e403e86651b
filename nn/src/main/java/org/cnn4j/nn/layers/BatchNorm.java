package org.cnn4j.nn.layers;

import java.util.SplittableRandom;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Init;
import org.cnn4j.nn.Layer;
import org.cnn4j.nn.Parameter;
import org.cnn4j.nn.Replicas;

/**
 * Batch normalization over the channel axis (see {@link BatchNorm2d}, {@link BatchNorm1d}): learned
 * {@code weight} (gamma, 1) and {@code bias} (beta, 0), buffers {@code running_mean} (0) and {@code running_var}
 * (1). Training mode normalizes with batch statistics and updates the running ones; inference uses the running
 * ones. The backward follows the forward that ran: through the batch statistics after a training-mode forward,
 * and after an inference-mode one through the running statistics as constants (PyTorch's backward of a module in
 * {@code eval()} mode, fine-tuning with frozen statistics).
 *
 * <p>{@link #synchronize(Layer, Replicas)} makes the batch-norm layers of a data-parallel model normalise with the
 * statistics of the whole batch over all replicas, PyTorch's {@code SyncBatchNorm}; see {@link #synchronize}.
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
    private boolean trainingForward;
    /** The replicas whose batch statistics a training forward combines, or null for this replica's own. */
    private Replicas sync;
    private Synced synced;

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

    /**
     * Makes every batch-norm layer under {@code net} normalise, in training, with the mean and variance of the
     * whole batch over {@code replicas} (PyTorch's {@code SyncBatchNorm.convert_sync_batchnorm}); the running
     * statistics then follow the whole batch too. Each training forward and backward of such a layer is a
     * collective: every replica must run it, so every replica needs a share of every batch. Returns how many layers
     * were converted. With one replica it changes nothing.
     */
    public static int synchronize(Layer net, Replicas replicas) {
        int n = 0;
        for (java.util.Map.Entry<String, Layer> e : net.leaves()) {
            if (e.getValue() instanceof BatchNorm b) {
                b.sync = replicas.size() > 1 ? replicas : null;
                n++;
            }
        }
        return n;
    }

    /** True when a training forward combines the statistics of several replicas. */
    public boolean isSynchronized() {
        return sync != null;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = workspace.get("y", outputShape(x.shape()));
        if (isTraining() && sync != null) {
            synced().forward(x, y);
        } else if (isTraining()) {
            run(new org.cnn4j.ops.BatchNorm.ForwardTraining(bn, x, weight.value(), bias.value(), runningMean,
                    runningVar, y, savedMean, savedInvStd));
        } else {
            run(new org.cnn4j.ops.BatchNorm.ForwardInference(bn, x, weight.value(), bias.value(), runningMean,
                    runningVar, y));
        }
        this.x = x;
        this.trainingForward = isTraining();
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (x == null) {
            throw new IllegalStateException(getClass().getSimpleName() + ": backward before any forward");
        }
        Tensor dx = workspace.get("dx", x.shape());
        if (trainingForward && sync != null) {
            synced().backward(x, dy, dx);
        } else if (trainingForward) {
            run(new org.cnn4j.ops.BatchNorm.Backward(bn, x, dy, weight.value(), savedMean, savedInvStd, dx,
                    weight.grad(), bias.grad()));
        } else {
            run(new org.cnn4j.ops.BatchNorm.BackwardInference(bn, x, dy, weight.value(), runningMean, runningVar,
                    dx, weight.grad(), bias.grad()));
        }
        return needsInputGradient() ? dx : null;
    }

    private Synced synced() {
        if (synced == null) {
            synced = new Synced();
        }
        return synced;
    }

    /**
     * The synchronised training step, from the operators every backend has and collectives of 2 or 3 numbers per
     * channel on the host:
     *
     * <pre>
     *   forward:  this replica's mean and variance (ForwardTraining on scratch running statistics)
     *             -> the whole batch's mean and variance (counts and means summed, then the squared deviations:
     *                two sums over the replicas, in double)
     *             y = ForwardInference(x) with those statistics; running statistics updated with them, as PyTorch
     *   backward: dxA, sum(dy * xhat), sum(dy) = BackwardInference(x, dy) with those statistics
     *             -> S2 = sum(dy * xhat), S1 = sum(dy) over the whole batch (a sum over the replicas)
     *             dx = dxA - gamma * invStd / M * (S1 + xhat * S2) = dxA - (a * x + b) per channel, the affine term
     *                  computed by ForwardInference with mean 0, variance 1 - 2^-20, epsilon 2^-20 (so 1/std is 1)
     * </pre>
     * The weight and bias gradients stay this replica's sums, which the trainer sums over the replicas with the
     * other gradients.
     */
    private final class Synced {
        private final int c = channels;
        private final float[] hMean = new float[c];
        private final float[] hInvStd = new float[c];
        private final float[] hVar = new float[c];
        private final float[] hA = new float[c];
        private final float[] hB = new float[c];
        private final float[] hGamma = new float[c];
        private final float[] hRunMean = new float[c];
        private final float[] hRunVar = new float[c];
        private final double[] sums = new double[1 + c];
        private final double[] deviations = new double[c];
        private final double[] grads = new double[2 * c];
        private final double[] mean = new double[c];
        private final double[] var = new double[c];
        private final Tensor scratchMean = workspace.get("sync_running_mean", Shape.of(c));
        private final Tensor scratchVar = workspace.get("sync_running_var", Shape.of(c));
        private final Tensor batchMean = workspace.get("sync_batch_mean", Shape.of(c));
        private final Tensor batchVar = workspace.get("sync_batch_var", Shape.of(c));
        private final Tensor a = workspace.get("sync_a", Shape.of(c));
        private final Tensor b = workspace.get("sync_b", Shape.of(c));
        private final Tensor zeros = workspace.get("sync_zeros", Shape.of(c));
        private final Tensor unitVar = workspace.get("sync_unit_var", Shape.of(c));
        private final org.cnn4j.ops.BatchNorm unit = new org.cnn4j.ops.BatchNorm(UNIT_EPSILON, bn.momentum());
        private double count;

        Synced() {
            fill(zeros, 0f);
            fill(unitVar, (float) (1 - UNIT_EPSILON));
        }

        void forward(Tensor x, Tensor y) {
            long local = (long) x.size() / c;
            run(new org.cnn4j.ops.BatchNorm.ForwardTraining(bn, x, weight.value(), bias.value(), scratchMean,
                    scratchVar, y, savedMean, savedInvStd));
            savedMean.copyTo(hMean);
            savedInvStd.copyTo(hInvStd);
            sums[0] = local;
            for (int i = 0; i < c; i++) {
                sums[1 + i] = local * (double) hMean[i];
            }
            sync.sum(sums);
            count = sums[0];
            for (int i = 0; i < c; i++) {
                mean[i] = sums[1 + i] / count;
                double v = 1 / ((double) hInvStd[i] * hInvStd[i]) - bn.epsilon();
                double d = hMean[i] - mean[i];
                deviations[i] = local * (Math.max(v, 0) + d * d);
            }
            sync.sum(deviations);
            for (int i = 0; i < c; i++) {
                var[i] = deviations[i] / count;
                hMean[i] = (float) mean[i];
                hVar[i] = (float) var[i];
            }
            batchMean.copyFrom(hMean);
            batchVar.copyFrom(hVar);
            run(new org.cnn4j.ops.BatchNorm.ForwardInference(bn, x, weight.value(), bias.value(), batchMean,
                    batchVar, y));
            runningMean.copyTo(hRunMean);
            runningVar.copyTo(hRunVar);
            double m = bn.momentum();
            for (int i = 0; i < c; i++) {
                hRunMean[i] = (float) ((1 - m) * hRunMean[i] + m * mean[i]);
                hRunVar[i] = (float) ((1 - m) * hRunVar[i] + m * var[i] * count / Math.max(1, count - 1));
            }
            runningMean.copyFrom(hRunMean);
            runningVar.copyFrom(hRunVar);
        }

        void backward(Tensor x, Tensor dy, Tensor dx) {
            run(new org.cnn4j.ops.BatchNorm.BackwardInference(bn, x, dy, weight.value(), batchMean, batchVar, dx,
                    weight.grad(), bias.grad()));
            weight.grad().copyTo(hA);
            bias.grad().copyTo(hB);
            for (int i = 0; i < c; i++) {
                grads[i] = hA[i];
                grads[c + i] = hB[i];
            }
            sync.sum(grads);
            weight.value().copyTo(hGamma);
            for (int i = 0; i < c; i++) {
                double invStd = 1 / Math.sqrt(var[i] + bn.epsilon());
                double s2 = grads[i];
                double s1 = grads[c + i];
                double slope = hGamma[i] * invStd * invStd * s2 / count;
                hA[i] = (float) slope;
                hB[i] = (float) (hGamma[i] * invStd * s1 / count - slope * mean[i]);
            }
            a.copyFrom(hA);
            b.copyFrom(hB);
            Tensor affine = workspace.get("sync_affine", x.shape());
            run(new org.cnn4j.ops.BatchNorm.ForwardInference(unit, x, a, b, zeros, unitVar, affine));
            run(new org.cnn4j.ops.Axpy.Run(MINUS_ONE, affine, dx));
        }
    }

    /** A power of two, so that {@code (1 - UNIT_EPSILON) + UNIT_EPSILON} is exactly 1 in float. */
    private static final double UNIT_EPSILON = 0x1p-20;
    private static final org.cnn4j.ops.Axpy MINUS_ONE = new org.cnn4j.ops.Axpy(-1);

    @Override
    public String describe() {
        return getClass().getSimpleName() + "(" + channels + ", eps=" + bn.epsilon() + ", momentum="
                + bn.momentum() + ")";
    }
}
