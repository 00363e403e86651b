package org.cnn4j.nn.models;

import org.cnn4j.core.Backend;
import org.cnn4j.core.Size2d;
import org.cnn4j.nn.layers.Activation;
import org.cnn4j.nn.layers.BatchNorm2d;
import org.cnn4j.nn.layers.Conv2d;
import org.cnn4j.nn.layers.Flatten;
import org.cnn4j.nn.layers.GlobalAvgPool2d;
import org.cnn4j.nn.layers.Graph;
import org.cnn4j.nn.layers.Linear;
import org.cnn4j.nn.layers.MaxPool2d;
import org.cnn4j.nn.layers.Sequential;

/**
 * Residual networks (He et al., "Deep Residual Learning for Image Recognition", 2016) as torchvision builds them
 * ({@code torchvision.models.resnet}, v1.5: the stride of a bottleneck is on its 3x3 convolution), with the same
 * module tree, so that the state-dict names are torchvision's ({@code conv1.weight}, {@code layer1.0.bn1.running_mean},
 * {@code layer2.0.downsample.0.weight}, {@code fc.bias}) and a torchvision {@code state_dict} loads by name.
 *
 * <p>Each residual block is a {@link Graph}: the convolution path, the shortcut (the input itself, or a 1x1 strided
 * convolution and batch norm, {@code downsample}, when the stride or the width changes), their sum, then ReLU.
 * A stage ({@code layer1} ... {@code layer4}) is a {@link Sequential} of blocks, the network a {@code Sequential}
 * of the stem, the stages, global average pooling, flatten and the classifier.
 *
 * <p>The CIFAR variants replace the 7x7 stride-2 stem and its max pooling by a 3x3 stride-1 convolution, the usual
 * change for 32x32 inputs. {@link #cifar20} is He et al.'s CIFAR-10 ResNet-20 (section 4.2: 16, 32, 64 channels,
 * three blocks a stage) with projection shortcuts (option B) where the shape changes.
 */
public final class ResNets {
    private ResNets() {
    }

    /** The two block kinds. */
    public enum Block {
        /** Two 3x3 convolutions (ResNet-18, -34). */
        BASIC(1),
        /** 1x1, 3x3, 1x1 convolutions, widening by 4 (ResNet-50 and deeper). */
        BOTTLENECK(4);

        private final int expansion;

        Block(int expansion) {
            this.expansion = expansion;
        }

        /** The factor from a stage's width to its output channels. */
        public int expansion() {
            return expansion;
        }
    }

    /**
     * A torchvision ResNet: {@code block}, {@code blocks[i]} blocks in stage {@code i + 1} of widths 64, 128, 256,
     * 512, on {@code inChannels}-channel images, {@code classes} outputs; {@code cifarStem} for the 3x3 stem.
     */
    public static Sequential resnet(Backend b, Block block, int[] blocks, int inChannels, int classes,
            boolean cifarStem) {
        return build(b, block, blocks, new int[] {64, 128, 256, 512}, inChannels, classes, cifarStem);
    }

    /** He et al.'s CIFAR ResNet with {@code n} basic blocks a stage (n = 3: ResNet-20): widths 16, 32, 64. */
    public static Sequential cifar20(Backend b, int n, int inChannels, int classes) {
        return build(b, Block.BASIC, new int[] {n, n, n}, new int[] {16, 32, 64}, inChannels, classes, true);
    }

    private static Sequential build(Backend b, Block block, int[] blocks, int[] widths, int inChannels, int classes,
            boolean cifarStem) {
        if (blocks.length != widths.length) {
            throw new IllegalArgumentException("ResNet: " + blocks.length + " stage sizes for " + widths.length
                    + " widths");
        }
        Sequential net = new Sequential(b);
        try {
            int stem = widths[0];
            if (cifarStem) {
                net.add("conv1", conv(b, inChannels, stem, 3, 1));
            } else {
                net.add("conv1", conv(b, inChannels, stem, 7, 2));
            }
            net.add("bn1", new BatchNorm2d(b, stem));
            net.add("relu", Activation.relu(b));
            if (!cifarStem) {
                net.add("maxpool", new MaxPool2d(b, org.cnn4j.ops.Pool2d.max(3, 2).withPadding(Size2d.of(1))));
            }
            int in = stem;
            for (int s = 0; s < blocks.length; s++) {
                Sequential stage = new Sequential(b);
                net.add("layer" + (s + 1), stage);
                for (int k = 0; k < blocks[s]; k++) {
                    int stride = k == 0 && s > 0 ? 2 : 1;
                    stage.add(Integer.toString(k), block == Block.BASIC ? basicBlock(b, in, widths[s], stride)
                            : bottleneck(b, in, widths[s], stride));
                    in = widths[s] * block.expansion();
                }
            }
            net.add("avgpool", new GlobalAvgPool2d(b));
            net.add("flatten", new Flatten(b));
            net.add("fc", new Linear(b, in, classes));
            return net;
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    /** torchvision's {@code BasicBlock}: conv3x3-BN-ReLU-conv3x3-BN, plus the shortcut, then ReLU. */
    public static Graph basicBlock(Backend b, int in, int planes, int stride) {
        try (Graph.Builder g = Graph.builder(b)) {
            Graph.Node x = g.input();
            Activation relu = Activation.relu(b);
            Graph.Node h = g.apply("conv1", conv(b, in, planes, 3, stride), x);
            h = g.apply("bn1", new BatchNorm2d(b, planes), h);
            h = g.apply("relu", relu, h);
            h = g.apply("conv2", conv(b, planes, planes, 3, 1), h);
            h = g.apply("bn2", new BatchNorm2d(b, planes), h);
            Graph.Node shortcut = shortcut(g, b, x, in, planes, stride);
            return g.build(g.apply("relu", relu, g.add(h, shortcut)));
        }
    }

    /** torchvision's {@code Bottleneck} (v1.5): conv1x1-BN-ReLU-conv3x3(stride)-BN-ReLU-conv1x1-BN, shortcut, ReLU. */
    public static Graph bottleneck(Backend b, int in, int planes, int stride) {
        int out = planes * Block.BOTTLENECK.expansion();
        try (Graph.Builder g = Graph.builder(b)) {
            Graph.Node x = g.input();
            Activation relu = Activation.relu(b);
            Graph.Node h = g.apply("conv1", conv(b, in, planes, 1, 1), x);
            h = g.apply("bn1", new BatchNorm2d(b, planes), h);
            h = g.apply("relu", relu, h);
            h = g.apply("conv2", conv(b, planes, planes, 3, stride), h);
            h = g.apply("bn2", new BatchNorm2d(b, planes), h);
            h = g.apply("relu", relu, h);
            h = g.apply("conv3", conv(b, planes, out, 1, 1), h);
            h = g.apply("bn3", new BatchNorm2d(b, out), h);
            Graph.Node shortcut = shortcut(g, b, x, in, out, stride);
            return g.build(g.apply("relu", relu, g.add(h, shortcut)));
        }
    }

    /** The input itself, or {@code downsample} (1x1 convolution with the stride, batch norm) when shapes change. */
    private static Graph.Node shortcut(Graph.Builder g, Backend b, Graph.Node x, int in, int out, int stride) {
        if (stride == 1 && in == out) {
            return x;
        }
        Sequential down = new Sequential(b);
        try {
            down.add(conv(b, in, out, 1, stride));
            down.add(new BatchNorm2d(b, out));
        } catch (RuntimeException e) {
            down.close();
            throw e;
        }
        return g.apply("downsample", down, x);
    }

    /** A convolution without bias, padded to keep the size at stride 1 (torchvision's conv3x3 / conv1x1). */
    private static Conv2d conv(Backend b, int in, int out, int kernel, int stride) {
        return new Conv2d(b, in, out, Size2d.of(kernel), org.cnn4j.ops.Conv2d.of(stride, kernel / 2), false);
    }
}
