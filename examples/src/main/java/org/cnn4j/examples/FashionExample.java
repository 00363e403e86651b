package org.cnn4j.examples;

import java.io.IOException;
import java.util.Locale;
import java.util.SplittableRandom;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Backends;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Init;
import org.cnn4j.nn.data.DataSets;
import org.cnn4j.nn.data.ImageDataset;
import org.cnn4j.nn.layers.Activation;
import org.cnn4j.nn.layers.Conv2d;
import org.cnn4j.nn.layers.Flatten;
import org.cnn4j.nn.layers.Linear;
import org.cnn4j.nn.layers.MaxPool2d;
import org.cnn4j.nn.layers.Sequential;
import org.cnn4j.nn.models.Model;
import org.cnn4j.nn.train.EpochResult;
import org.cnn4j.nn.train.Metrics;
import org.cnn4j.nn.train.Optimizer;
import org.cnn4j.nn.train.Trainer;
import org.cnn4j.nn.train.TrainingListener;

/**
 * Trains a small CNN on a few hundred Fashion-MNIST images, evaluates it, and classifies a handful of test images.
 * The backend comes from {@code -Dcnn4j.backend} (cpu, opencl, cuda, reference; default: the best available).
 * Exits with status 1 when the network did not learn (test accuracy under 50%).
 */
public final class FashionExample {
    public static void main(String[] args) throws IOException {
        int trainImages = 512;
        int testImages = 200;
        int epochs = 3;
        ImageDataset train = DataSets.load("fashion-mnist", null, true, trainImages, true, System.err::println);
        ImageDataset test = DataSets.load("fashion-mnist", null, false, testImages, true, System.err::println);

        try (Backend backend = Backends.open()) { // -Dcnn4j.backend, $CNN4J_BACKEND, else the best available
            System.out.println("backend: " + backend.name() + " (" + backend.device() + ")");
            Shape sample = train.sampleShape(); // 1 x 28 x 28
            Sequential net = new Sequential(backend)
                    .add(new Conv2d(backend, 1, 8, 5, 1, 2))     // 8 x 28 x 28
                    .add(Activation.relu(backend))
                    .add(new MaxPool2d(backend, 2, 2))            // 8 x 14 x 14
                    .add(new Conv2d(backend, 8, 16, 5, 1, 0))    // 16 x 10 x 10
                    .add(Activation.relu(backend))
                    .add(new MaxPool2d(backend, 2, 2))            // 16 x 5 x 5
                    .add(new Flatten(backend))
                    .add(new Linear(backend, 16 * 5 * 5, 64))
                    .add(Activation.relu(backend))
                    .add(new Linear(backend, 64, train.classes()));
            net.initialize(Init.PYTORCH_DEFAULT, new SplittableRandom(1));
            net.needsInputGradient(false);

            try (Model model = new Model("small-cnn", net, sample, train.classes());
                    Optimizer adam = new Optimizer(backend, net.parameters(),
                            Optimizer.Config.defaults(Optimizer.Kind.ADAM, 0.002));
                    Trainer trainer = new Trainer(model, adam, Trainer.Config.of(32, 1))) {
                // A TrainingListener sees every batch and epoch (the cnn4j command draws its progress bar, charts and
                // JSON log from these callbacks); this one prints a line per epoch.
                TrainingListener log = new TrainingListener() {
                    @Override
                    public void epochDone(EpochResult r) {
                        System.out.printf(Locale.ROOT, "epoch %d: train loss %.4f acc %.2f%%, %.1f s, %.1f img/s%n",
                                r.epoch(), r.train().loss(), 100 * r.train().accuracy(), r.seconds(),
                                r.imagesPerSecond());
                    }
                };
                trainer.fit(train, null, epochs, log);
                Metrics m = trainer.evaluate(test);
                System.out.printf(Locale.ROOT, "test accuracy %.1f%% on %d images%n", 100 * m.accuracy(),
                        m.samples());

                // Inference: a batch of 8 test images in, the most likely class out.
                int n = 8;
                float[] pixels = new float[n * test.sampleSize()];
                for (int i = 0; i < pixels.length; i++) {
                    pixels[i] = (test.pixels()[i] & 0xff) / 255f;
                }
                net.train(false);
                try (Tensor x = backend.fromArray(Shape.of(n, 1, 28, 28), pixels)) {
                    float[] logits = net.forward(x).toFloatArray();
                    int classes = train.classes();
                    for (int i = 0; i < n; i++) {
                        int best = 0;
                        for (int c = 1; c < classes; c++) {
                            if (logits[i * classes + c] > logits[i * classes + best]) {
                                best = c;
                            }
                        }
                        System.out.printf("image %d: predicted %-12s true %s%n", i, test.classNames().get(best),
                                test.classNames().get(test.labels()[i]));
                    }
                }
                if (m.accuracy() < 0.5) {
                    System.err.println("the network did not learn: test accuracy " + m.accuracy());
                    System.exit(1);
                }
            }
        }
    }
}
