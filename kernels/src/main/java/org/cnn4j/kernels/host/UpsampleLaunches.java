package org.cnn4j.kernels.host;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.Upsample;

/**
 * Nearest-neighbour upsampling (upsample.k): one work-item per output (forward), one per input cell (backward, a
 * gather without atomics). The float index scales are computed here, in Java's IEEE arithmetic, so no device
 * division decides an index.
 */
public final class UpsampleLaunches {
    private UpsampleLaunches() {
    }

    private static KernelHost.Launch geometry(KernelHost.Launch l, Upsample up, Shape x, Shape y) {
        int h = x.dim(2);
        int w = x.dim(3);
        int oh = y.dim(2);
        int ow = y.dim(3);
        return l.i("H", h).i("W", w).i("OH", oh).i("OW", ow).f("scaleH", up.indexScaleH(h, oh))
                .f("scaleW", up.indexScaleW(w, ow));
    }

    public static void forward(KernelHost b, Upsample.Forward o) {
        int total = o.y().size();
        geometry(b.kernel("upsample", "upsample_nearest_forward_f32").p("x", o.x())
                .p("y", o.y()), o.up(), o.x().shape(), o.y().shape()).i("total", total).elements(total);
    }

    public static void backward(KernelHost b, Upsample.Backward o) {
        int total = o.dx().size();
        geometry(b.kernel("upsample", "upsample_nearest_backward_f32").p("dy", o.dy())
                .p("dx", o.dx()), o.up(), o.dx().shape(), o.dy().shape()).i("total", total).elements(total);
    }
}
