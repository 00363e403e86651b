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
        return Shape.of(x.dim(0), k, oh, ow);
    }

    private static int outputSize(String axis, int in, int kernel, int stride, int pad, int dil, Shape x,
            Shape w) {
        long effective = (long) dil * (kernel - 1) + 1;
        long padded = (long) in + 2L * pad;
        if (effective > padded) {
            throw fail("Conv2d", "the " + axis + " of the dilated kernel (" + effective + ", weight " + w
                    + ") is larger than the padded input (" + padded + ", x " + x + ")");
        }
        long out = (padded - effective) / stride + 1;
        if (out > Integer.MAX_VALUE) {
            throw fail("Conv2d", "the output " + axis + " " + out + " (padding " + pad + ", stride " + stride
                    + ", x " + x + ", weight " + w + ") does not fit in an int");
        }
        return (int) out;
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
            Shape out = conv.outputShape(x.shape(), weight.shape());
            checkBias(op, bias, weight.shape());
            Check.shape(op, "y", y, out, conv + " of x " + x.shape() + " with weight " + weight.shape());
            Check.dtype(op, Check.operands("x", x, "weight", weight, "bias", bias, "y", y));
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
            Shape out = conv.outputShape(dx.shape(), weight.shape());
            Check.shape(op, "dy", dy, out, conv + " of dx " + dx.shape() + " with weight "
                    + weight.shape());
            Check.dtype(op, Check.operands("dy", dy, "weight", weight, "dx", dx));
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
            Shape out = conv.outputShape(x.shape(), dWeight.shape());
            Check.shape(op, "dy", dy, out, conv + " of x " + x.shape() + " with dWeight "
                    + dWeight.shape());
            if (dBias != null) {
                Check.shape(op, "dBias", dBias, Shape.of(dWeight.shape().dim(0)), "one per output channel");
            }
            Check.dtype(op, Check.operands("x", x, "dy", dy, "dWeight", dWeight, "dBias", dBias));
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
