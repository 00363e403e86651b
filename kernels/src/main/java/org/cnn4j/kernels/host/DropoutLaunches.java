package org.cnn4j.kernels.host;

import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Dropout;

/**
 * Dropout (dropout.k): the mask is Philox4x32-10 of (seed, flat index), the same function as
 * {@link org.cnn4j.ops.Philox#draw24}, so forward, backward and every backend agree element for element.
 */
public final class DropoutLaunches {
    private DropoutLaunches() {
    }

    /** {@code out = in * mask * scale}: the forward on x, the backward on dy. */
    public static void apply(KernelHost b, Dropout d, Tensor in, Tensor out) {
        int total = in.size();
        long seed = d.seed();
        // the scale as a float pair hi + lo, so the kernel can round in * scale as the double product does
        float hi = (float) d.scale();
        b.kernel("dropout", "dropout_f32").p("in", in).p("out", out).i("k0", (int) seed).i("k1", (int) (seed >>> 32))
                .i("threshold", d.threshold()).f("scaleHi", hi).f("scaleLo", d.scale() - hi).i("total", total)
                .elements(total);
    }
}
