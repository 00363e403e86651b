package org.cnn4j.nn;

import java.util.SplittableRandom;
import org.cnn4j.core.Tensor;

/**
 * Seeded weight initialisation for convolution and linear layers. {@code fanIn} is in-channels per group times
 * the kernel area (or in-features), {@code fanOut} out-channels times the kernel area (or out-features), as in
 * {@code torch.nn.init}.
 *
 * <pre>
 *   PYTORCH_DEFAULT  weight ~ U(-1/sqrt(fanIn), 1/sqrt(fanIn))  (kaiming_uniform_ with a = sqrt(5)),
 *                    bias   ~ U(-1/sqrt(fanIn), 1/sqrt(fanIn))
 *   KAIMING_UNIFORM  weight ~ U(-b, b), b = sqrt(2) * sqrt(3 / fanIn)   (He, for ReLU), bias 0
 *   KAIMING_NORMAL   weight ~ N(0, 2 / fanIn), bias 0
 *   XAVIER_UNIFORM   weight ~ U(-b, b), b = sqrt(6 / (fanIn + fanOut))  (Glorot), bias 0
 *   XAVIER_NORMAL    weight ~ N(0, 2 / (fanIn + fanOut)), bias 0
 * </pre>
 */
public enum Init {
    PYTORCH_DEFAULT, KAIMING_UNIFORM, KAIMING_NORMAL, XAVIER_UNIFORM, XAVIER_NORMAL;

    /** Fills a weight tensor. */
    public void weight(Tensor w, int fanIn, int fanOut, SplittableRandom rng) {
        if (w.backend() instanceof MetaBackend) {
            return;
        }
        float[] v = new float[w.size()];
        switch (this) {
            case PYTORCH_DEFAULT -> uniform(v, 1.0 / Math.sqrt(fanIn), rng);
            case KAIMING_UNIFORM -> uniform(v, Math.sqrt(2.0) * Math.sqrt(3.0 / fanIn), rng);
            case KAIMING_NORMAL -> normal(v, Math.sqrt(2.0 / fanIn), rng);
            case XAVIER_UNIFORM -> uniform(v, Math.sqrt(6.0 / (fanIn + fanOut)), rng);
            case XAVIER_NORMAL -> normal(v, Math.sqrt(2.0 / (fanIn + fanOut)), rng);
        }
        w.copyFrom(v);
    }

    /** Fills a bias tensor. */
    public void bias(Tensor b, int fanIn, SplittableRandom rng) {
        if (b.backend() instanceof MetaBackend) {
            return;
        }
        float[] v = new float[b.size()];
        if (this == PYTORCH_DEFAULT) {
            uniform(v, 1.0 / Math.sqrt(fanIn), rng);
        }
        b.copyFrom(v);
    }

    /** The scheme for a flag value ({@code kaiming-uniform}, {@code xavier_normal}, {@code default}). */
    public static Init parse(String s) {
        String n = s.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        if (n.equals("DEFAULT")) {
            return PYTORCH_DEFAULT;
        }
        if (n.equals("HE")) {
            return KAIMING_NORMAL;
        }
        if (n.equals("GLOROT")) {
            return XAVIER_UNIFORM;
        }
        return valueOf(n);
    }

    private static void uniform(float[] v, double bound, SplittableRandom rng) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        }
    }

    private static void normal(float[] v, double std, SplittableRandom rng) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rng.nextGaussian() * std);
        }
    }
}
