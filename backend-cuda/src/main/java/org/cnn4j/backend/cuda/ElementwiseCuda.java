package org.cnn4j.backend.cuda;

import static org.cnn4j.backend.cuda.CudaBackend.ptr;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.Add;
import org.cnn4j.ops.Axpy;
import org.cnn4j.ops.Copy;
import org.cnn4j.ops.Fill;
import org.cnn4j.ops.Scale;
import org.cnn4j.ops.SumAxes;

/**
 * The element-wise helpers without a kernel of our own: fill by a 32-bit memset of the float's bits (exact for
 * every value, NaN and infinities included), copy by a device-to-device copy, add and scale by
 * {@code cublasSgeam} on a 1 x n matrix, axpy by {@code cublasSaxpy}; sums over axes on reduce.k. Not yet run on
 * a GPU.
 */
final class ElementwiseCuda {
    private ElementwiseCuda() {
    }

    static void fill(CudaBackend b, Fill.Run o) {
        int n = o.y().size();
        if (n > 0) {
            b.rt.driver.memsetD32(ptr(o.y()), Float.floatToRawIntBits((float) o.fill().value()), n, b.stream);
        }
    }

    static void copy(CudaBackend b, Copy.Run o) {
        long bytes = (long) o.x().size() * Float.BYTES;
        if (bytes > 0 && ptr(o.x()) != ptr(o.y())) {
            b.rt.driver.copyDeviceToDevice(ptr(o.y()), ptr(o.x()), bytes, b.stream);
        }
    }

    static void add(CudaBackend b, Add.Run o) {
        int n = o.out().size();
        if (n > 0) {
            b.rt.cublas.geam(b.cublasHandle, n, (float) o.add().alpha(), ptr(o.a()), (float) o.add().beta(),
                    ptr(o.b()), ptr(o.out()));
        }
    }

    static void scale(CudaBackend b, Scale.Run o) {
        int n = o.out().size();
        if (n > 0) {
            b.rt.cublas.geam(b.cublasHandle, n, (float) o.scale().alpha(), ptr(o.x()), 0f, ptr(o.x()),
                    ptr(o.out()));
        }
    }

    static void axpy(CudaBackend b, Axpy.Run o) {
        int n = o.y().size();
        if (n > 0) {
            b.rt.cublas.axpy(b.cublasHandle, n, (float) o.axpy().alpha(), ptr(o.x()), ptr(o.y()));
        }
    }

    /**
     * y = x summed over the axes (reduce.k, sum_axes_f32): one block per output element. The axes' sizes and
     * strides travel in a small int array on the device: [nk, kept dims, kept strides, ns, summed dims, summed
     * strides].
     */
    static void sumAxes(CudaBackend b, SumAxes.Run o) {
        int outputs = o.y().size();
        if (outputs == 0) {
            return;
        }
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
        long metaPtr = b.temp(meta.length); // ints, 4 bytes each like floats
        try {
            b.writeInts(metaPtr, meta);
            b.kernel("reduce", "sum_axes_f32").p(o.x()).p(o.y()).p(metaPtr).i(count)
                    .groups(outputs, CudaBackend.REDUCE_WG);
        } finally {
            b.freeTemp(metaPtr, meta.length);
        }
    }
}
