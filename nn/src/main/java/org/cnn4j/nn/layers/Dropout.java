package org.cnn4j.nn.layers;

import java.util.SplittableRandom;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Init;
import org.cnn4j.nn.Layer;

/**
 * Inverted dropout, PyTorch's {@code nn.Dropout}: in training mode each forward draws a new mask, keyed by the
 * next seed of a seeded sequence ({@code seed(k) = splitmix64(baseSeed + k * golden)}, k = 0, 1, 2...); the
 * backward reuses that mask. In inference mode it passes its input through. The position {@code k} is part of
 * a checkpoint, so a resumed run draws the same masks.
 */
public final class Dropout extends Layer {
    private final double p;
    private long baseSeed;
    private long counter;
    private int replica;
    private org.cnn4j.ops.Dropout current;
    private Shape inputShape;

    public Dropout(Backend backend, double p, long baseSeed) {
        super(backend);
        this.current = new org.cnn4j.ops.Dropout(p, 0);
        this.p = p;
        this.baseSeed = baseSeed;
    }

    public double p() {
        return p;
    }

    /** How many masks have been drawn. */
    public long counter() {
        return counter;
    }

    public void setCounter(long counter) {
        this.counter = counter;
    }

    public long baseSeed() {
        return baseSeed;
    }

    /**
     * Makes this layer draw the masks of data-parallel replica {@code rank}: replica 0 draws the one-process
     * sequence, the others sequences keyed by their rank, so replicas drop different units of their shares.
     */
    public void setReplica(int rank) {
        if (rank < 0) {
            throw new IllegalArgumentException("rank must be >= 0 but is " + rank);
        }
        this.replica = rank;
    }

    /** Restores the sequence's key (from a checkpoint). */
    public void setBaseSeed(long baseSeed) {
        this.baseSeed = baseSeed;
    }

    @Override
    public void initialize(Init init, SplittableRandom rng) {
        this.baseSeed = rng.nextLong();
        this.counter = 0;
    }

    /** The seed of the mask number {@code k}. */
    public static long seedAt(long baseSeed, long k) {
        long z = baseSeed + (k + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public Tensor forward(Tensor x) {
        inputShape = x.shape();
        if (!isTraining() || p == 0) {
            return x;
        }
        long key = replica == 0 ? baseSeed : seedAt(baseSeed ^ 0x5851F42D4C957F2DL, -1 - replica);
        current = new org.cnn4j.ops.Dropout(p, seedAt(key, counter++));
        Tensor y = workspace.get("y", x.shape());
        run(new org.cnn4j.ops.Dropout.Forward(current, x, y));
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (!needsInputGradient()) {
            return null;
        }
        if (!isTraining() || p == 0) {
            return dy;
        }
        Tensor dx = workspace.get("dx", inputShape);
        run(new org.cnn4j.ops.Dropout.Backward(current, dy, dx));
        return dx;
    }

    @Override
    public String describe() {
        return "Dropout(p=" + p + ")";
    }
}
