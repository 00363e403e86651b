package org.cnn4j.backend.cuda;

import static org.cnn4j.backend.cuda.CudaBackend.ptr;

import org.cnn4j.ops.Gemm;
import org.cnn4j.ops.Linear;

/**
 * {@link Gemm} and {@link Linear} on cuBLAS. Row-major products go through {@link Cublas#gemmRowMajor}; a bias is
 * broadcast as the rank-1 product {@code ones[N,1] * bias[1,OUT]} added to {@code y}, and {@code dBias} is
 * {@code dy^T * ones[N]}, so no kernel of our own is needed. Without cuBLAS, {@link CudaBackend} falls through to
 * gemm.k, bias_add_f32 and the channel sum of reduce.k ({@link org.cnn4j.kernels.host.LinearLaunches}), as the
 * OpenCL backend runs them. Not yet run on a GPU.
 */
final class LinearCuda {
    private LinearCuda() {
    }

    /** Row-major {@code c[m,n] = alpha op(a) op(b) + beta c}; an empty inner dimension leaves {@code beta c}. */
    static void product(CudaBackend b, boolean transA, boolean transB, int m, int n, int k, float alpha, long a,
            long bm, float beta, long c) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (beta == 0) {
                b.rt.driver.memsetD32(c, 0, (long) m * n, b.stream);
            } else {
                b.rt.cublas.scal(b.cublasHandle, m * n, beta, c);
            }
            return;
        }
        b.rt.cublas.gemmRowMajor(b.cublasHandle, transA, transB, m, n, k, alpha, a, bm, beta, c);
    }

    static void gemm(CudaBackend b, Gemm.Run o) {
        Gemm g = o.gemm();
        int m = o.c().shape().dim(0);
        int n = o.c().shape().dim(1);
        int k = g.transA() ? o.a().shape().dim(0) : o.a().shape().dim(1);
        product(b, g.transA(), g.transB(), m, n, k, (float) g.alpha(), ptr(o.a()), ptr(o.b()), (float) g.beta(),
                ptr(o.c()));
    }

    /** {@code y[N,OUT] = x[N,IN] * weight[OUT,IN]^T (+ bias)}. */
    static void forward(CudaBackend b, Linear.Forward o) {
        int n = o.x().shape().dim(0);
        int in = o.x().shape().dim(1);
        int out = o.weight().shape().dim(0);
        product(b, false, true, n, out, in, 1f, ptr(o.x()), ptr(o.weight()), 0f, ptr(o.y()));
        if (o.bias() != null && n > 0) {
            product(b, false, false, n, out, 1, 1f, b.ones(n), ptr(o.bias()), 1f, ptr(o.y()));
        }
    }

    /** {@code dx[N,IN] = dy[N,OUT] * weight[OUT,IN]}. */
    static void backwardData(CudaBackend b, Linear.BackwardData o) {
        int n = o.dy().shape().dim(0);
        int out = o.dy().shape().dim(1);
        int in = o.weight().shape().dim(1);
        product(b, false, false, n, in, out, 1f, ptr(o.dy()), ptr(o.weight()), 0f, ptr(o.dx()));
    }

    /** {@code dWeight[OUT,IN] = dy^T x}, {@code dBias[OUT] = dy^T ones[N]}. */
    static void backwardWeights(CudaBackend b, Linear.BackwardWeights o) {
        int n = o.x().shape().dim(0);
        int in = o.x().shape().dim(1);
        int out = o.dy().shape().dim(1);
        product(b, true, false, out, in, n, 1f, ptr(o.dy()), ptr(o.x()), 0f, ptr(o.dWeight()));
        if (o.dBias() != null) {
            product(b, true, false, out, 1, n, 1f, ptr(o.dy()), n > 0 ? b.ones(n) : 0, 0f, ptr(o.dBias()));
        }
    }
}
