package org.cnn4j.backend.opencl;

import static org.cnn4j.backend.opencl.OpenClBackend.mem;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.Add;
import org.cnn4j.ops.Axpy;
import org.cnn4j.ops.Copy;
import org.cnn4j.ops.Fill;
import org.cnn4j.ops.Scale;
import org.cnn4j.ops.SumAxes;

/** Element-wise helpers (elementwise.k), copies ({@code clEnqueueCopyBuffer}) and sums over axes (reduce.k). */
final class ElementwiseOpenCl {
    private ElementwiseOpenCl() {
    }

    static void fill(OpenClBackend b, Fill.Run o) {
        int total = o.y().size();
        b.kernel("elementwise", "fill_f32").mem(o.y()).f(o.fill().value()).i(total).elements(total);
    }

    static void copy(OpenClBackend b, Copy.Run o) {
        if (mem(o.x()) != mem(o.y())) { // a view of the same buffer already holds the values
            b.copy(mem(o.x()), mem(o.y()), (long) o.x().size() * Float.BYTES);
        }
    }

    static void add(OpenClBackend b, Add.Run o) {
        int total = o.a().size();
        b.kernel("elementwise", "add_f32").mem(o.a()).mem(o.b()).mem(o.out()).f(o.add().alpha()).f(o.add().beta())
                .i(total).elements(total);
    }

    static void scale(OpenClBackend b, Scale.Run o) {
        int total = o.x().size();
        b.kernel("elementwise", "scale_f32").mem(o.x()).mem(o.out()).f(o.scale().alpha()).i(total).elements(total);
    }

    static void axpy(OpenClBackend b, Axpy.Run o) {
        int total = o.x().size();
        b.kernel("elementwise", "axpy_f32").mem(o.x()).mem(o.y()).f(o.axpy().alpha()).i(total).elements(total);
    }

    /**
     * y = x summed over the axes: one work-group per output element. The axes' sizes and strides travel in a
     * small int buffer: [nk, kept dims, kept strides, ns, summed dims, summed strides].
     */
    static void sumAxes(OpenClBackend b, SumAxes.Run o) {
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
        long bytes = (long) meta.length * Integer.BYTES;
        long metaMem = b.obtain(bytes);
        try {
            b.writeInts(metaMem, meta);
            b.kernel("reduce", "sum_axes_f32").mem(o.x()).mem(o.y()).mem(metaMem).i(count)
                    .groups(o.y().size(), OpenClBackend.REDUCE_WG);
        } finally {
            b.recycle(metaMem, bytes);
        }
    }
}
