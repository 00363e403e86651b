package org.cnn4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.cnn4j.backend.reference.ReferenceBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.nn.data.DataSets;
import org.cnn4j.nn.data.ImageDataset;
import org.cnn4j.nn.models.Model;
import org.cnn4j.nn.models.Models;
import org.junit.jupiter.api.Test;

/**
 * LeNet-5 on real Fashion-MNIST, on the reference backend: one epoch over the first 6,000 training images
 * (batch 32, Adam 0.002) must reach more than 60% on the first 1,000 test images whatever the seed (seeds 1 to 3
 * reach about 70% with 4,000 images). Skipped, with the reason, when the data set is not installed
 * ({@code apt-get install dataset-fashion-mnist}, or {@code -Dcnn4j.fashionMnist=DIR}). About 15 s on 2 cores.
 */
class FashionMnistTrainingTest {
    @Test
    void lenet5LearnsFashionMnistInOneEpoch() throws IOException {
        java.nio.file.Path path = org.cnn4j.nn.TestData.fashionMnist();
        ImageDataset train = DataSets.read("fashion-mnist", path, true, 6000);
        ImageDataset test = DataSets.read("fashion-mnist", path, false, 1000);
        long seed = Long.getLong("cnn4j.test.seed", 1); // a fixed seed; -Dcnn4j.test.seed=N tries others
        try (Backend b = new ReferenceBackend();
                Model m = Models.create("lenet5", b, train.sampleShape(), 10, seed);
                Optimizer opt = new Optimizer(b, m.net().parameters(),
                        Optimizer.Config.defaults(Optimizer.Kind.ADAM, 0.002));
                Trainer t = new Trainer(m, opt, Trainer.Config.of(32, seed))) {
            List<EpochResult> r = t.fit(train, null, 1, new TrainingListener() { });
            Metrics acc = t.evaluate(test);
            String msg = String.format(java.util.Locale.ROOT,
                    "seed %d: train loss %.4f, test accuracy %.2f%%, %.0f images/s", seed, r.getFirst().train().loss(),
                    100 * acc.accuracy(), r.getFirst().imagesPerSecond());
            System.out.println("FashionMnistTrainingTest " + msg);
            assertTrue(acc.accuracy() > 0.60, msg);
        }
    }
}
