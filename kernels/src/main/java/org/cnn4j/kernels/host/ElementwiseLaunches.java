package org.cnn4j.kernels.host;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.Add;
import org.cnn4j.ops.Axpy;
import org.cnn4j.ops.Fill;
import org.cnn4j.ops.Scale;
import org.cnn4j.ops.SumAxes;

/** Element-wise helpers (elementwise.k), one work-item per element, and sums over axes (reduce.k). */
public final class ElementwiseLaunches {
    private ElementwiseLaunches() {
    }

    public static void fill(KernelHost b, Fill.Run o) {
        int total = o.y().size();
        b.kernel("elementwise", "fill_f32").p("y", o.y()).f("value", o.fill().value()).i("total", total)
                .elements(total);
    }

    public static void add(KernelHost b, Add.Run o) {
        int total = o.a().size();
        b.kernel("elementwise", "add_f32").p("a", o.a()).p("b", o.b()).p("out", o.out()).f("alpha", o.add().alpha())
                .f("beta", o.add().beta()).i("total", total).elements(total);
    }

    public static void scale(KernelHost b, Scale.Run o) {
        int total = o.x().size();
        b.kernel("elementwise", "scale_f32").p("x", o.x()).p("out", o.out()).f("alpha", o.scale().alpha())
                .i("total", total).elements(total);
    }

    public static void axpy(KernelHost b, Axpy.Run o) {
        int total = o.x().size();
        b.kernel("elementwise", "axpy_f32").p("x", o.x()).p("y", o.y()).f("alpha", o.axpy().alpha()).i("total", total)
                .elements(total);
    }

    /**
     * y = x summed over the axes (sum_axes_f32): one work-group per output element. The axes' sizes and strides
     * travel in a small int buffer: [nk, kept dims, kept strides, ns, summed dims, summed strides].
     */
    public static void sumAxes(KernelHost b, SumAxes.Run o) {
        Shape x = o.x().shape();
        int rank = x.rank();
        int ns = o.sum().axes().length;
        int nk = rank - ns;
        int[] meta = new int[2 + 2 * rank];
        meta[0] = nk;
        meta[1 + 2 * nk] = ns;
        int k = 0;
        int s = 0;
        int count = 1;
        for (int a = 0; a < rank; a++) {
            if (o.sum().sums(a)) {
                meta[2 + 2 * nk + s] = x.dim(a);
                meta[2 + 2 * nk + ns + s] = x.strideOf(a);
                count *= x.dim(a);
                s++;
            } else {
                meta[1 + k] = x.dim(a);
                meta[1 + nk + k] = x.strideOf(a);
                k++;
            }
        }
        long metaBuffer = b.temp(meta.length); // ints, 4 bytes each like floats
        try {
            b.writeInts(metaBuffer, meta);
            b.kernel("reduce", "sum_axes_f32").p("x", o.x()).p("y", o.y()).p("meta", metaBuffer).i("count", count)
                    .groups(o.y().size(), KernelHost.REDUCE_WG);
        } finally {
            b.freeTemp(metaBuffer, meta.length);
        }
    }
}
