package org.cnn4j.ops;

import static org.cnn4j.ops.Check.fail;

import java.util.Map;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Size2d;
import org.cnn4j.core.Tensor;

/**
 * 2-D convolution (cross-correlation, as in PyTorch's {@code conv2d}) over NCHW input.
 *
 * <pre>
 *   x      [N, C, H, W]
 *   weight [K, C/groups, KH, KW]
 *   bias   [K] (optional)
 *   y      [N, K, OH, OW],  OH = floor((H + 2*padding.h - dilation.h*(KH-1) - 1) / stride.h) + 1
 *   y[n,k,oh,ow] = bias[k] + sum_{c in group(k), i, j} x[n, c, oh*sh - ph + i*dh, ow*sw - pw + j*dw] * weight[k, c', i, j]
 * </pre>
 * Padding is zeros. Output channels are split into {@code groups} blocks; block g sees input channels
 * {@code g*C/groups .. (g+1)*C/groups - 1} (AlexNet's two towers are groups = 2).
 *
 * @param stride   step of the window per axis, at least 1
 * @param padding  zeros added on each side per axis, at least 0
 * @param dilation spacing of kernel taps per axis, at least 1
 * @param groups   number of channel groups, at least 1, dividing both C and K
 */
public record Conv2d(Size2d stride, Size2d padding, Size2d dilation, int groups) {
    public Conv2d {
        Check.positive("Conv2d", "stride", stride);
        Check.nonNegative("Conv2d", "padding", padding);
        Check.positive("Conv2d", "dilation", dilation);
        Check.positive("Conv2d", "groups", groups);
    }

    /** Square stride and padding, no dilation, one group. */
    public static Conv2d of(int stride, int padding) {
        return new Conv2d(Size2d.of(stride), Size2d.of(padding), Size2d.of(1), 1);
    }

    /** The same convolution with stride {@code s}. */
    public Conv2d withStride(Size2d s) {
        return new Conv2d(s, padding, dilation, groups);
    }

    /** The same convolution with padding {@code p}. */
    public Conv2d withPadding(Size2d p) {
        return new Conv2d(stride, p, dilation, groups);
    }

    public Conv2d withGroups(int g) {
        return new Conv2d(stride, padding, dilation, g);
    }

    public Conv2d withDilation(Size2d d) {
        return new Conv2d(stride, padding, d, groups);
    }

    /** The weight shape for {@code inChannels -> outChannels} with kernel {@code kernel}. */
    public Shape weightShape(int inChannels, int outChannels, Size2d kernel) {
        if (inChannels % groups != 0 || outChannels % groups != 0) {
            throw fail("Conv2d", "groups=" + groups + " must divide inChannels=" + inChannels
                    + " and outChannels=" + outChannels);
        }
        return Shape.of(outChannels, inChannels / groups, kernel.h(), kernel.w());
    }

    /** The output shape for input {@code x} and weight {@code weight}; throws when they do not fit. */
    public Shape outputShape(Shape x, Shape weight) {
        return geometry(x, weight).outputShape();
    }

    /**
     * The sizes of this convolution of input {@code x} with weight {@code weight}: the one place they are derived
     * from the shapes and validated; throws, naming the parameter and the shapes, when they do not fit.
     */
    public Geometry geometry(Shape x, Shape weight) {
        if (x.rank() != 4) {
            throw fail("Conv2d", "x must be [N, C, H, W] but has shape " + x);
        }
        if (weight.rank() != 4) {
            throw fail("Conv2d", "weight must be [K, C/groups, KH, KW] but has shape " + weight);
        }
        int c = x.dim(1);
        int k = weight.dim(0);
        if (c % groups != 0) {
            throw fail("Conv2d", "groups=" + groups + " does not divide the " + c + " input channels of x " + x);
        }
        if (k % groups != 0) {
            throw fail("Conv2d", "groups=" + groups + " does not divide the " + k
                    + " output channels of weight " + weight);
        }
        if (weight.dim(1) != c / groups) {
            throw fail("Conv2d", "weight " + weight + " has " + weight.dim(1) + " input channels per group but x "
                    + x + " with groups=" + groups + " has " + (c / groups));
        }
        int oh = outputSize("height", x.dim(2), weight.dim(2), stride.h(), padding.h(), dilation.h(), x, weight);
        int ow = outputSize("width", x.dim(3), weight.dim(3), stride.w(), padding.w(), dilation.w(), x, weight);
        return new Geometry(x.dim(0), c, x.dim(2), x.dim(3), k, weight.dim(2), weight.dim(3), oh, ow, stride.h(),
                stride.w(), padding.h(), padding.w(), dilation.h(), dilation.w(), groups);
    }

    /**
     * The smallest input size per axis that a kernel of size {@code kernel} fits (at least one output): the
     * dilated kernel less the padding on both sides, at least 1.
     */
    public Size2d smallestInput(Size2d kernel) {
        return Size2d.of(smallest(kernel.h(), padding.h(), dilation.h()), smallest(kernel.w(), padding.w(),
                dilation.w()));
    }

    static int smallest(int kernel, int pad, int dil) {
        return (int) Math.max(1, (long) dil * (kernel - 1) + 1 - 2L * pad);
    }

    /** PyTorch's {@code floor((in + 2*pad - dil*(kernel-1) - 1) / stride) + 1}, or -1 when the kernel does not fit. */
    static long outputSize(long in, long kernel, long stride, long pad, long dil) {
        long num = in + 2 * pad - dil * (kernel - 1) - 1;
        return num < 0 ? -1 : num / stride + 1;
    }

    private static int outputSize(String axis, int in, int kernel, int stride, int pad, int dil, Shape x,
            Shape w) {
        long effective = (long) dil * (kernel - 1) + 1;
        long padded = (long) in + 2L * pad;
        if (effective > padded) {
            throw fail("Conv2d", "the " + axis + " of the dilated kernel (" + effective + ", weight " + w
                    + ") is larger than the padded input (" + padded + ", x " + x + ")");
        }
        long out = outputSize(in, kernel, stride, pad, dil);
        if (out > Integer.MAX_VALUE) {
            throw fail("Conv2d", "the output " + axis + " " + out + " (padding " + pad + ", stride " + stride
                    + ", x " + x + ", weight " + w + ") does not fit in an int");
        }
        return (int) out;
    }

    /**
     * The sizes of one convolution call, derived once from the descriptor and the shapes by
     * {@link Conv2d#geometry} (which validates them) and read by every backend, so that no backend derives a size
     * of its own. Names as in the formula of {@link Conv2d}: x [batch, inChannels, inH, inW], weight [outChannels,
     * inChannels/groups, kernelH, kernelW], y [batch, outChannels, outH, outW].
     *
     * <p>The canonical constructor checks that the sizes are those of a convolution (every size positive, groups
     * dividing both channel counts, the output sizes PyTorch's); build one through {@link Conv2d#geometry}.
     */
    public record Geometry(int batch, int inChannels, int inH, int inW, int outChannels, int kernelH, int kernelW,
            int outH, int outW, int strideH, int strideW, int paddingH, int paddingW, int dilationH, int dilationW,
            int groups) {
        public Geometry {
            if (batch < 1 || inChannels < 1 || inH < 1 || inW < 1 || outChannels < 1 || kernelH < 1 || kernelW < 1
                    || strideH < 1 || strideW < 1 || paddingH < 0 || paddingW < 0 || dilationH < 1 || dilationW < 1
                    || groups < 1 || inChannels % groups != 0 || outChannels % groups != 0
                    || outH != outputSize(inH, kernelH, strideH, paddingH, dilationH)
                    || outW != outputSize(inW, kernelW, strideW, paddingW, dilationW)) {
                throw fail("Conv2d.Geometry", "inconsistent sizes: x [" + batch + ", " + inChannels + ", " + inH
                        + ", " + inW + "], kernel " + kernelH + "x" + kernelW + ", output " + outH + "x" + outW
                        + ", stride (" + strideH + ", " + strideW + "), padding (" + paddingH + ", " + paddingW
                        + "), dilation (" + dilationH + ", " + dilationW + "), groups=" + groups);
            }
        }

        /** The descriptor these sizes were built with. */
        public Conv2d conv() {
            return new Conv2d(Size2d.of(strideH, strideW), Size2d.of(paddingH, paddingW),
                    Size2d.of(dilationH, dilationW), groups);
        }

        /** Input channels per group (the weight's second dimension). */
        public int inPerGroup() {
            return inChannels / groups;
        }

        /** Output channels per group. */
        public int outPerGroup() {
            return outChannels / groups;
        }

        /** Rows of one group's im2col column matrix: {@code inChannels/groups * kernelH * kernelW}. */
        public int colRows() {
            return inPerGroup() * kernelH * kernelW;
        }

        /** Columns of the column matrix: {@code outH * outW}. */
        public int colCols() {
            return outH * outW;
        }

        /** Elements of one input image ({@code inChannels * inH * inW}). */
        public int inImage() {
            return inChannels * inH * inW;
        }

        /** Elements of one output image ({@code outChannels * outH * outW}). */
        public int outImage() {
            return outChannels * colCols();
        }

        /** Multiply-adds of one image's forward (each backward has as many). */
        public long macsPerImage() {
            return (long) outChannels * colCols() * colRows();
        }

        /** Multiply-adds of the whole forward. */
        public long macs() {
            return batch * macsPerImage();
        }

        /** True for a 1x1 kernel with stride 1 and no padding: x itself is the column matrix. */
        public boolean pointwise() {
            return kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1 && paddingH == 0 && paddingW == 0;
        }

        /** x's shape [batch, inChannels, inH, inW]. */
        public Shape inputShape() {
            return Shape.of(batch, inChannels, inH, inW);
        }

        /** The weight's shape [outChannels, inChannels/groups, kernelH, kernelW]. */
        public Shape weightShape() {
            return Shape.of(outChannels, inPerGroup(), kernelH, kernelW);
        }

        /** y's shape [batch, outChannels, outH, outW]. */
        public Shape outputShape() {
            return Shape.of(batch, outChannels, outH, outW);
        }
    }

    private static void checkBias(String op, Tensor bias, Shape weight) {
        if (bias != null) {
            Check.shape(op, "bias", bias, Shape.of(weight.dim(0)), "one per output channel of weight " + weight);
        }
    }

    /** {@code y = conv(x, weight) + bias}. */
    public record Forward(Conv2d conv, Tensor x, Tensor weight, Tensor bias, Tensor y) implements Op {
        public Forward {
            Check.descriptor("Conv2d.Forward", "conv", conv);
            String op = "Conv2d.Forward";
            Check.present(op, "x", x);
            Check.present(op, "weight", weight);
            Check.present(op, "y", y);
            Shape out = conv.geometry(x.shape(), weight.shape()).outputShape();
            checkBias(op, bias, weight.shape());
            Check.shape(op, "y", y, out, conv + " of x " + x.shape() + " with weight " + weight.shape());
            Check.dtype(op, Check.operands("x", x, "weight", weight, "bias", bias, "y", y));
        }

        /** The sizes of this call: x with weight. */
        public Geometry geometry() {
            return conv.geometry(x.shape(), weight.shape());
        }

        @Override
        public DType dtype() {
            return x.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("x", x, "weight", weight, "bias", bias);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("y", y);
        }
    }

    /**
     * {@code dx = dL/dx} given {@code dy = dL/dy}: the full convolution of dy with the kernel rotated by 180
     * degrees (transposed convolution). {@code dx}'s shape chooses the input size when several map to one output.
     */
    public record BackwardData(Conv2d conv, Tensor dy, Tensor weight, Tensor dx) implements Op {
        public BackwardData {
            Check.descriptor("Conv2d.BackwardData", "conv", conv);
            String op = "Conv2d.BackwardData";
            Check.present(op, "dy", dy);
            Check.present(op, "weight", weight);
            Check.present(op, "dx", dx);
            Shape out = conv.geometry(dx.shape(), weight.shape()).outputShape();
            Check.shape(op, "dy", dy, out, conv + " of dx " + dx.shape() + " with weight "
                    + weight.shape());
            Check.dtype(op, Check.operands("dy", dy, "weight", weight, "dx", dx));
        }

        /** The sizes of this call: the forward of dx's shape with weight (its output is dy's shape). */
        public Geometry geometry() {
            return conv.geometry(dx.shape(), weight.shape());
        }

        @Override
        public DType dtype() {
            return dy.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("dy", dy, "weight", weight);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("dx", dx);
        }
    }

    /** {@code dWeight = dL/dweight} and, when given, {@code dBias = dL/dbias}, from {@code x} and {@code dy}. */
    public record BackwardFilter(Conv2d conv, Tensor x, Tensor dy, Tensor dWeight, Tensor dBias) implements Op {
        public BackwardFilter {
            Check.descriptor("Conv2d.BackwardFilter", "conv", conv);
            String op = "Conv2d.BackwardFilter";
            Check.present(op, "x", x);
            Check.present(op, "dy", dy);
            Check.present(op, "dWeight", dWeight);
            Shape out = conv.geometry(x.shape(), dWeight.shape()).outputShape();
            Check.shape(op, "dy", dy, out, conv + " of x " + x.shape() + " with dWeight "
                    + dWeight.shape());
            if (dBias != null) {
                Check.shape(op, "dBias", dBias, Shape.of(dWeight.shape().dim(0)), "one per output channel");
            }
            Check.dtype(op, Check.operands("x", x, "dy", dy, "dWeight", dWeight, "dBias", dBias));
        }

        /** The sizes of this call: the forward of x with dWeight's shape (its output is dy's shape). */
        public Geometry geometry() {
            return conv.geometry(x.shape(), dWeight.shape());
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
            return Check.operands("dWeight", dWeight, "dBias", dBias);
        }
    }
}
