package org.cnn4j.bench.runner;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.cnn4j.core.Backend;
import org.cnn4j.nn.Init;
import org.cnn4j.nn.Parameter;
import org.cnn4j.nn.data.detection.DetectionBatch;
import org.cnn4j.nn.data.detection.DetectionSample;
import org.cnn4j.nn.detection.DetectionTrainer;
import org.cnn4j.nn.models.Models;
import org.cnn4j.nn.models.RetinaNet;
import org.cnn4j.nn.train.Optimizer;

/**
 * One training step of a detector as {@link DetectionTrainer} runs it: forward of the eight outputs, the anchors'
 * targets on the host, focal and smooth L1 losses per level, backward through the graph with the heads' gradients
 * summed over the levels, Adam step. The batch is seeded random pixels with 1 to 4 seeded boxes an image (not a
 * data set), the detector built with a fixed seed, so every backend starts from the same weights and, after one
 * step, must have the same parameter gradients.
 */
final class DetectorTrainInstance implements Instance {
    private final RetinaNet detector;
    private final Optimizer optimizer;
    private final DetectionTrainer trainer;
    private final DetectionBatch batch;

    DetectorTrainInstance(Backend be, String name, int channels, int size, int classes, int n, double lr, long seed) {
        this.batch = batch(channels, size, classes, n);
        RetinaNet d = Models.detector(name, be, channels, classes, seed, Init.PYTORCH_DEFAULT);
        Optimizer opt = null;
        try {
            opt = new Optimizer(be, d.net().parameters(), Optimizer.Config.defaults(Optimizer.Kind.ADAM, lr));
            this.trainer = new DetectionTrainer(d, opt, Models.detectorAnchors(name), DetectionTrainer.Config.paper());
        } catch (RuntimeException e) {
            if (opt != null) {
                opt.close();
            }
            d.close();
            throw e;
        }
        this.detector = d;
        this.optimizer = opt;
    }

    /** {@code n} images of random pixels, each with 1 to 4 boxes of 14 to 48 pixels. */
    static DetectionBatch batch(int channels, int size, int classes, int n) {
        SplittableRandom r = new SplittableRandom(103);
        List<DetectionSample> s = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = 1 + r.nextInt(4);
            float[] boxes = new float[4 * k];
            int[] labels = new int[k];
            for (int j = 0; j < k; j++) {
                int w = 14 + r.nextInt(35);
                int h = 14 + r.nextInt(35);
                int x = r.nextInt(size - w);
                int y = r.nextInt(size - h);
                boxes[4 * j] = x;
                boxes[4 * j + 1] = y;
                boxes[4 * j + 2] = x + w;
                boxes[4 * j + 3] = y + h;
                labels[j] = r.nextInt(classes);
            }
            s.add(new DetectionSample(channels, size, size,
                    OpsInstance.Random.uniform(channels * size * size, 101 + i), boxes, labels));
        }
        return DetectionBatch.collate(s, 32);
    }

    @Override
    public void run() {
        trainer.step(batch);
    }

    @Override
    public Map<String, Output> outputs() {
        Map<String, Output> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : detector.net().parameters().entrySet()) {
            out.put(e.getKey() + ".grad", new Output(e.getValue().grad(), TrainInstance.GRADIENT, true));
        }
        return out;
    }

    @Override
    public void close() {
        trainer.close();
        optimizer.close();
        detector.close();
    }
}
