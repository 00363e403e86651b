package org.cnn4j.kernels.host;

import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Loss;

/**
 * Losses (loss.k): per-row or per-element terms, written as the output for reduction NONE,
 * otherwise summed to the scalar by one work-group ({@link KernelHost#reduceScalar}); MEAN over class-index
 * targets then divides by the count of non-ignored targets on the device.
 */
public final class LossLaunches {
    private LossLaunches() {
    }

    private static int kind(Loss fn) {
        return switch (fn.kind()) {
            case SOFTMAX_CROSS_ENTROPY -> 0;
            case MSE -> 1;
            case MAE -> 2;
            case HINGE -> 3;
            case BCE_WITH_LOGITS -> 4;
            case SIGMOID_FOCAL -> 5;
            case SMOOTH_L1 -> 6;
        };
    }

    /** Rows over axis 1 of input [N, C, d1, ...]: {rows, C, inner}. */
    private static int[] rows(Shape s) {
        int inner = 1;
        for (int i = 2; i < s.rank(); i++) {
            inner *= s.dim(i);
        }
        return new int[] {s.dim(0) * inner, s.dim(1), inner};
    }

    /**
     * The factor of a row's loss and gradient: hinge's rows hold 1/C; MEAN divides by the rows (N*inner) or, for
     * class indices, by the count of non-ignored targets (a separate division, {@code loss_divide_f32}).
     */
    private static double rowScale(Loss fn, int rows, int c, boolean indices) {
        double perRow = fn.kind() == Loss.Kind.HINGE ? 1.0 / c : 1.0;
        return switch (fn.reduction()) {
            case MEAN -> indices ? perRow : perRow / rows;
            case SUM -> perRow / fn.divisor();
            case NONE -> perRow;
        };
    }

    private static double elementScale(Loss fn, int total) {
        return switch (fn.reduction()) {
            case MEAN -> 1.0 / total;
            case SUM -> 1.0 / fn.divisor();
            case NONE -> 1.0;
        };
    }

    public static void forward(KernelHost b, Loss.Forward o) {
        Loss fn = o.fn();
        long input = b.buffer(o.input());
        long target = b.buffer(o.target());
        long loss = b.buffer(o.loss());
        boolean none = fn.reduction() == Loss.Reduction.NONE;
        if (fn.kind().elementwise()) {
            int size = o.input().size();
            if (!none && o.weight() == null && (fn.kind() == Loss.Kind.MSE || fn.kind() == Loss.Kind.MAE)) {
                // the difference kept exact (TwoSum) before it is squared or its absolute value summed
                b.reduceScalar(input, target, loss, size, fn.kind() == Loss.Kind.MSE ? 2 : 3,
                        elementScale(fn, size));
                return;
            }
            long terms = none ? loss : b.temp(size);
            try {
                b.kernel("loss", "loss_elements_f32").p("x", input).p("t", target)
                        .p("w", o.weight() == null ? input : b.buffer(o.weight())).p("out", terms).i("kind", kind(fn))
                        .i("total", size).i("hasW", o.weight() == null ? 0 : 1).f("alpha", fn.alpha())
                        .f("gamma", fn.gamma()).f("beta", fn.beta()).f("scale", 1.0).elements(size);
                if (!none) {
                    b.reduceScalar(terms, terms, loss, size, 0, elementScale(fn, size));
                }
            } finally {
                if (!none) {
                    b.freeTemp(terms, size);
                }
            }
            return;
        }
        int[] g = rows(o.input().shape());
        int n = g[0];
        boolean indices = o.classIndices();
        long terms = none ? loss : b.temp(n);
        try {
            double perRow = fn.kind() == Loss.Kind.HINGE ? 1.0 / g[1] : 1.0;
            b.kernel("loss", "loss_rows_f32").p("x", input).p("t", target).p("rowLoss", terms).i("kind", kind(fn))
                    .i("rows", n).i("C", g[1]).i("inner", g[2]).i("indices", indices ? 1 : 0)
                    .i("ignoreIndex", fn.ignoreIndex()).f("margin", fn.margin()).f("scale", none ? perRow : 1.0)
                    .elements(n);
            if (!none) {
                b.reduceScalar(terms, terms, loss, n, 0, rowScale(fn, n, g[1], indices));
                if (indices && fn.reduction() == Loss.Reduction.MEAN) {
                    long count = countTargets(b, o.target(), n, fn.ignoreIndex());
                    try {
                        // 0/0 = NaN when every target is ignored, as PyTorch
                        b.kernel("loss", "loss_divide_f32").p("out", loss).p("count", count).i("n", 1).elements(1);
                    } finally {
                        b.freeTemp(count, 1);
                    }
                }
            }
        } finally {
            if (!none) {
                b.freeTemp(terms, n);
            }
        }
    }

    /** A 1-float scratch holding the number of class-index targets that are not ignoreIndex. */
    private static long countTargets(KernelHost b, Tensor target, int n, int ignoreIndex) {
        long counts = b.temp(n);
        try {
            b.kernel("loss", "loss_index_counts_f32").p("t", target).p("counts", counts).i("rows", n)
                    .i("ignoreIndex", ignoreIndex).elements(n);
            long count = b.temp(1);
            b.reduceScalar(counts, counts, count, n, 0, 1.0);
            return count;
        } finally {
            b.freeTemp(counts, n);
        }
    }

    public static void backward(KernelHost b, Loss.Backward o) {
        Loss fn = o.fn();
        long input = b.buffer(o.input());
        long up = o.dLoss() == null ? input : b.buffer(o.dLoss());
        int hasUp = o.dLoss() == null ? 0 : 1;
        if (fn.kind().elementwise()) {
            int total = o.input().size();
            b.kernel("loss", "loss_elements_backward_f32").p("x", input).p("t", o.target())
                    .p("w", o.weight() == null ? input : b.buffer(o.weight())).p("up", up).p("d", o.dInput())
                    .i("kind", kind(fn)).i("total", total).i("hasW", o.weight() == null ? 0 : 1).i("hasUp", hasUp)
                    .f("alpha", fn.alpha()).f("gamma", fn.gamma()).f("beta", fn.beta())
                    .f("scale", elementScale(fn, total)).elements(total);
            return;
        }
        int[] g = rows(o.input().shape());
        int n = g[0];
        boolean indices = o.classIndices();
        boolean divide = indices && fn.reduction() == Loss.Reduction.MEAN;
        long count = divide ? countTargets(b, o.target(), n, fn.ignoreIndex()) : input;
        try {
            b.kernel("loss", "loss_rows_backward_f32").p("x", input).p("t", o.target()).p("up", up).p("count", count)
                    .p("d", o.dInput()).i("kind", kind(fn)).i("rows", n).i("C", g[1]).i("inner", g[2])
                    .i("indices", indices ? 1 : 0).i("ignoreIndex", fn.ignoreIndex()).f("margin", fn.margin())
                    .f("scale", rowScale(fn, n, g[1], indices)).i("hasUp", hasUp).i("hasCount", divide ? 1 : 0)
                    .elements(n);
        } finally {
            if (divide) {
                b.freeTemp(count, 1);
            }
        }
    }
}
