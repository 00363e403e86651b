package org.cnn4j.nn.layers;

import java.util.SplittableRandom;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Size2d;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Init;
import org.cnn4j.nn.Layer;
import org.cnn4j.nn.Parameter;

/** 2-D convolution, PyTorch's {@code nn.Conv2d}: weight [out, in/groups, kh, kw], optional bias [out]. */
public final class Conv2d extends Layer {
    private final org.cnn4j.ops.Conv2d conv;
    private final int inChannels;
    private final int outChannels;
    private final Size2d kernel;
    private final Parameter weight;
    private final Parameter bias;
    private Tensor x;

    public Conv2d(Backend backend, int inChannels, int outChannels, Size2d kernel, org.cnn4j.ops.Conv2d conv,
            boolean bias) {
        super(backend);
        this.conv = conv;
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernel = kernel;
        this.weight = addParameter("weight", conv.weightShape(inChannels, outChannels, kernel), true);
        this.bias = bias ? addParameter("bias", Shape.of(outChannels), false) : null;
        initialize(Init.PYTORCH_DEFAULT, new SplittableRandom(0));
    }

    /** A shared copy of {@code owner} (see {@link Layer#sharedCopy()}). */
    private Conv2d(Conv2d owner) {
        super(owner.backend());
        this.conv = owner.conv;
        this.inChannels = owner.inChannels;
        this.outChannels = owner.outChannels;
        this.kernel = owner.kernel;
        this.weight = shareParameter(owner.weight);
        this.bias = owner.bias == null ? null : shareParameter(owner.bias);
    }

    @Override
    public Conv2d sharedCopy() {
        return new Conv2d(this);
    }

    /** Square kernel, stride and padding, one group, with bias. */
    public Conv2d(Backend backend, int inChannels, int outChannels, int kernel, int stride, int padding) {
        this(backend, inChannels, outChannels, Size2d.of(kernel), org.cnn4j.ops.Conv2d.of(stride, padding), true);
    }

    /** Square kernel, stride and padding, {@code groups} channel groups, with bias. */
    public Conv2d(Backend backend, int inChannels, int outChannels, int kernel, int stride, int padding,
            int groups) {
        this(backend, inChannels, outChannels, Size2d.of(kernel),
                org.cnn4j.ops.Conv2d.of(stride, padding).withGroups(groups), true);
    }

    public org.cnn4j.ops.Conv2d op() {
        return conv;
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    @Override
    public void initialize(Init init, SplittableRandom rng) {
        int area = kernel.h() * kernel.w();
        int fanIn = inChannels / conv.groups() * area;
        int fanOut = outChannels / conv.groups() * area;
        init.weight(weight.value(), fanIn, fanOut, rng);
        if (bias != null) {
            init.bias(bias.value(), fanIn, rng);
        }
    }

    @Override
    public Shape outputShape(Shape input) {
        return conv.outputShape(input, weight.shape());
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = workspace.get("y", outputShape(x.shape()));
        run(new org.cnn4j.ops.Conv2d.Forward(conv, x, weight.value(), bias == null ? null : bias.value(), y));
        this.x = x;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        run(new org.cnn4j.ops.Conv2d.BackwardFilter(conv, x, dy, weight.grad(),
                bias == null ? null : bias.grad()));
        if (!needsInputGradient()) {
            return null;
        }
        Tensor dx = workspace.get("dx", x.shape());
        run(new org.cnn4j.ops.Conv2d.BackwardData(conv, dy, weight.value(), dx));
        return dx;
    }

    @Override
    public String describe() {
        return "Conv2d(" + inChannels + ", " + outChannels + ", kernel=" + kernel + ", stride=" + conv.stride()
                + ", padding=" + conv.padding() + (conv.groups() != 1 ? ", groups=" + conv.groups() : "")
                + (bias == null ? ", bias=False" : "") + ")";
    }
}
