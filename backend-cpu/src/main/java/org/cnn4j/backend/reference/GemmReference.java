package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ReferenceBackend.data;
import static org.cnn4j.backend.reference.ReferenceBackend.finish;

import org.cnn4j.ops.Gemm;

/**
 * General matrix multiply on row-major matrices, as BLAS: {@code c = alpha * op(a) * op(b) + beta * c}.
 *
 * <pre>
 *   op(a) [M, K]: a is [M, K], or [K, M] when transA;   op(b) [K, N]: b is [K, N], or [N, K] when transB
 *   c[i,j] = alpha * sum_p op(a)[i,p] * op(b)[p,j] + beta * c[i,j]      (c not read when beta == 0)
 * </pre>
 */
final class GemmReference {
    private GemmReference() {
    }

    static void run(Gemm.Run o) {
        Gemm g = o.gemm();
        int m = o.c().shape().dim(0);
        int n = o.c().shape().dim(1);
        int k = g.transA() ? o.a().shape().dim(0) : o.a().shape().dim(1);
        double[] a = data(o.a());
        double[] b = data(o.b());
        double[] c = data(o.c());
        // c is read and written: the new values go to a fresh array, copied over c at the end
        double[] result = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double aip = g.transA() ? a[p * m + i] : a[i * k + p];
                    double bpj = g.transB() ? b[j * k + p] : b[p * n + j];
                    s += aip * bpj;
                }
                // beta == 0 ignores c entirely, so NaN or infinity in the old c does not propagate
                result[i * n + j] = g.alpha() * s + (g.beta() == 0 ? 0 : g.beta() * c[i * n + j]);
            }
        }
        System.arraycopy(result, 0, c, 0, result.length);
        finish(o.c());
    }
}
