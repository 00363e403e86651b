package org.cnn4j.ops;

import static org.cnn4j.ops.Check.fail;

import java.util.Map;
import java.util.Objects;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Size2d;
import org.cnn4j.core.Tensor;

/**
 * 2-D max or average pooling over NCHW input, with PyTorch's semantics ({@code max_pool2d}, {@code avg_pool2d}).
 *
 * <pre>
 *   OH = floor_or_ceil((H + 2*padding.h - dilation.h*(kernel.h - 1) - 1) / stride.h) + 1
 *   with ceilMode, a last window that would start at or beyond H + padding.h is dropped
 *   window of output oh: input rows oh*stride.h - padding.h + i*dilation.h, i in [0, kernel.h)
 * </pre>
 * Max pooling treats padding as -infinity and propagates NaN (a NaN in the window is the maximum); its backward
 * routes the gradient to the element PyTorch picks, scanning the window in row-major order and taking a value when
 * {@code value > max || isNaN(value)}: the first of equal maxima, the last NaN when there are NaNs. Average pooling divides by the window
 * clipped to the padded input when {@code countIncludePad}, otherwise by the number of real input elements in it.
 * Padding may be at most half the kernel (not of the dilated extent), as PyTorch requires. Dilation spaces the
 * window's taps as {@code max_pool2d(dilation=...)}; PyTorch's {@code avg_pool2d} has no dilation, so average
 * pooling requires dilation 1. Max pooling reads only the taps inside the input; a dilated window whose taps all
 * fall in the padding is -infinity and receives no gradient (PyTorch's forward gives -infinity there too).
 *
 * @param dilation spacing of the window's taps per axis, at least 1; only max pooling may have more than 1
 */
public record Pool2d(Mode mode, Size2d kernel, Size2d stride, Size2d padding, boolean ceilMode,
        boolean countIncludePad, Size2d dilation) {

    /** Pooling function. */
    public enum Mode { MAX, AVG }

    public Pool2d {
        Objects.requireNonNull(mode, "mode");
        Check.positive("Pool2d", "kernel", kernel);
        Check.positive("Pool2d", "stride", stride);
        Check.nonNegative("Pool2d", "padding", padding);
        if (padding.h() > kernel.h() / 2 || padding.w() > kernel.w() / 2) {
            throw fail("Pool2d", "padding " + padding + " must be at most half of kernel " + kernel);
        }
        Check.positive("Pool2d", "dilation", dilation);
        if (mode == Mode.AVG && (dilation.h() != 1 || dilation.w() != 1)) {
            throw fail("Pool2d", "dilation " + dilation + " is defined only for MAX pooling; AVG pooling needs"
                    + " dilation (1, 1) (PyTorch's avg_pool2d has no dilation)");
        }
    }

    /** Without dilation (dilation 1 on both axes). */
    public Pool2d(Mode mode, Size2d kernel, Size2d stride, Size2d padding, boolean ceilMode,
            boolean countIncludePad) {
        this(mode, kernel, stride, padding, ceilMode, countIncludePad, Size2d.of(1));
    }

    /** True when the window's taps are spaced (dilation other than 1 on an axis). */
    public boolean dilated() {
        return dilation.h() != 1 || dilation.w() != 1;
    }

    /** Max pooling with a square window and stride, no padding, floor mode. */
    public static Pool2d max(int kernel, int stride) {
        return new Pool2d(Mode.MAX, Size2d.of(kernel), Size2d.of(stride), Size2d.of(0), false, true);
    }

    /** Average pooling with a square window and stride, no padding, floor mode, padding counted. */
    public static Pool2d avg(int kernel, int stride) {
        return new Pool2d(Mode.AVG, Size2d.of(kernel), Size2d.of(stride), Size2d.of(0), false, true);
    }

    public Pool2d withPadding(Size2d p) {
        return new Pool2d(mode, kernel, stride, p, ceilMode, countIncludePad, dilation);
    }

    public Pool2d withCeilMode(boolean c) {
        return new Pool2d(mode, kernel, stride, padding, c, countIncludePad, dilation);
    }

    public Pool2d withCountIncludePad(boolean c) {
        return new Pool2d(mode, kernel, stride, padding, ceilMode, c, dilation);
    }

    /** The same pooling with its taps spaced by {@code d} ({@code max_pool2d(dilation=d)}); MAX only unless 1. */
    public Pool2d withDilation(Size2d d) {
        return new Pool2d(mode, kernel, stride, padding, ceilMode, countIncludePad, d);
    }

    /** The output shape for input {@code x}; throws when the window does not fit. */
    public Shape outputShape(Shape x) {
        if (x.rank() != 4) {
            throw fail("Pool2d", "x must be [N, C, H, W] but has shape " + x);
        }
        int oh = outputSize("height", x.dim(2), kernel.h(), stride.h(), padding.h(), dilation.h(), x);
        int ow = outputSize("width", x.dim(3), kernel.w(), stride.w(), padding.w(), dilation.w(), x);
        return Shape.of(x.dim(0), x.dim(1), oh, ow);
    }

    private int outputSize(String axis, int in, int k, int s, int p, int d, Shape x) {
        long num = (long) in + 2L * p - (long) d * (k - 1) - 1;
        if (num < 0) {
            throw fail("Pool2d", "the " + axis + " of kernel " + kernel + (d != 1 ? " dilated by " + dilation : "")
                    + " is larger than the padded input x " + x + " with padding " + padding);
        }
        long o = (ceilMode ? Math.ceilDiv(num, s) : num / s) + 1;
        if (ceilMode && (o - 1) * s >= (long) in + p) {
            o--;
        }
        if (o > Integer.MAX_VALUE) {
            throw fail("Pool2d", "the output " + axis + " " + o + " (padding " + padding + ", stride " + stride
                    + ", x " + x + ") does not fit in an int");
        }
        return (int) o;
    }

    /** {@code y = pool(x)}. */
    public record Forward(Pool2d pool, Tensor x, Tensor y) implements Op {
        public Forward {
            Check.descriptor("Pool2d.Forward", "pool", pool);
            String op = "Pool2d.Forward";
            Check.present(op, "x", x);
            Check.shape(op, "y", y, pool.outputShape(x.shape()), pool + " of x " + x.shape());
            Check.dtype(op, Check.operands("x", x, "y", y));
        }

        @Override
        public DType dtype() {
            return x.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("x", x);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("y", y);
        }
    }

    /** {@code dx = dL/dx} given {@code dy}; max pooling recomputes the arg-max from {@code x}. */
    public record Backward(Pool2d pool, Tensor x, Tensor dy, Tensor dx) implements Op {
        public Backward {
            Check.descriptor("Pool2d.Backward", "pool", pool);
            String op = "Pool2d.Backward";
            Check.present(op, "x", x);
            Check.shape(op, "dy", dy, pool.outputShape(x.shape()), pool + " of x " + x.shape());
            Check.sameShape(op, "dx", dx, "x", x);
            Check.dtype(op, Check.operands("x", x, "dy", dy, "dx", dx));
        }

        @Override
        public DType dtype() {
            return x.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("x", x, "dy", dy);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("dx", dx);
        }
    }
}
