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
        return geometry(x).outputShape();
    }

    /**
     * The sizes of this pooling of input {@code x}: the one place they are derived from the shape and validated;
     * throws, naming the parameter and the shape, when the window does not fit.
     */
    public Geometry geometry(Shape x) {
        if (x.rank() != 4) {
            throw fail("Pool2d", "x must be [N, C, H, W] but has shape " + x);
        }
        int oh = outputSize("height", x.dim(2), kernel.h(), stride.h(), padding.h(), dilation.h(), x);
        int ow = outputSize("width", x.dim(3), kernel.w(), stride.w(), padding.w(), dilation.w(), x);
        return new Geometry(mode, x.dim(0), x.dim(1), x.dim(2), x.dim(3), oh, ow, kernel.h(), kernel.w(), stride.h(),
                stride.w(), padding.h(), padding.w(), dilation.h(), dilation.w(), ceilMode, countIncludePad);
    }

    /** The smallest input size per axis with at least one window: the dilated window less the padding, at least 1. */
    public Size2d smallestInput() {
        return Size2d.of(Conv2d.smallest(kernel.h(), padding.h(), dilation.h()),
                Conv2d.smallest(kernel.w(), padding.w(), dilation.w()));
    }

    /**
     * PyTorch's pooling output size: {@code floor_or_ceil((in + 2p - d*(k-1) - 1) / s) + 1}, less one in ceil mode
     * when the last window would start at or beyond {@code in + p}; -1 when the window does not fit.
     */
    static long outputSize(long in, long k, long s, long p, long d, boolean ceil) {
        long num = in + 2 * p - d * (k - 1) - 1;
        if (num < 0) {
            return -1;
        }
        long o = (ceil ? Math.ceilDiv(num, s) : num / s) + 1;
        if (ceil && (o - 1) * s >= in + p) {
            o--;
        }
        return o;
    }

    private int outputSize(String axis, int in, int k, int s, int p, int d, Shape x) {
        long o = outputSize(in, k, s, p, d, ceilMode);
        if (o < 0) {
            throw fail("Pool2d", "the " + axis + " of kernel " + kernel + (d != 1 ? " dilated by " + dilation : "")
                    + " is larger than the padded input x " + x + " with padding " + padding);
        }
        if (o > Integer.MAX_VALUE) {
            throw fail("Pool2d", "the output " + axis + " " + o + " (padding " + padding + ", stride " + stride
                    + ", x " + x + ") does not fit in an int");
        }
        return (int) o;
    }

    /**
     * The sizes of one pooling call, derived once from the descriptor and the input shape by
     * {@link Pool2d#geometry} (which validates them) and read by every backend, so that no backend derives a size
     * of its own: x [batch, channels, inH, inW], y [batch, channels, outH, outW], the window and its rules.
     *
     * <p>The canonical constructor checks that the sizes are those of a pooling (every size positive, padding at
     * most half the kernel, dilation for max pooling only, the output sizes PyTorch's); build one through
     * {@link Pool2d#geometry}.
     */
    public record Geometry(Mode mode, int batch, int channels, int inH, int inW, int outH, int outW, int kernelH,
            int kernelW, int strideH, int strideW, int paddingH, int paddingW, int dilationH, int dilationW,
            boolean ceilMode, boolean countIncludePad) {
        public Geometry {
            Objects.requireNonNull(mode, "mode");
            if (batch < 1 || channels < 1 || inH < 1 || inW < 1 || kernelH < 1 || kernelW < 1 || strideH < 1
                    || strideW < 1 || paddingH < 0 || paddingW < 0 || paddingH > kernelH / 2
                    || paddingW > kernelW / 2
                    || dilationH < 1 || dilationW < 1 || (mode == Mode.AVG && (dilationH != 1 || dilationW != 1))
                    || outH != outputSize(inH, kernelH, strideH, paddingH, dilationH, ceilMode)
                    || outW != outputSize(inW, kernelW, strideW, paddingW, dilationW, ceilMode)) {
                throw fail("Pool2d.Geometry", "inconsistent sizes: " + mode + " x [" + batch + ", " + channels + ", "
                        + inH + ", " + inW + "], kernel " + kernelH + "x" + kernelW + ", output " + outH + "x" + outW
                        + ", stride (" + strideH + ", " + strideW + "), padding (" + paddingH + ", " + paddingW
                        + "), dilation (" + dilationH + ", " + dilationW + "), ceilMode=" + ceilMode);
            }
        }

        /** The descriptor these sizes were built with. */
        public Pool2d pool() {
            return new Pool2d(mode, Size2d.of(kernelH, kernelW), Size2d.of(strideH, strideW),
                    Size2d.of(paddingH, paddingW), ceilMode, countIncludePad, Size2d.of(dilationH, dilationW));
        }

        /** True for max pooling. */
        public boolean max() {
            return mode == Mode.MAX;
        }

        /** True when the window's taps are spaced (dilation other than 1 on an axis). */
        public boolean dilated() {
            return dilationH != 1 || dilationW != 1;
        }

        /** The (n, c) planes, each pooled on its own: {@code batch * channels}. */
        public int planes() {
            return batch * channels;
        }

        /** True when the output is floor mode's (ceil mode, if set, adds no window). */
        public boolean floorShaped() {
            return outH == outputSize(inH, kernelH, strideH, paddingH, dilationH, false)
                    && outW == outputSize(inW, kernelW, strideW, paddingW, dilationW, false);
        }

        /** x's shape [batch, channels, inH, inW]. */
        public Shape inputShape() {
            return Shape.of(batch, channels, inH, inW);
        }

        /** y's shape [batch, channels, outH, outW]. */
        public Shape outputShape() {
            return Shape.of(batch, channels, outH, outW);
        }
    }

    /** {@code y = pool(x)}. */
    public record Forward(Pool2d pool, Tensor x, Tensor y) implements Op {
        public Forward {
            Check.descriptor("Pool2d.Forward", "pool", pool);
            String op = "Pool2d.Forward";
            Check.present(op, "x", x);
            Check.shape(op, "y", y, pool.geometry(x.shape()).outputShape(), pool + " of x " + x.shape());
            Check.dtype(op, Check.operands("x", x, "y", y));
        }

        /** The sizes of this call. */
        public Geometry geometry() {
            return pool.geometry(x.shape());
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
            Check.shape(op, "dy", dy, pool.geometry(x.shape()).outputShape(), pool + " of x " + x.shape());
            Check.sameShape(op, "dx", dx, "x", x);
            Check.dtype(op, Check.operands("x", x, "dy", dy, "dx", dx));
        }

        /** The sizes of this call (its output size is dy's). */
        public Geometry geometry() {
            return pool.geometry(x.shape());
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
