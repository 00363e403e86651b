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
import org.cnn4j.core.Backend;
import org.cnn4j.nn.Init;
import org.cnn4j.nn.data.DataSets;
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
    /** The generated data sets: Fashion-MNIST items on 128x128 canvases, one class or ten. */
    static final List<String> DATASETS = List.of("fashion-detect", "fashion-detect-10");
    /** Checkpoint format of a detector's weights. */
    static final String FORMAT = "cnn4j-detector/1";
    static final int CANVAS = 128;
    /** Training images generated when --limit is 0, and test images when --test-limit is 0. */
    static final int DEFAULT_TRAIN = 4000;
    static final int DEFAULT_TEST = 500;

    private Detectors() {
    }

    static int classes(String dataset) {
        return dataset.equals("fashion-detect-10") ? 10 : 1;
    }

    /** The generated set, from Fashion-MNIST found as classification finds it; train and test parts apart. */
    static DetectionDataset load(String dataset, Path dataDir, boolean train, int count, long seed,
            boolean download, java.util.function.Consumer<String> log) throws IOException {
        return FashionDetect.generate(DataSets.load("fashion-mnist", dataDir, train, 0, download, log), count, CANVAS,
                classes(dataset), train ? seed : seed + 1);
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
        int k = classes(ds);
        DetectionDataset train = load(ds, c.dataDir, true, c.limit > 0 ? c.limit : DEFAULT_TRAIN, c.seed,
                !c.noDownload, System.err::println);
        DetectionDataset test = c.testLimit < 0 ? null : load(ds, c.dataDir, false,
                c.testLimit > 0 ? c.testLimit : DEFAULT_TEST, c.seed, !c.noDownload, System.err::println);
        double lr = c.lr != null ? c.lr : kind == Optimizer.Kind.ADAM ? 1e-3 : Cli.defaultLr(kind);
        Optimizer.Config oc = Optimizer.Config.defaults(kind, lr).withMomentum(c.momentum)
                .withWeightDecay(c.weightDecay).withLrDecay(c.lrDecay);
        StepLr schedule = new StepLr(c.lrStep, c.lrGamma);
        try (RetinaNet det = Models.detector(name, backend, train.channels(), k, c.seed,
                        c.init != null ? Init.parse(c.init) : Init.PYTORCH_DEFAULT);
                Optimizer opt = new Optimizer(backend, det.net().parameters(), oc);
                DetectionTrainer t = new DetectionTrainer(det, opt, Models.detectorAnchors(name),
                        DetectionTrainer.Config.paper())) {
            human.printf(Locale.ROOT, "%s on %s (%d train, %d test images of %dx%d, %d class%s), backend %s (%s), %s lr %g,"
                    + " batch %d, %,d parameters%n", name, ds, train.size(), test == null ? 0 : test.size(), CANVAS,
                    CANVAS, k, k == 1 ? "" : "es", backend.name(), backend.device(),
                    kind.name().toLowerCase(Locale.ROOT), lr, c.batch, det.net().trainableCount());
            Files.createDirectories(out);
            SplittableRandom rng = new SplittableRandom(c.seed);
            List<List<Detection>> last = null;
            double[] cls = new double[c.epochs];
            double[] reg = new double[c.epochs];
            double[] aps = new double[c.epochs];
            try (PrintStream jsonl = new PrintStream(Files.newOutputStream(out.resolve("epochs.jsonl"),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND), true, StandardCharsets.UTF_8)) {
                for (int e = 1; e <= c.epochs; e++) {
                    opt.setLr(schedule.lr(lr, e - 1));
                    long t0 = System.nanoTime();
                    DetectionTrainer.StepLoss l = t.epoch(train, c.batch, null, rng);
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
                    org.cnn4j.nn.train.Plots.writeDetection(out, java.util.Arrays.copyOf(cls, e),
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
                AveragePrecision.writeCurve(png, last, test.allBoxes(), test.allLabels(), k, 0.5);
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
        DetectionDataset test = load(ds, dataDir, false, limit > 0 ? limit : DEFAULT_TEST, seed(meta), download,
                System.err::println);
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
