package org.cnn4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.cnn4j.cli.report.Plots;
import org.cnn4j.cli.report.ProgressListener;
import org.cnn4j.core.Backend;
import org.cnn4j.nn.Init;
import org.cnn4j.nn.data.DataSets;
import org.cnn4j.nn.data.detection.DetectionAugment;
import org.cnn4j.nn.data.detection.DetectionDataset;
import org.cnn4j.nn.data.detection.FashionDetect;
import org.cnn4j.nn.detection.AveragePrecision;
import org.cnn4j.nn.detection.Detection;
import org.cnn4j.nn.detection.DetectionTrainer;
import org.cnn4j.nn.detection.PostProcess;
import org.cnn4j.nn.models.Models;
import org.cnn4j.nn.models.RetinaNet;
import org.cnn4j.nn.train.Optimizer;
import org.cnn4j.nn.train.StepLr;

/**
 * The detectors on the command line: {@code cnn4j train --model seed003-detector-small --dataset fashion-detect}
 * (training with AP@0.5 on the test part after every epoch, checkpoints, epochs.jsonl, the precision-recall
 * curve), and what {@code eval} and {@code detect} share (the data sets, the post-processing, reading a
 * detector's checkpoint).
 */
final class Detectors {
    /**
     * The data sets a detector trains on: the generated ones (Fashion-MNIST items on 128x128 canvases, one class or
     * ten), and WIDER FACE and PASCAL VOC read from {@code --data-dir} (their images resized to
     * {@link #SIDE} x {@link #SIDE}).
     */
    static final List<String> DATASETS = List.of("fashion-detect", "fashion-detect-10", "wider-face", "voc");
    /** The square side WIDER FACE and VOC images are resized to for testing (and without --augment, training). */
    static final int SIDE = 512;
    /** Checkpoint format of a detector's weights. */
    static final String FORMAT = "cnn4j-detector/1";
    static final int CANVAS = 128;
    /** Training images generated when --limit is 0, and test images when --test-limit is 0. */
    static final int DEFAULT_TRAIN = 4000;
    static final int DEFAULT_TEST = 500;

    private Detectors() {
    }

    /**
     * The training ({@code train}) or test part of {@code dataset}: the generated set from Fashion-MNIST, found as
     * classification finds it ({@code count} images); WIDER FACE (train: {@code wider_face_train_bbx_gt.txt} and
     * {@code WIDER_train/images}, test: the {@code val} files, invalid faces skipped) or VOC ({@code trainval} and
     * {@code test} splits of the VOC directory, difficult objects skipped) under {@code dataDir}, the first
     * {@code count} images.
     */
    static DetectionDataset load(String dataset, Path dataDir, boolean train, int count, long seed,
            boolean download, java.util.function.Consumer<String> log) throws IOException {
        return switch (dataset) {
            case "wider-face" -> {
                Path root = requireDir(dataset, dataDir);
                String part = train ? "train" : "val";
                log.accept("reading wider-face (" + part + ") from " + root);
                yield first(org.cnn4j.nn.data.detection.WiderFace.read(root.resolve("wider_face_split")
                        .resolve("wider_face_" + part + "_bbx_gt.txt"), root.resolve("WIDER_" + part)
                        .resolve("images"), true), count);
            }
            case "voc" -> {
                Path root = requireDir(dataset, dataDir);
                log.accept("reading voc (" + (train ? "trainval" : "test") + ") from " + root);
                yield first(org.cnn4j.nn.data.detection.PascalVoc.read(root, train ? "trainval" : "test", true), count);
            }
            default -> FashionDetect.generate(DataSets.load("fashion-mnist", dataDir, train, 0, download, log), count,
                    CANVAS, dataset.equals("fashion-detect-10") ? 10 : 1, train ? seed : seed + 1);
        };
    }

    private static Path requireDir(String dataset, Path dataDir) throws IOException {
        if (dataDir == null) {
            throw new java.io.FileNotFoundException(dataset + ": pass --data-dir with the data set's folder ("
                    + (dataset.equals("voc") ? "the one holding Annotations, JPEGImages and ImageSets, such as "
                            + "VOCdevkit/VOC2007" : "the one holding wider_face_split, WIDER_train and WIDER_val")
                    + ")");
        }
        return dataDir;
    }

    /** True for data sets of photographs of any size, resized for the detector. */
    static boolean photographs(String dataset) {
        return dataset.equals("wider-face") || dataset.equals("voc");
    }

    /** The first {@code count} images of {@code d} (all when {@code count} is 0 or more than there are). */
    static DetectionDataset first(DetectionDataset d, int count) {
        int n = count <= 0 ? d.size() : Math.min(count, d.size());
        return new DetectionDataset() {
            @Override
            public int size() {
                return n;
            }

            @Override
            public org.cnn4j.nn.data.detection.DetectionSample get(int i) {
                return d.get(i);
            }

            @Override
            public int classes() {
                return d.classes();
            }

            @Override
            public List<String> classNames() {
                return d.classNames();
            }

            @Override
            public int channels() {
                return d.channels();
            }
        };
    }

    /** {@code d} with every image resized to {@code side} x {@code side} (boxes scaled with it). */
    static DetectionDataset resized(DetectionDataset d, int side) {
        return new DetectionDataset() {
            @Override
            public int size() {
                return d.size();
            }

            @Override
            public org.cnn4j.nn.data.detection.DetectionSample get(int i) {
                return DetectionAugment.transform(d.get(i), side, side, false);
            }

            @Override
            public int classes() {
                return d.classes();
            }

            @Override
            public List<String> classNames() {
                return d.classNames();
            }

            @Override
            public int channels() {
                return d.channels();
            }
        };
    }

    /**
     * {@code --augment} for detectors: none, or {@code standard}, seed 003's: random squares of 512, 576 or 640
     * pixels and flips with probability 0.5 for photographs; rescaling by 0.75 to 1.25 and flips for the
     * generated set.
     */
    static DetectionAugment augment(String option, String dataset) {
        if (option == null || option.trim().equalsIgnoreCase("none")) {
            return null;
        }
        if (!option.trim().equalsIgnoreCase("standard")) {
            throw new IllegalArgumentException("a detector takes standard or none");
        }
        return photographs(dataset) ? DetectionAugment.squares(List.of(512, 576, 640), 0.5)
                : new DetectionAugment(0.75, 1.25, 0.5);
    }

    /** torchvision's RetinaNet post-processing: score 0.05, 1000 candidates a level, NMS 0.5, 100 detections. */
    static PostProcess postProcess() {
        return new PostProcess(0.05, 1000, 0.5, 100);
    }

    /** Trains a detector as {@code c} says; returns the exit status. */
    static int train(TrainCommand c, Optimizer.Kind kind, Backend backend, Path out, PrintStream human)
            throws IOException {
        String name = Models.canonicalName(c.model);
        String ds = c.dataset.trim().toLowerCase(Locale.ROOT);
        boolean photos = photographs(ds);
        DetectionDataset train = load(ds, c.dataDir, true, c.limit > 0 ? c.limit : photos ? 0 : DEFAULT_TRAIN,
                c.seed, !c.noDownload, System.err::println);
        DetectionDataset test = c.testLimit < 0 ? null : load(ds, c.dataDir, false,
                c.testLimit > 0 ? c.testLimit : photos ? 0 : DEFAULT_TEST, c.seed, !c.noDownload, System.err::println);
        DetectionAugment augment = augment(c.augment, ds);
        if (photos) {
            // photographs of every size: resized to one square for testing, and for training unless augmented
            test = test == null ? null : resized(test, SIDE);
            train = augment == null ? resized(train, SIDE) : train;
        }
        int k = train.classes();
        double lr = c.lr != null ? c.lr : kind == Optimizer.Kind.ADAM ? 1e-3 : Cli.defaultLr(kind);
        Optimizer.Config oc = Optimizer.Config.defaults(kind, lr).withMomentum(c.momentum)
                .withWeightDecay(c.weightDecay).withLrDecay(c.lrDecay);
        StepLr schedule = new StepLr(c.lrStep, c.lrGamma);
        try (RetinaNet det = Models.detector(name, backend, train.channels(), k, c.seed,
                        c.init != null ? Init.parse(c.init) : Init.PYTORCH_DEFAULT);
                Optimizer opt = new Optimizer(backend, det.net().parameters(), oc);
                DetectionTrainer t = new DetectionTrainer(det, opt, Models.detectorAnchors(name),
                        DetectionTrainer.Config.paper())) {
            int side = photos ? SIDE : CANVAS;
            human.printf(Locale.ROOT, "%s on %s (%d train, %d test images of %dx%d, %d class%s%s), backend %s (%s), %s"
                    + " lr %g, batch %d, %,d parameters%n", name, ds, train.size(), test == null ? 0 : test.size(), side,
                    side, k, k == 1 ? "" : "es", augment == null ? "" : ", augmented", backend.name(), backend.device(),
                    kind.name().toLowerCase(Locale.ROOT), lr, c.batch, det.net().trainableCount());
            Files.createDirectories(out);
            SplittableRandom rng = new SplittableRandom(c.seed);
            ProgressListener progress = c.noProgress ? null : new ProgressListener();
            List<List<Detection>> last = null;
            double[] cls = new double[c.epochs];
            double[] reg = new double[c.epochs];
            double[] aps = new double[c.epochs];
            try (PrintStream jsonl = new PrintStream(Files.newOutputStream(out.resolve("epochs.jsonl"),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND), true, StandardCharsets.UTF_8)) {
                for (int e = 1; e <= c.epochs; e++) {
                    opt.setLr(schedule.lr(lr, e - 1));
                    long t0 = System.nanoTime();
                    int epoch = e;
                    DetectionTrainer.StepLoss l;
                    if (progress == null) {
                        l = t.epoch(train, c.batch, augment, rng);
                    } else {
                        progress.epochStarted(e, c.epochs, train.size());
                        l = t.epoch(train, c.batch, augment, rng,
                                (done, mean) -> progress.batchDone(epoch, done, mean.total(), Double.NaN));
                        progress.endEpoch();
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    double ap = Double.NaN;
                    if (test != null) {
                        last = t.detect(test, c.batch, postProcess());
                        ap = AveragePrecision.mean(last, test.allBoxes(), test.allLabels(), k, 0.5);
                    }
                    String line = String.format(Locale.ROOT, "{\"epoch\":%d,\"classification_loss\":%.6f,"
                            + "\"regression_loss\":%.6f,\"ap50\":%s,\"seconds\":%.3f,\"images_per_second\":%.2f}", e,
                            l.classification(), l.regression(), Double.isNaN(ap) ? "null" : String.format(Locale.ROOT,
                                    "%.6f", ap), seconds, train.size() / seconds);
                    jsonl.println(line);
                    cls[e - 1] = l.classification();
                    reg[e - 1] = l.regression();
                    aps[e - 1] = ap;
                    Plots.writeDetection(out, java.util.Arrays.copyOf(cls, e),
                            java.util.Arrays.copyOf(reg, e), java.util.Arrays.copyOf(aps, e));
                    if (c.json) {
                        System.out.println(line);
                    }
                    human.printf(Locale.ROOT, "epoch %d: classification loss %.4f, regression loss %.4f, test AP@0.5 %s,"
                            + " %.1f s, %.1f img/s%n", e, l.classification(), l.regression(),
                            Double.isNaN(ap) ? "-" : String.format(Locale.ROOT, "%.4f", ap), seconds,
                            train.size() / seconds);
                    if (c.checkpointDir != null) {
                        Path file = c.checkpointDir.resolve("epoch-" + e + ".safetensors");
                        Map<String, String> meta = metadata(name, ds, train, k, e);
                        meta.put("seed", Long.toString(c.seed));
                        t.save(file, meta);
                        human.println("checkpoint " + file);
                    }
                }
            }
            if (last != null) {
                Path png = out.resolve("precision-recall.png");
                Plots.writePrecisionRecall(png, last, test.allBoxes(), test.allLabels(), k, 0.5, null);
                human.printf(Locale.ROOT, "test: AP@0.5 %.4f, COCO AP@[.5:.95] %.4f on %d images; plots: %s, %s%n",
                        AveragePrecision.mean(last, test.allBoxes(), test.allLabels(), k, 0.5),
                        AveragePrecision.coco(last, test.allBoxes(), test.allLabels(), k), test.size(),
                        out.resolve("curves.png"), png);
            }
        }
        return 0;
    }

    /** {@code cnn4j eval} of a detector's checkpoint: AP@0.5 per class and its mean, COCO's mean, on its data set. */
    static int eval(Path checkpoint, Map<String, String> meta, Path dataDir, int limit, int batch, boolean download,
            String backendChoice) throws IOException {
        String name = meta.get("model");
        String ds = meta.getOrDefault("dataset", "fashion-detect");
        int k = Integer.parseInt(meta.get("classes"));
        DetectionDataset test = load(ds, dataDir, false, limit > 0 ? limit : photographs(ds) ? 0 : DEFAULT_TEST,
                seed(meta), download, System.err::println);
        if (photographs(ds)) {
            test = resized(test, SIDE);
        }
        try (Backend backend = org.cnn4j.core.Backends.open(backendChoice);
                RetinaNet det = Models.detector(name, backend, test.channels(), k, 0, Init.PYTORCH_DEFAULT);
                Optimizer none = new Optimizer(backend, Map.of(), Optimizer.Config.defaults(Optimizer.Kind.SGD, 1));
                DetectionTrainer t = new DetectionTrainer(det, none, Models.detectorAnchors(name),
                        DetectionTrainer.Config.paper())) {
            org.cnn4j.nn.train.Checkpoint.loadWeights(checkpoint, det.net());
            List<List<Detection>> found = t.detect(test, batch, postProcess());
            double[] ap = AveragePrecision.perClass(found, test.allBoxes(), test.allLabels(), k, 0.5);
            System.out.printf(Locale.ROOT, "%s, epoch %s: AP@0.5 %.4f, COCO AP@[.5:.95] %.4f on %d %s test images%n",
                    name, meta.getOrDefault("epoch", "?"), AveragePrecision.mean(found, test.allBoxes(), test.allLabels(), k,
                            0.5), AveragePrecision.coco(found, test.allBoxes(), test.allLabels(), k), test.size(), ds);
            if (k > 1) {
                for (int c = 0; c < k; c++) {
                    System.out.printf(Locale.ROOT, "  %-12s AP@0.5 %.4f%n", test.classNames().get(c), ap[c]);
                }
            }
        }
        return 0;
    }

    private static long seed(Map<String, String> meta) {
        try {
            return Long.parseLong(meta.getOrDefault("seed", "1"));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    static Map<String, String> metadata(String name, String dataset, DetectionDataset d, int classes, int epoch) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("model", name);
        m.put("dataset", dataset);
        m.put("classes", Integer.toString(classes));
        m.put("channels", Integer.toString(d.channels()));
        m.put("class_names", String.join(",", d.classNames()));
        m.put("epoch", Integer.toString(epoch));
        return m;
    }

}
