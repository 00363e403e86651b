package org.cnn4j.nn.models;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Size2d;
import org.cnn4j.nn.Init;
import org.cnn4j.nn.Layer;
import org.cnn4j.nn.MetaBackend;
import org.cnn4j.nn.Parameter;
import org.cnn4j.nn.Summary;
import org.cnn4j.nn.layers.Activation;
import org.cnn4j.nn.layers.BatchNorm2d;
import org.cnn4j.nn.layers.Conv2d;
import org.cnn4j.nn.layers.Graph;
import org.cnn4j.nn.layers.MaxPool2d;
import org.cnn4j.nn.layers.Sequential;
import org.cnn4j.nn.layers.Upsample;

/**
 * Seed 003's face detector, a RetinaNet (Lin et al., "Focal Loss for Dense Object Detection") as a {@link Graph}
 * with eight outputs: the classification logits of pyramid levels P3 to P6, then their box regressions.
 *
 * <ul>
 *   <li>Backbone: a ResNet ({@link ResNets}) whose stages 2, 3 and 4 give C3, C4, C5 (strides 8, 16, 32), under
 *       torchvision's names ({@code backbone.body.layer2.0.conv1.weight}).</li>
 *   <li>Feature pyramid, torchvision's {@code FeaturePyramidNetwork}: a 1x1 lateral convolution per level
 *       ({@code backbone.fpn.inner_blocks.i}), the level above upsampled by 2 (nearest) and added, a 3x3
 *       convolution per level ({@code backbone.fpn.layer_blocks.i}); P6 is a 3x3 stride-2 convolution of P5
 *       ({@code backbone.fpn.extra_blocks.p6}), as torchvision's {@code LastLevelP6P7} without P7: seed 003 uses
 *       P3 to P6. The input's height and width must be multiples of 32, so that each level is exactly twice the
 *       next (the batching pads to that, as torchvision's transform pads to {@code size_divisible=32}).</li>
 *   <li>Heads shared across the levels (one set of weights applied to P3 ... P6): classification
 *       ({@code head.classification_head}: {@code conv} 3x3 convolutions with ReLU, then {@code cls_logits}, A x K
 *       channels) and regression ({@code head.regression_head}: {@code conv}, then {@code bbox_reg}, A x 4
 *       channels). Seed 003 gives the classification head 3 convolutions and the regression head 2, counted here
 *       with the output convolution (2 + 1 and 1 + 1); torchvision's RetinaNet has 4 + 1 each.</li>
 *   <li>Initialisation: the backbone and pyramid as the zoo's other models; the heads' convolutions N(0, 0.01)
 *       with zero bias, and {@code cls_logits}' bias {@code -log((1 - 0.01) / 0.01)}, so every anchor starts at a
 *       foreground probability of 0.01 (the paper's prior, torchvision's initialisation).</li>
 * </ul>
 *
 * <p>Output layout: level {@code l}'s classification map is {@code [N, A*K, H_l, W_l]} with the logit of anchor
 * {@code a} and class {@code k} at channel {@code a*K + k}; the regression map {@code [N, A*4, H_l, W_l]} with
 * {@code (dx, dy, dw, dh)} of anchor {@code a} at channels {@code a*4 .. a*4 + 3}. The anchors of a cell are those of
 * {@code org.cnn4j.nn.detection.AnchorGenerator} in the same order.
 *
 * @param net            the graph (owned)
 * @param classes        K, the object classes (1 for faces)
 * @param anchorsPerCell A, anchors at each position of each level
 * @param strides        the levels' strides in pixels (8, 16, 32, 64)
 * @param channels       input channels
 */
public record RetinaNet(Graph net, int classes, int anchorsPerCell, int[] strides, int channels)
        implements AutoCloseable {
    /** The number of pyramid levels (P3 to P6). */
    public static final int LEVELS = 4;
    /** The classification prior of the paper: every anchor starts at this foreground probability. */
    public static final double PRIOR = 0.01;

    /**
     * The shape of a detector: backbone block kind, blocks per stage and stage widths, the pyramid's and heads'
     * channels, and the heads' depths (convolutions with ReLU before the output convolution).
     */
    public record Design(ResNets.Block block, int[] blocks, int[] widths, int pyramid, int clsDepth, int regDepth) {
        /** Seed 003's detector: ResNet-50, a 256-channel pyramid, heads of 2 + 1 and 1 + 1 convolutions. */
        public static Design seed003() {
            return new Design(ResNets.Block.BOTTLENECK, new int[] {3, 4, 6, 3}, new int[] {64, 128, 256, 512}, 256,
                    2, 1);
        }

        /** The same design small enough to train on two cores: one basic block a stage, 16 to 128 channels. */
        public static Design small() {
            return new Design(ResNets.Block.BASIC, new int[] {1, 1, 1, 1}, new int[] {16, 32, 64, 128}, 64, 2, 1);
        }
    }

    /** Builds a detector of {@code design} for {@code channels}-channel images, K = {@code classes}. */
    public static RetinaNet create(Backend b, Design design, int channels, int classes, int anchorsPerCell,
            Init init, long seed) {
        if (classes < 1 || anchorsPerCell < 1) {
            throw new IllegalArgumentException("RetinaNet: classes (" + classes + ") and anchors per cell ("
                    + anchorsPerCell + ") must be at least 1");
        }
        Graph net = build(b, design, channels, classes, anchorsPerCell);
        try {
            net.initialize(init, new SplittableRandom(seed));
            initializeHeads(net, new SplittableRandom(seed ^ 0x5DEECE66DL));
            net.needsInputGradient(false);
            return new RetinaNet(net, classes, anchorsPerCell, new int[] {8, 16, 32, 64}, channels);
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    private static Graph build(Backend b, Design d, int channels, int classes, int anchors) {
        try (Graph.Builder g = Graph.builder(b)) {
            Graph.Node x = g.input();
            int stem = d.widths()[0];
            Graph.Node h = g.apply("backbone.body.conv1", new Conv2d(b, channels, stem, Size2d.of(7),
                    org.cnn4j.ops.Conv2d.of(2, 3), false), x);
            h = g.apply("backbone.body.bn1", new BatchNorm2d(b, stem), h);
            h = g.apply("backbone.body.relu", Activation.relu(b), h);
            h = g.apply("backbone.body.maxpool", new MaxPool2d(b, org.cnn4j.ops.Pool2d.max(3, 2)
                    .withPadding(Size2d.of(1))), h);
            List<Graph.Node> c = new ArrayList<>();
            List<Integer> cChannels = new ArrayList<>();
            int in = stem;
            for (int s = 0; s < d.blocks().length; s++) {
                Sequential stage = new Sequential(b);
                for (int k = 0; k < d.blocks()[s]; k++) {
                    int stride = k == 0 && s > 0 ? 2 : 1;
                    stage.add(Integer.toString(k), d.block() == ResNets.Block.BASIC
                            ? ResNets.basicBlock(b, in, d.widths()[s], stride)
                            : ResNets.bottleneck(b, in, d.widths()[s], stride));
                    in = d.widths()[s] * d.block().expansion();
                }
                h = g.apply("backbone.body.layer" + (s + 1), stage, h);
                if (s >= 1) {
                    c.add(h);
                    cChannels.add(in);
                }
            }
            int p = d.pyramid();
            // top-down pathway: P5 from C5, then each level = lateral(C_l) + upsample(inner of the level above)
            Graph.Node[] pLevels = new Graph.Node[3];
            Graph.Node last = g.apply("backbone.fpn.inner_blocks.2", conv(b, cChannels.get(2), p, 1, 1, true), c.get(2));
            pLevels[2] = g.apply("backbone.fpn.layer_blocks.2", conv(b, p, p, 3, 1, true), last);
            for (int l = 1; l >= 0; l--) {
                Graph.Node lateral = g.apply("backbone.fpn.inner_blocks." + l, conv(b, cChannels.get(l), p, 1, 1,
                        true), c.get(l));
                Graph.Node up = g.apply("backbone.fpn.upsample." + l, new Upsample(b, 2), last);
                last = g.add("backbone.fpn.merge." + l, lateral, up);
                pLevels[l] = g.apply("backbone.fpn.layer_blocks." + l, conv(b, p, p, 3, 1, true), last);
            }
            Graph.Node p6 = g.apply("backbone.fpn.extra_blocks.p6", conv(b, p, p, 3, 2, true), pLevels[2]);
            Graph.Node[] levels = {pLevels[0], pLevels[1], pLevels[2], p6};
            Sequential cls = head(b, p, d.clsDepth(), anchors * classes, "cls_logits");
            Sequential reg = head(b, p, d.regDepth(), anchors * 4, "bbox_reg");
            Graph.Node[] outs = new Graph.Node[2 * LEVELS];
            for (int l = 0; l < LEVELS; l++) {
                outs[l] = g.apply("head.classification_head", cls, levels[l]);
                outs[LEVELS + l] = g.apply("head.regression_head", reg, levels[l]);
            }
            return g.build(outs);
        }
    }

    /** {@code conv}: {@code depth} x (3x3 convolution, ReLU) as torchvision's {@code Conv2dNormActivation}s, then the output convolution. */
    private static Sequential head(Backend b, int channels, int depth, int out, String outName) {
        Sequential convs = new Sequential(b);
        Sequential head = new Sequential(b);
        try {
            for (int i = 0; i < depth; i++) {
                convs.add(Integer.toString(i), new Sequential(b).add(conv(b, channels, channels, 3, 1, true))
                        .add(Activation.relu(b)));
            }
            head.add("conv", convs);
            head.add(outName, conv(b, channels, out, 3, 1, true));
            return head;
        } catch (RuntimeException e) {
            convs.close();
            head.close();
            throw e;
        }
    }

    private static Conv2d conv(Backend b, int in, int out, int kernel, int stride, boolean bias) {
        return new Conv2d(b, in, out, Size2d.of(kernel), org.cnn4j.ops.Conv2d.of(stride, kernel / 2), bias);
    }

    /** The heads' initialisation (torchvision's RetinaNet heads): N(0, 0.01) weights, zero biases, the prior bias. */
    private static void initializeHeads(Graph net, SplittableRandom rng) {
        if (net.backend() instanceof MetaBackend) {
            return;
        }
        double prior = -Math.log((1 - PRIOR) / PRIOR);
        for (Map.Entry<String, Parameter> e : net.parameters().entrySet()) {
            String name = e.getKey();
            if (!name.startsWith("head.")) {
                continue;
            }
            float[] v = new float[e.getValue().shape().size()];
            if (name.endsWith(".weight")) {
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (0.01 * rng.nextGaussian());
                }
            } else if (name.endsWith("cls_logits.bias")) {
                java.util.Arrays.fill(v, (float) prior);
            }
            e.getValue().value().copyFrom(v);
        }
    }

    /** The output shapes for a batch of {@code n} images of {@code height} x {@code width}: 4 classification maps, then 4 regression maps. */
    public List<Shape> outputShapes(int n, int height, int width) {
        if (height % 32 != 0 || width % 32 != 0) {
            throw new IllegalArgumentException("RetinaNet: the input's height and width must be multiples of 32 (pad "
                    + "the batch) but are " + height + " x " + width);
        }
        return net.outputShapes(Shape.of(n, channels, height, width));
    }

    /** The summary of the whole graph for one image of {@code height} x {@code width}. */
    public Summary summary(int height, int width) {
        return Summary.of(net, Shape.of(channels, height, width));
    }

    /** The layer tree (for checkpoints: {@code Checkpoint.loadWeights(file, detector.layer())}). */
    public Layer layer() {
        return net;
    }

    @Override
    public void close() {
        net.close();
    }
}
