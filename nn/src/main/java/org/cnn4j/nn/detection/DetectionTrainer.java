package org.cnn4j.nn.detection;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Workspace;
import org.cnn4j.nn.data.detection.DetectionAugment;
import org.cnn4j.nn.data.detection.DetectionBatch;
import org.cnn4j.nn.data.detection.DetectionDataset;
import org.cnn4j.nn.data.detection.DetectionSample;
import org.cnn4j.nn.models.RetinaNet;
import org.cnn4j.nn.train.Optimizer;
import org.cnn4j.ops.Loss;

/**
 * Training and inference of a {@link RetinaNet}: one step computes the detector's outputs on a padded batch, the
 * anchors' targets on the host ({@link Targets}: IoU matching, box encoding), the losses on the backend, the
 * gradients through the graph, and the optimizer's update.
 *
 * <p>Loss, as seed 003 and the paper: at every level, the sigmoid focal loss over the anchors that take part
 * (foreground and background; anchors between the IoU thresholds are masked out by a zero weight) plus the smooth
 * L1 loss of the foreground anchors' encoded boxes, each summed and divided by the number of foreground anchors of
 * the batch (at least 1), then summed over the levels. torchvision's RetinaNet divides per image and averages
 * over the images, and uses an L1 box loss; this divides by the batch's count, as Detectron's RetinaNet does,
 * and uses smooth L1 with {@code beta} as the seed says. Seed 003 gives the focal loss's alpha as 3 for the
 * foreground class (a weight 3 : 1 against the background), the paper 0.25 (a weight 0.25 : 0.75); both are
 * {@link Config#alpha()} here in the paper's convention: alpha = 3 / (3 + 1) = 0.75 is the seed's ratio.
 */
public final class DetectionTrainer implements AutoCloseable {
    /**
     * The loss and matching settings.
     *
     * @param alpha         focal loss balance of the foreground class (paper: 0.25)
     * @param gamma         focal loss focusing parameter (paper and seed: 2)
     * @param beta          smooth L1's transition point (Detectron's RetinaNet: 0.1)
     * @param foregroundIou an anchor whose best IoU with an object reaches this is foreground (paper, seed: 0.5)
     * @param backgroundIou an anchor whose best IoU is below this is background (paper: 0.4); between: ignored
     */
    public record Config(double alpha, double gamma, double beta, double foregroundIou, double backgroundIou) {
        public Config {
            if (!(backgroundIou <= foregroundIou) || !(backgroundIou >= 0) || !(foregroundIou <= 1)) {
                throw new IllegalArgumentException("DetectionTrainer: IoU thresholds must satisfy 0 <= background ("
                        + backgroundIou + ") <= foreground (" + foregroundIou + ") <= 1");
            }
        }

        /** The paper's settings: alpha 0.25, gamma 2, smooth L1 beta 0.1, IoU 0.5 / 0.4. */
        public static Config paper() {
            return new Config(0.25, 2, 0.1, 0.5, 0.4);
        }
    }

    /** One step's losses: classification and regression (each summed over the levels) and foreground anchors. */
    public record StepLoss(double classification, double regression, int foreground) {
        public double total() {
            return classification + regression;
        }
    }

    private final RetinaNet detector;
    private final Optimizer optimizer;
    private final Config config;
    private final Backend backend;
    private final AnchorGenerator anchors;
    private final Matcher matcher;
    private final BoxCoder coder;
    private final Workspace workspace;
    /** The host arrays of the targets, by role and level (see {@link #hostArrays}). */
    private final java.util.Map<String, float[]> host = new java.util.HashMap<>();
    private final int levels = RetinaNet.LEVELS;

    /**
     * A trainer of {@code detector} with {@code optimizer} (over {@code detector.net().parameters()}), its anchors
     * from {@code anchors} (which must have {@code detector.anchorsPerCell()} anchors a position).
     */
    public DetectionTrainer(RetinaNet detector, Optimizer optimizer, AnchorGenerator anchors, Config config) {
        if (anchors.anchorsPerLocation() != detector.anchorsPerCell() || anchors.levels() != RetinaNet.LEVELS) {
            throw new IllegalArgumentException("DetectionTrainer: the anchors have " + anchors.levels() + " levels of "
                    + anchors.anchorsPerLocation() + " a position, the detector " + RetinaNet.LEVELS + " of "
                    + detector.anchorsPerCell());
        }
        this.detector = detector;
        this.optimizer = optimizer;
        this.config = config;
        this.backend = detector.net().backend();
        this.anchors = anchors;
        this.matcher = new Matcher(config.foregroundIou(), config.backgroundIou(), true);
        this.coder = new BoxCoder(1, 1, 1, 1);
        this.workspace = new Workspace(backend);
    }

    /** The anchors of the detector's levels. */
    public AnchorGenerator anchors() {
        return anchors;
    }

    /** The box coder (RetinaNet's: weights 1, 1, 1, 1). */
    public BoxCoder coder() {
        return coder;
    }

    /** One training step on {@code batch}: forward, targets, losses, backward, optimizer update. */
    public StepLoss step(DetectionBatch batch) {
        detector.net().train(true);
        List<Tensor> outs = forward(batch);
        int n = batch.n();
        int[][] sizes = featureSizes(outs);
        int k = detector.classes();
        int a = detector.anchorsPerCell();
        // host targets for the batch, per level [N, A*K, H, W] and [N, A*4, H, W], image by image; the arrays are
        // kept from step to step (one set per batch shape), as the workspace keeps the device tensors
        List<float[]> clsT = hostArrays("clsT", sizes, n * a * k);
        List<float[]> clsW = hostArrays("clsW", sizes, n * a * k);
        List<float[]> regT = hostArrays("regT", sizes, n * a * 4);
        List<float[]> regW = hostArrays("regW", sizes, n * a * 4);
        List<float[]> iClsT = hostArrays("image.clsT", sizes, a * k);
        List<float[]> iClsW = hostArrays("image.clsW", sizes, a * k);
        List<float[]> iRegT = hostArrays("image.regT", sizes, a * 4);
        List<float[]> iRegW = hostArrays("image.regW", sizes, a * 4);
        int foreground = 0;
        for (int i = 0; i < n; i++) {
            float[] gt = batch.boxes().get(i);
            int[] labels = batch.labels().get(i);
            foreground += Targets.build(anchors, sizes, matcher, coder, gt, labels, labels.length, k, iClsT, iClsW,
                    iRegT, iRegW);
            for (int l = 0; l < levels; l++) {
                copy(iClsT.get(l), clsT.get(l), i);
                copy(iClsW.get(l), clsW.get(l), i);
                copy(iRegT.get(l), regT.get(l), i);
                copy(iRegW.get(l), regW.get(l), i);
            }
        }
        double count = Math.max(1, foreground);
        Loss focal = Loss.sigmoidFocal(config.alpha(), config.gamma()).sumOver(count);
        Loss box = Loss.smoothL1(config.beta()).sumOver(count);
        List<Tensor> grads = new ArrayList<>(2 * levels);
        Tensor[] lossC = new Tensor[levels];
        Tensor[] lossR = new Tensor[levels];
        for (int l = 0; l < levels; l++) {
            lossC[l] = workspace.get("loss.cls." + l, Shape.scalar());
            grads.add(term(focal, outs.get(l), "cls." + l, clsT.get(l), clsW.get(l), lossC[l]));
        }
        for (int l = 0; l < levels; l++) {
            lossR[l] = workspace.get("loss.reg." + l, Shape.scalar());
            grads.add(term(box, outs.get(levels + l), "reg." + l, regT.get(l), regW.get(l), lossR[l]));
        }
        detector.net().backwardAll(grads);
        optimizer.step();
        double c = 0;
        double r = 0;
        for (int l = 0; l < levels; l++) {
            c += lossC[l].toFloatArray()[0];
            r += lossR[l].toFloatArray()[0];
        }
        return new StepLoss(c, r, foreground);
    }

    /**
     * One epoch over {@code data}: the images in a random order drawn from {@code rng}, {@code augment}ed when it is
     * not null, in batches of {@code batch} padded to a multiple of 32; returns the mean losses over the steps.
     */
    public StepLoss epoch(DetectionDataset data, int batch, DetectionAugment augment, SplittableRandom rng) {
        return epoch(data, batch, augment, rng, (done, mean) -> { });
    }

    /** Reports an epoch's progress after each step: images done, and the mean losses so far. */
    @FunctionalInterface
    public interface Progress {
        void step(int imagesDone, StepLoss meanSoFar);
    }

    /** {@link #epoch(DetectionDataset, int, DetectionAugment, SplittableRandom)}, reporting each step. */
    public StepLoss epoch(DetectionDataset data, int batch, DetectionAugment augment, SplittableRandom rng,
            Progress progress) {
        if (batch < 1) {
            throw new IllegalArgumentException("DetectionTrainer: batch must be at least 1 but is " + batch);
        }
        int[] order = new int[data.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double c = 0;
        double r = 0;
        long fg = 0;
        int steps = 0;
        for (int start = 0; start < order.length; start += batch) {
            List<DetectionSample> samples = new ArrayList<>();
            for (int i = start; i < Math.min(order.length, start + batch); i++) {
                DetectionSample s = data.get(order[i]);
                samples.add(augment == null ? s : augment.apply(s, rng));
            }
            StepLoss l = step(DetectionBatch.collate(samples, 32));
            c += l.classification();
            r += l.regression();
            fg += l.foreground();
            steps++;
            progress.step(Math.min(order.length, start + batch), new StepLoss(c / steps, r / steps,
                    (int) Math.min(Integer.MAX_VALUE, fg)));
        }
        return new StepLoss(c / Math.max(1, steps), r / Math.max(1, steps), (int) Math.min(Integer.MAX_VALUE, fg));
    }

    /** The detections of every image of {@code data}, in order, in batches of {@code batch}. */
    public List<List<Detection>> detect(DetectionDataset data, int batch, PostProcess post) {
        List<List<Detection>> out = new ArrayList<>();
        for (int start = 0; start < data.size(); start += batch) {
            List<DetectionSample> samples = new ArrayList<>();
            for (int i = start; i < Math.min(data.size(), start + batch); i++) {
                samples.add(data.get(i));
            }
            out.addAll(detect(DetectionBatch.collate(samples, 32), post));
        }
        return out;
    }

    /**
     * Writes the detector's parameters and buffers (state-dict names) and {@code metadata} to {@code file} as
     * safetensors, atomically; {@code Checkpoint.loadWeights(file, detector.net())} reads them back.
     */
    public void save(java.nio.file.Path file, java.util.Map<String, String> metadata) throws java.io.IOException {
        java.util.Map<String, org.cnn4j.nn.io.SafeTensors.Entry> tensors = new java.util.LinkedHashMap<>();
        for (java.util.Map.Entry<String, org.cnn4j.nn.Parameter> e : detector.net().parameters().entrySet()) {
            tensors.put(e.getKey(), new org.cnn4j.nn.io.SafeTensors.Entry(e.getValue().shape(),
                    e.getValue().value().toFloatArray()));
        }
        for (java.util.Map.Entry<String, Tensor> e : detector.net().buffers().entrySet()) {
            tensors.put(e.getKey(), new org.cnn4j.nn.io.SafeTensors.Entry(e.getValue().shape(),
                    e.getValue().toFloatArray()));
        }
        org.cnn4j.nn.io.SafeTensors.write(file, tensors, metadata);
    }

    /** Loss and its gradient for one output map; returns the gradient tensor. */
    private Tensor term(Loss fn, Tensor out, String role, float[] target, float[] weight, Tensor loss) {
        Tensor t = workspace.get("target." + role, out.shape());
        Tensor w = workspace.get("weight." + role, out.shape());
        Tensor d = workspace.get("grad." + role, out.shape());
        t.copyFrom(target);
        w.copyFrom(weight);
        backend.execute(new Loss.Forward(fn, out, t, w, loss));
        backend.execute(new Loss.Backward(fn, out, t, w, null, d));
        return d;
    }

    /** The detections of every image of {@code batch} (inference mode), by {@code post}. */
    public List<List<Detection>> detect(DetectionBatch batch, PostProcess post) {
        detector.net().train(false);
        try {
            List<Tensor> outs = forward(batch);
            int[][] sizes = featureSizes(outs);
            List<float[]> host = new ArrayList<>();
            for (Tensor t : outs) {
                host.add(t.toFloatArray());
            }
            int k = detector.classes();
            int a = detector.anchorsPerCell();
            List<List<Detection>> result = new ArrayList<>();
            for (int i = 0; i < batch.n(); i++) {
                List<float[]> cls = new ArrayList<>();
                List<float[]> reg = new ArrayList<>();
                for (int l = 0; l < levels; l++) {
                    cls.add(slice(host.get(l), i, a * k * sizes[l][0] * sizes[l][1]));
                    reg.add(slice(host.get(levels + l), i, a * 4 * sizes[l][0] * sizes[l][1]));
                }
                result.add(post.detect(cls, reg, sizes, anchors, coder, k, batch.height(), batch.width()));
            }
            return result;
        } finally {
            detector.net().train(true);
        }
    }

    private List<Tensor> forward(DetectionBatch batch) {
        detector.outputShapes(batch.n(), batch.height(), batch.width()); // checks the padding
        Tensor x = workspace.get("x", Shape.of(batch.n(), batch.channels(), batch.height(), batch.width()));
        x.copyFrom(batch.pixels());
        return detector.net().forwardAll(x);
    }

    private int[][] featureSizes(List<Tensor> outs) {
        int[][] sizes = new int[levels][];
        for (int l = 0; l < levels; l++) {
            Shape s = outs.get(l).shape();
            sizes[l] = new int[] {s.dim(2), s.dim(3)};
        }
        return sizes;
    }

    /**
     * One host array per level of {@code channels x H_l x W_l} floats for {@code role}, reused while the sizes stay
     * the same (every element is overwritten before it is read: by {@link Targets#build} or by the copies).
     */
    private List<float[]> hostArrays(String role, int[][] sizes, int channels) {
        List<float[]> out = new ArrayList<>(levels);
        for (int l = 0; l < levels; l++) {
            int size = channels * sizes[l][0] * sizes[l][1];
            float[] v = host.get(role + l);
            if (v == null || v.length != size) {
                v = new float[size];
                host.put(role + l, v);
            }
            out.add(v);
        }
        return out;
    }

    private static void copy(float[] image, float[] batch, int i) {
        System.arraycopy(image, 0, batch, i * image.length, image.length);
    }

    private static float[] slice(float[] batch, int i, int size) {
        return Arrays.copyOfRange(batch, i * size, (i + 1) * size);
    }

    @Override
    public void close() {
        workspace.close();
    }
}
