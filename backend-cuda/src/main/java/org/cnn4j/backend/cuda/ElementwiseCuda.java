package org.cnn4j.backend.cuda;

import static org.cnn4j.backend.cuda.CudaBackend.ptr;

import org.cnn4j.ops.Add;
import org.cnn4j.ops.Axpy;
import org.cnn4j.ops.Fill;
import org.cnn4j.ops.Scale;

/**
 * The element-wise helpers without a kernel of our own: fill by a 32-bit memset of the float's bits (exact for
 * every value, NaN and infinities included), add and scale by
 * {@code cublasSgeam} on a 1 x n matrix, axpy by {@code cublasSaxpy} (sums over axes run on reduce.k,
 * {@link org.cnn4j.kernels.host.ElementwiseLaunches}; copies are {@link CudaBackend#copy}'s device-to-device copy).
 * Without cuBLAS, {@link CudaBackend} runs add, scale and axpy on elementwise.k.
 * Not yet run on a GPU.
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
}
