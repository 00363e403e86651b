package org.cnn4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Backends;
import org.cnn4j.nn.Init;
import org.cnn4j.nn.data.detection.DetectionBatch;
import org.cnn4j.nn.data.detection.DetectionSample;
import org.cnn4j.nn.data.detection.Drawing;
import org.cnn4j.nn.data.detection.Images;
import org.cnn4j.nn.detection.Detection;
import org.cnn4j.nn.detection.DetectionTrainer;
import org.cnn4j.nn.io.IoErrors;
import org.cnn4j.nn.io.SafeTensors;
import org.cnn4j.nn.models.Models;
import org.cnn4j.nn.models.RetinaNet;
import org.cnn4j.nn.train.Checkpoint;
import org.cnn4j.nn.train.Optimizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cnn4j detect}: runs a trained detector on an image (or every image of a folder) and writes a PNG with
 * the boxes above a score, each labelled with its class and score.
 */
@Command(name = "detect", mixinStandardHelpOptions = true, description = "Draw a trained detector's boxes on images.")
final class DetectCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "a detector's checkpoint written by train")
    Path checkpoint;

    @Option(names = "--image", required = true, description = "an image (PNG, JPEG, ...) or a folder of images")
    Path image;

    @Option(names = "--out", required = true, description = "the PNG to write, or a folder for a folder of images")
    Path out;

    @Option(names = "--score", defaultValue = "0.5", description = "draw boxes scoring at least this (default: "
            + "${DEFAULT-VALUE}, seed 003's)")
    double score;

    @Option(names = "--backend", description = "auto, reference, cpu, opencl, cuda (default: -Dcnn4j.backend, "
            + "else $CNN4J_BACKEND, else auto)")
    String backendName;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Cli.require(spec, score >= 0 && score <= 1, "--score", score, "must be in [0, 1]");
        Cli.require(spec, Files.exists(image), "--image", image, "does not exist");
        boolean folder = Files.isDirectory(image);
        Cli.require(spec, !folder || !Files.isRegularFile(out), "--out", out,
                "is a file, but --image is a folder: give a folder");
        String backendChoice = Cli.backend(spec, backendName);
        Map<String, String> meta;
        try {
            meta = SafeTensors.read(checkpoint).metadata();
        } catch (IOException e) {
            throw new IOException("--checkpoint: cannot read " + IoErrors.describe(e), e);
        }
        Cli.require(spec, Detectors.FORMAT.equals(meta.get("format")), "--checkpoint", checkpoint,
                "is not a detector's checkpoint (format " + meta.get("format") + ", expected " + Detectors.FORMAT + ")");
        String model = meta.get("model");
        int classes = Integer.parseInt(meta.get("classes"));
        int channels = Integer.parseInt(meta.get("channels"));
        List<String> names = Arrays.asList(meta.getOrDefault("class_names", "object").split(","));
        List<Path> images = new ArrayList<>();
        if (folder) {
            try (Stream<Path> s = Files.list(image)) {
                s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.(png|jpe?g|bmp|gif)"))
                        .sorted().forEach(images::add);
            }
            Files.createDirectories(out);
        } else {
            images.add(image);
        }
        try (Backend backend = Backends.open(backendChoice);
                RetinaNet det = Models.detector(model, backend, channels, classes, 0, Init.PYTORCH_DEFAULT);
                Optimizer none = new Optimizer(backend, Map.of(), Optimizer.Config.defaults(Optimizer.Kind.SGD, 1));
                DetectionTrainer t = new DetectionTrainer(det, none, Models.detectorAnchors(model),
                        DetectionTrainer.Config.paper())) {
            Checkpoint.loadWeights(checkpoint, det.net());
            for (Path in : images) {
                DetectionSample s = toChannels(Images.readRgb(in), channels);
                List<Detection> found = t.detect(DetectionBatch.collate(List.of(s), 32), Detectors.postProcess())
                        .getFirst();
                List<Drawing.Box> boxes = new ArrayList<>();
                for (Detection d : found) {
                    if (d.score() >= score) {
                        boxes.add(new Drawing.Box(d.x1(), d.y1(), d.x2(), d.y2(), d.label(), d.score()));
                    }
                }
                Path png = folder ? out.resolve(stem(in) + ".png") : out;
                Drawing.write(png, s, names, boxes);
                System.out.printf(Locale.ROOT, "%s: %d object%s above %.2f -> %s%n", in, boxes.size(),
                        boxes.size() == 1 ? "" : "s", score, png);
            }
        }
        return 0;
    }

    /** The image with the detector's channels: RGB as read, or its luminance (ITU-R BT.601) for one channel. */
    private static DetectionSample toChannels(DetectionSample rgb, int channels) {
        if (channels == 3) {
            return rgb;
        }
        int plane = rgb.height() * rgb.width();
        float[] g = new float[plane];
        float[] p = rgb.pixels();
        for (int i = 0; i < plane; i++) {
            g[i] = 0.299f * p[i] + 0.587f * p[plane + i] + 0.114f * p[2 * plane + i];
        }
        return new DetectionSample(1, rgb.height(), rgb.width(), g, new float[0], new int[0]);
    }

    private static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
