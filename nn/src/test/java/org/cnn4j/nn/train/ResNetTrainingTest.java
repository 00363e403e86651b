package org.cnn4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.cnn4j.backend.cpu.CpuBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.nn.data.DataSets;
import org.cnn4j.nn.data.ImageDataset;
import org.cnn4j.nn.models.Model;
import org.cnn4j.nn.models.Models;
import org.junit.jupiter.api.Test;

/**
 * A graph model learns real data: He et al.'s ResNet-20 (residual blocks with identity and projection
 * shortcuts, batch norm, global average pooling) on Fashion-MNIST, on the cpu backend: one epoch over the first
 * 4,000 training images (batch 32, Adam 0.002) must reach more than 65% on the first 1,000 test images. Skipped,
 * with the reason, when the data set is not installed ({@code apt-get install dataset-fashion-mnist}, or
 * {@code -Dcnn4j.fashionMnist=DIR}).
 */
class ResNetTrainingTest {
    @Test
    void resnet20LearnsFashionMnistInOneEpoch() throws IOException {
        java.nio.file.Path path = org.cnn4j.nn.TestData.fashionMnist();
        ImageDataset train = DataSets.read("fashion-mnist", path, true, 4000);
        ImageDataset test = DataSets.read("fashion-mnist", path, false, 1000);
        long seed = Long.getLong("cnn4j.test.seed", 1);
        try (Backend b = new CpuBackend(new CpuBackend.Config(2, true));
                Model m = Models.create("resnet20", b, train.sampleShape(), 10, seed);
                Optimizer opt = new Optimizer(b, m.net().parameters(),
                        Optimizer.Config.defaults(Optimizer.Kind.ADAM, 0.002));
                Trainer t = new Trainer(m, opt, Trainer.Config.of(32, seed))) {
            List<EpochResult> r = t.fit(train, null, 1, new TrainingListener() { });
            Metrics acc = t.evaluate(test);
            String msg = String.format(java.util.Locale.ROOT,
                    "seed %d: train loss %.4f, test accuracy %.2f%%, %.0f images/s", seed, r.getFirst().train().loss(),
                    100 * acc.accuracy(), r.getFirst().imagesPerSecond());
            System.out.println("ResNetTrainingTest " + msg);
            assertTrue(acc.accuracy() > 0.65, msg);
        }
    }
}
