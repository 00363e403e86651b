package org.cnn4j.ops;

import static org.cnn4j.ops.Check.fail;

import java.util.Map;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;

/**
 * General matrix multiply on row-major rank-2 tensors, as BLAS: {@code c = alpha * op(a) * op(b) + beta * c},
 * {@code op(m)} being {@code m} or its transpose. With {@code beta = 0}, {@code c} is not read (NaN in it does not
 * propagate), as in BLAS. {@code a} and {@code b} are always read: with {@code alpha = 0} a NaN or infinity in them
 * still gives NaN (IEEE arithmetic, as PyTorch's {@code addmm}), unlike BLAS, which skips them.
 *
 * @param transA use a^T ({@code a} is [K, M]) instead of a ({@code a} is [M, K])
 * @param transB use b^T ({@code b} is [N, K]) instead of b ({@code b} is [K, N])
 * @param alpha  scale of the product, finite
 * @param beta   scale of the old {@code c}, finite
 */
public record Gemm(boolean transA, boolean transB, double alpha, double beta) {
    public Gemm {
        Check.finite("Gemm", "alpha", alpha);
        Check.finite("Gemm", "beta", beta);
    }

    /** {@code c = a * b}. */
    public static Gemm plain() {
        return new Gemm(false, false, 1, 0);
    }

    /** The shape of {@code c} for {@code a} and {@code b}. */
    public Shape outputShape(Shape a, Shape b) {
        if (a.rank() != 2 || b.rank() != 2) {
            throw fail("Gemm", "a " + a + " and b " + b + " must both have rank 2");
        }
        int m = transA ? a.dim(1) : a.dim(0);
        int ka = transA ? a.dim(0) : a.dim(1);
        int kb = transB ? b.dim(1) : b.dim(0);
        int n = transB ? b.dim(0) : b.dim(1);
        if (ka != kb) {
            throw fail("Gemm", "inner dimensions differ: op(a) of a " + a + " (transA=" + transA + ") has K=" + ka
                    + " but op(b) of b " + b + " (transB=" + transB + ") has K=" + kb);
        }
        return Shape.of(m, n);
    }

    /** {@code c = alpha * op(a) * op(b) + beta * c}. */
    public record Run(Gemm gemm, Tensor a, Tensor b, Tensor c) implements Op {
        public Run {
            Check.descriptor("Gemm.Run", "gemm", gemm);
            String op = "Gemm.Run";
            Check.present(op, "a", a);
            Check.present(op, "b", b);
            Check.shape(op, "c", c, gemm.outputShape(a.shape(), b.shape()), "op(a) * op(b)");
            Check.dtype(op, Check.operands("a", a, "b", b, "c", c));
        }

        @Override
        public DType dtype() {
            return a.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return gemm.beta() == 0 ? Check.operands("a", a, "b", b) : Check.operands("a", a, "b", b, "c", c);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("c", c);
        }
    }
}
