package org.cnn4j.nn.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cnn4j.core.Shape;
import org.cnn4j.nn.MetaBackend;
import org.cnn4j.nn.Summary;
import org.junit.jupiter.api.Test;

/** The zoo's parameter counts, taken from the summary of each built model, against the seeds' figures. */
class ModelZooTest {
    private static Summary summary(String name, Shape sample, int classes) {
        try (MetaBackend b = new MetaBackend(); Model m = Models.create(name, b, sample, classes, 1)) {
            Summary s = m.summary();
            return s;
        }
    }

    @Test
    void lenet5() {
        Summary s = summary("lenet5", Shape.of(1, 28, 28), 10);
        assertEquals(61_706, s.total(), s.format());
        assertEquals(61_706, s.trainable());
        assertEquals(Shape.of(1, 6, 28, 28), s.rows().get(0).output());
        assertEquals(156, s.rows().get(0).params());
        assertEquals(Shape.of(1, 400), s.rows().get(6).output());
        assertEquals(Shape.of(1, 10), s.output());
    }

    @Test
    void alexnetOneTowerMatchesSeed000Table1() {
        Summary s = summary("alexnet", Shape.of(3, 227, 227), 1000);
        assertEquals(62_378_344, s.total(), s.format());
        assertEquals(34_944, s.rows().get(0).params());
        assertEquals(Shape.of(1, 96, 55, 55), s.rows().get(0).output());
        assertEquals(614_656, s.rows().get(3).params());
        assertEquals(Shape.of(1, 256, 6, 6), s.rows().get(12).output());
        assertEquals(37_752_832, s.rows().get(15).params());
    }

    @Test
    void alexnetTwoTowersMatchesSeed002() {
        Summary s = summary("alexnet-2tower", Shape.of(3, 227, 227), 1000);
        assertEquals(60_965_224, s.total(), s.format());
        assertEquals(307_456, s.rows().get(3).params());
        assertEquals(663_936, s.rows().get(8).params());
        assertEquals(442_624, s.rows().get(10).params());
    }

    @Test
    void seed002CnnOnFashionMnist() {
        Summary s = summary("seed002-cnn", Shape.of(1, 28, 28), 10);
        assertEquals(267_178, s.total(), s.format());
        assertEquals(266_794, s.trainable());
        assertEquals(384, s.nonTrainable());
    }

    @Test
    void seed002CnnOnCifar10() {
        Summary s = summary("seed002-cnn", Shape.of(3, 32, 32), 10);
        assertEquals(329_194, s.total(), s.format());
        assertEquals(328_810, s.trainable());
        assertEquals(896, s.rows().get(0).params());
        assertEquals(128, s.rows().get(2).params());
        assertEquals(Shape.of(1, 4096), s.rows().get(16).output());
        assertEquals(262_208, s.rows().get(17).params());
    }

    @Test
    void seed002DenseBaselines() {
        Summary f = summary("seed002-dense", Shape.of(1, 28, 28), 10);
        assertEquals(111_146, f.total(), f.format());
        assertEquals(111_146, f.trainable());
        Summary c = summary("seed002-dense", Shape.of(3, 32, 32), 10);
        assertEquals(404_010, c.total(), c.format());
        assertEquals(393_344, c.rows().get(1).params());
    }

    @Test
    void seed003MnistNetwork() {
        Summary s = summary("seed003-mnist", Shape.of(1, 28, 28), 10);
        // Three conv 5x5 stride 2 blocks (32, 64, 128 channels): 28 -> 14 -> 7 -> 4, then 2048 -> 10.
        assertEquals(Shape.of(1, 32, 14, 14), s.rows().get(0).output());
        assertEquals(Shape.of(1, 64, 7, 7), s.rows().get(3).output());
        assertEquals(Shape.of(1, 128, 4, 4), s.rows().get(6).output());
        assertEquals(278_410, s.total(), s.format());
        assertEquals(277_962, s.trainable());
    }

    @Test
    void metaModelsReleaseEverything() {
        try (MetaBackend b = new MetaBackend()) {
            Model m = Models.create("seed002-cnn", b, Shape.of(1, 28, 28), 10, 1);
            assertTrue(b.liveTensors() > 0);
            assertTrue(m.net().parameters().containsKey("0.weight"));
            assertTrue(m.net().buffers().containsKey("2.running_mean"));
            m.close();
            assertEquals(0, b.liveTensors());
        }
    }
}
