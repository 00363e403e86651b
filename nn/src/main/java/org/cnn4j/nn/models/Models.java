package org.cnn4j.nn.models;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.nn.Init;
import org.cnn4j.nn.Layer;
import org.cnn4j.nn.layers.Activation;
import org.cnn4j.nn.layers.BatchNorm2d;
import org.cnn4j.nn.layers.Conv2d;
import org.cnn4j.nn.layers.Dropout;
import org.cnn4j.nn.layers.Flatten;
import org.cnn4j.nn.layers.Linear;
import org.cnn4j.nn.layers.MaxPool2d;
import org.cnn4j.nn.layers.Sequential;

/**
 * The model zoo: the networks the seed documents describe, built layer by layer so that their summaries give
 * the parameter counts the documents print.
 *
 * <ul>
 *   <li>{@code lenet5}: LeNet-5 as seed 002 describes it (conv 6@5x5 padding 2 on 28x28, max pool 2, conv
 *       16@5x5, max pool 2, 120, 84, classes; ReLU): 61,706 parameters on 28x28x1.</li>
 *   <li>{@code alexnet}: AlexNet in one tower, seed 000 table 1 (227x227x3, 1000 classes): 62,378,344. Local
 *       response normalization is left out (it has no parameters and no operator here).</li>
 *   <li>{@code alexnet-2tower}: the two towers of the original as grouped convolutions (groups = 2 in conv2,
 *       conv4, conv5), seed 002: 60,965,224.</li>
 *   <li>{@code seed002-cnn}: the small VGG-style CNN of seed 002 (Keras: conv 32 3x3 same + ReLU, BN, conv 32,
 *       BN, max pool 2, dropout 0.25, the same with 64, flatten, dense 64 + ReLU, dropout 0.25, dense classes):
 *       267,178 (266,794 trainable) on 28x28x1, 329,194 (328,810) on 32x32x3. Keras' defaults: Glorot-uniform
 *       weights, zero biases, batch norm epsilon 1e-3 and momentum 0.99 (PyTorch momentum 0.01).</li>
 *   <li>{@code seed002-dense}: its dense baseline (128, 64, 32, classes; ReLU): 111,146 on 28x28x1, 404,010 on
 *       32x32x3.</li>
 *   <li>{@code seed003-mnist}: seed 003's MNIST network, three blocks of conv 5x5 stride 2 + BN + ReLU then a
 *       linear classifier feeding the softmax. The seed does not print channel counts; this uses 32, 64, 128
 *       with padding 2 (28 to 14, 7, 4): 278,410 parameters, 277,962 trainable.</li>
 *   <li>{@code resnet18}, {@code resnet34}, {@code resnet50}: torchvision's ResNets ({@link ResNets}), with its
 *       state-dict names; 11,689,512, 21,797,672 and 25,557,032 trainable parameters on 224x224x3 with 1000
 *       classes, as torchvision counts them.</li>
 *   <li>{@code resnet18-cifar}, {@code resnet34-cifar}, {@code resnet50-cifar}: the same with a 3x3 stride-1 stem
 *       and no max pooling, for 32x32 images (resnet18-cifar: 11,173,962 trainable parameters for 10 classes).</li>
 *   <li>{@code resnet20}: He et al.'s CIFAR-10 ResNet-20 (16, 32, 64 channels, three basic blocks a stage,
 *       1x1 projection shortcuts where the shape changes, the paper's option B): 272,474 trainable parameters
 *       (269,722 with the paper's parameter-free option A), small enough to train on two cores.</li>
 *   <li>{@code seed003-detector}: seed 003's RetinaNet-style face detector ({@link RetinaNet}: ResNet-50, a
 *       P3-P6 feature pyramid, shared heads; K = 1 by default), and {@code seed003-detector-small}, the same
 *       design with a small ResNet for 1-channel 128x128 images. Their nets are graphs with eight outputs
 *       (classification and regression per level), trained by {@code org.cnn4j.nn.detection}, not by
 *       {@code Trainer}.</li>
 * </ul>
 */
public final class Models {
    /** The zoo's names. */
    public static final List<String> NAMES = List.of("lenet5", "alexnet", "alexnet-2tower", "seed002-cnn",
            "seed002-dense", "seed003-mnist", "resnet18", "resnet34", "resnet50", "resnet18-cifar", "resnet34-cifar",
            "resnet50-cifar", "resnet20", "seed003-detector", "seed003-detector-small");

    /** The detectors among {@link #NAMES}. */
    public static final List<String> DETECTORS = List.of("seed003-detector", "seed003-detector-small");

    /** Anchors per position of each pyramid level: 3 scales x 3 aspect ratios, as RetinaNet. */
    public static final int DETECTOR_ANCHORS = 9;

    private Models() {
    }

    /** The sample shape a model is defined for when the data set does not say (e.g. for {@code summary}). */
    public static Shape defaultSample(String name) {
        String n = canonical(name);
        if (n.equals("seed003-detector")) {
            return Shape.of(3, 512, 512);
        }
        if (n.equals("seed003-detector-small")) {
            return Shape.of(1, 128, 128);
        }
        if (n.startsWith("resnet")) {
            return n.endsWith("-cifar") || n.equals("resnet20") ? Shape.of(3, 32, 32) : Shape.of(3, 224, 224);
        }
        return switch (n) {
            case "alexnet", "alexnet-2tower" -> Shape.of(3, 227, 227);
            default -> Shape.of(1, 28, 28);
        };
    }

    /** The default number of classes: 1000 for AlexNet and the ImageNet ResNets, 1 for detectors, else 10. */
    public static int defaultClasses(String name) {
        String n = canonical(name);
        if (DETECTORS.contains(n)) {
            return 1;
        }
        return n.startsWith("alexnet") || defaultSample(n).dim(1) == 224 ? 1000 : 10;
    }

    /** The initialisation a model uses unless asked otherwise. */
    public static Init defaultInit(String name) {
        return canonical(name).startsWith("seed002") ? Init.XAVIER_UNIFORM : Init.PYTORCH_DEFAULT;
    }

    /** Builds {@code name} for samples of {@code sample} (C, H, W), with its default initialisation. */
    public static Model create(String name, Backend backend, Shape sample, int classes, long seed) {
        return create(name, backend, sample, classes, seed, defaultInit(name));
    }

    /** Builds {@code name} and initialises it with {@code init} from {@code seed}. */
    public static Model create(String name, Backend backend, Shape sample, int classes, long seed, Init init) {
        String n = canonical(name);
        if (sample.rank() != 3) {
            throw new IllegalArgumentException("sample shape must be C, H, W but is " + sample);
        }
        if (n.startsWith("resnet")) {
            return resnet(n, name, backend, sample, classes, seed, init);
        }
        if (DETECTORS.contains(n)) {
            RetinaNet d = detector(n, backend, sample.dim(0), classes, seed, init);
            return new Model(n, d.net(), sample, classes);
        }
        Sequential net = new Sequential(backend);
        try {
            switch (n) {
                case "lenet5" -> lenet5(net, backend, sample, classes);
                case "alexnet" -> alexnet(net, backend, sample, classes, 1);
                case "alexnet-2tower" -> alexnet(net, backend, sample, classes, 2);
                case "seed002-cnn" -> seed002Cnn(net, backend, sample, classes);
                case "seed002-dense" -> seed002Dense(net, backend, sample, classes);
                case "seed003-mnist" -> seed003(net, backend, sample, classes);
                default -> throw new IllegalArgumentException("unknown model '" + name + "'; choose one of "
                        + String.join(", ", NAMES));
            }
            net.initialize(init, new SplittableRandom(seed));
            net.needsInputGradient(false);
            return new Model(n, net, sample, classes);
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    private static Model resnet(String n, String name, Backend b, Shape s, int classes, long seed, Init init) {
        int c = s.dim(0);
        Sequential net = switch (n) {
            case "resnet18" -> ResNets.resnet(b, ResNets.Block.BASIC, new int[] {2, 2, 2, 2}, c, classes, false);
            case "resnet34" -> ResNets.resnet(b, ResNets.Block.BASIC, new int[] {3, 4, 6, 3}, c, classes, false);
            case "resnet50" -> ResNets.resnet(b, ResNets.Block.BOTTLENECK, new int[] {3, 4, 6, 3}, c, classes, false);
            case "resnet18-cifar" -> ResNets.resnet(b, ResNets.Block.BASIC, new int[] {2, 2, 2, 2}, c, classes, true);
            case "resnet34-cifar" -> ResNets.resnet(b, ResNets.Block.BASIC, new int[] {3, 4, 6, 3}, c, classes, true);
            case "resnet50-cifar" -> ResNets.resnet(b, ResNets.Block.BOTTLENECK, new int[] {3, 4, 6, 3}, c, classes,
                    true);
            case "resnet20" -> ResNets.cifar20(b, 3, c, classes);
            default -> throw new IllegalArgumentException("unknown model '" + name + "'; choose one of "
                    + String.join(", ", NAMES));
        };
        try {
            net.outputShape(batch1(s));
            net.initialize(init, new SplittableRandom(seed));
            net.needsInputGradient(false);
            return new Model(n, net, s, classes);
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    /** The zoo's name for {@code name} (aliases and case resolved). */
    public static String canonicalName(String name) {
        return canonical(name);
    }

    /** Builds detector {@code name} ({@link #DETECTORS}) for {@code channels}-channel images and K = {@code classes}. */
    public static RetinaNet detector(String name, Backend backend, int channels, int classes, long seed, Init init) {
        String n = canonical(name);
        RetinaNet.Design d = switch (n) {
            case "seed003-detector" -> RetinaNet.Design.seed003();
            case "seed003-detector-small" -> RetinaNet.Design.small();
            default -> throw new IllegalArgumentException("unknown detector '" + name + "'; choose one of "
                    + String.join(", ", DETECTORS));
        };
        return RetinaNet.create(backend, d, channels, classes, DETECTOR_ANCHORS, init, seed);
    }

    /**
     * The anchors of detector {@code name}: RetinaNet's 3 scales x 3 aspect ratios a position over P3-P6, base sizes
     * from 14 to 220 pixels for seed 003's faces (areas 14^2 to 220^2), from 16 to 128 for the small detector's
     * 14-64-pixel objects on 128x128 images.
     */
    public static org.cnn4j.nn.detection.AnchorGenerator detectorAnchors(String name) {
        int[] strides = {8, 16, 32, 64};
        return switch (canonical(name)) {
            case "seed003-detector" -> org.cnn4j.nn.detection.AnchorGenerator.retinaNet(strides, 14, 220);
            case "seed003-detector-small" -> org.cnn4j.nn.detection.AnchorGenerator.retinaNet(strides, 16, 128);
            default -> throw new IllegalArgumentException("unknown detector '" + name + "'; choose one of "
                    + String.join(", ", DETECTORS));
        };
    }

    private static String canonical(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        return switch (n) {
            case "lenet", "lenet-5" -> "lenet5";
            case "alexnet2", "alexnet-2", "alexnet-two-towers" -> "alexnet-2tower";
            case "cnn", "vgg-small", "seed002" -> "seed002-cnn";
            case "dense", "mlp", "ann" -> "seed002-dense";
            case "mnist", "seed003" -> "seed003-mnist";
            case "resnet-18" -> "resnet18";
            case "resnet-34" -> "resnet34";
            case "resnet-50" -> "resnet50";
            case "resnet-20" -> "resnet20";
            case "retinanet", "face-detector", "detector" -> "seed003-detector";
            case "detector-small" -> "seed003-detector-small";
            default -> n;
        };
    }

    private static Shape batch1(Shape sample) {
        return Shape.of(1, sample.dim(0), sample.dim(1), sample.dim(2));
    }

    private static void add(Sequential net, Layer l) {
        net.add(l);
    }

    private static void lenet5(Sequential net, Backend b, Shape s, int classes) {
        int pad = s.dim(1) == 28 && s.dim(2) == 28 ? 2 : 0;
        add(net, new Conv2d(b, s.dim(0), 6, 5, 1, pad));
        add(net, Activation.relu(b));
        add(net, new MaxPool2d(b, 2, 2));
        add(net, new Conv2d(b, 6, 16, 5, 1, 0));
        add(net, Activation.relu(b));
        add(net, new MaxPool2d(b, 2, 2));
        add(net, new Flatten(b));
        int features = net.outputShape(batch1(s)).dim(1);
        add(net, new Linear(b, features, 120));
        add(net, Activation.relu(b));
        add(net, new Linear(b, 120, 84));
        add(net, Activation.relu(b));
        add(net, new Linear(b, 84, classes));
    }

    private static void alexnet(Sequential net, Backend b, Shape s, int classes, int groups) {
        add(net, new Conv2d(b, s.dim(0), 96, 11, 4, 0));
        add(net, Activation.relu(b));
        add(net, new MaxPool2d(b, 3, 2));
        add(net, new Conv2d(b, 96, 256, 5, 1, 2, groups));
        add(net, Activation.relu(b));
        add(net, new MaxPool2d(b, 3, 2));
        add(net, new Conv2d(b, 256, 384, 3, 1, 1));
        add(net, Activation.relu(b));
        add(net, new Conv2d(b, 384, 384, 3, 1, 1, groups));
        add(net, Activation.relu(b));
        add(net, new Conv2d(b, 384, 256, 3, 1, 1, groups));
        add(net, Activation.relu(b));
        add(net, new MaxPool2d(b, 3, 2));
        add(net, new Flatten(b));
        int features = net.outputShape(batch1(s)).dim(1);
        add(net, new Dropout(b, 0.5, 0));
        add(net, new Linear(b, features, 4096));
        add(net, Activation.relu(b));
        add(net, new Dropout(b, 0.5, 0));
        add(net, new Linear(b, 4096, 4096));
        add(net, Activation.relu(b));
        add(net, new Linear(b, 4096, classes));
    }

    private static org.cnn4j.ops.BatchNorm kerasBatchNorm() {
        return new org.cnn4j.ops.BatchNorm(1e-3, 0.01);
    }

    private static void seed002Cnn(Sequential net, Backend b, Shape s, int classes) {
        int in = s.dim(0);
        for (int width : new int[] {32, 64}) {
            for (int k = 0; k < 2; k++) {
                add(net, new Conv2d(b, in, width, 3, 1, 1));
                add(net, Activation.relu(b));
                add(net, new BatchNorm2d(b, width, kerasBatchNorm()));
                in = width;
            }
            add(net, new MaxPool2d(b, 2, 2));
            add(net, new Dropout(b, 0.25, 0));
        }
        add(net, new Flatten(b));
        int features = net.outputShape(batch1(s)).dim(1);
        add(net, new Linear(b, features, 64));
        add(net, Activation.relu(b));
        add(net, new Dropout(b, 0.25, 0));
        add(net, new Linear(b, 64, classes));
    }

    private static void seed002Dense(Sequential net, Backend b, Shape s, int classes) {
        add(net, new Flatten(b));
        int in = s.size();
        for (int width : new int[] {128, 64, 32}) {
            add(net, new Linear(b, in, width));
            add(net, Activation.relu(b));
            in = width;
        }
        add(net, new Linear(b, in, classes));
    }

    private static void seed003(Sequential net, Backend b, Shape s, int classes) {
        int in = s.dim(0);
        for (int width : new int[] {32, 64, 128}) {
            add(net, new Conv2d(b, in, width, 5, 2, 2));
            add(net, new BatchNorm2d(b, width));
            add(net, Activation.relu(b));
            in = width;
        }
        add(net, new Flatten(b));
        int features = net.outputShape(batch1(s)).dim(1);
        add(net, new Linear(b, features, classes));
    }
}
