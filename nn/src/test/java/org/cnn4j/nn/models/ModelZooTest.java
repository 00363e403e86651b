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

    @Test
    void resnetsHaveTorchvisionsParameterCounts() {
        assertEquals(11_689_512, summary("resnet18", Shape.of(3, 224, 224), 1000).trainable());
        assertEquals(21_797_672, summary("resnet34", Shape.of(3, 224, 224), 1000).trainable());
        assertEquals(25_557_032, summary("resnet50", Shape.of(3, 224, 224), 1000).trainable());
        assertEquals(11_173_962, summary("resnet18-cifar", Shape.of(3, 32, 32), 10).trainable());
    }

    @Test
    void resnet18HasTorchvisionsNamesAndShapes() {
        try (MetaBackend b = new MetaBackend(); Model m = Models.create("resnet18", b, Shape.of(3, 224, 224), 1000, 1)) {
            var p = m.net().parameters();
            assertEquals(Shape.of(64, 3, 7, 7), p.get("conv1.weight").shape());
            assertEquals(Shape.of(64, 64, 3, 3), p.get("layer1.0.conv1.weight").shape());
            assertEquals(Shape.of(128, 64, 1, 1), p.get("layer2.0.downsample.0.weight").shape());
            assertEquals(Shape.of(128), p.get("layer2.0.downsample.1.weight").shape());
            assertEquals(Shape.of(1000, 512), p.get("fc.weight").shape());
            assertTrue(m.net().buffers().containsKey("layer4.1.bn2.running_var"));
            assertEquals(62, p.size(), p.keySet().toString());
            Summary s = m.summary();
            assertEquals(Shape.of(1, 1000), s.output());
            String table = s.format();
            assertTrue(table.contains("layer1.0.add") && table.contains("<- layer1.0.bn2, maxpool"), table);
            assertTrue(table.contains("layer1.0.relu#2"), table);
        }
    }

    @Test
    void resnet50Bottlenecks() {
        try (MetaBackend b = new MetaBackend(); Model m = Models.create("resnet50", b, Shape.of(3, 224, 224), 1000, 1)) {
            var p = m.net().parameters();
            assertEquals(Shape.of(64, 64, 1, 1), p.get("layer1.0.conv1.weight").shape());
            assertEquals(Shape.of(256, 64, 1, 1), p.get("layer1.0.conv3.weight").shape());
            assertEquals(Shape.of(128, 128, 3, 3), p.get("layer2.0.conv2.weight").shape());
            assertEquals(Shape.of(1000, 2048), p.get("fc.weight").shape());
            assertEquals(Shape.of(1, 2048, 7, 7), m.net().trace(Shape.of(1, 3, 224, 224)).stream()
                    .filter(t -> t.name().equals("layer4.2.relu#3")).findFirst().orElseThrow().output());
        }
    }

    @Test
    void detectorsAreGraphsWithEightOutputsAndTorchvisionsNames() {
        try (MetaBackend b = new MetaBackend();
                RetinaNet d = Models.detector("seed003-detector", b, 3, 1, 1, org.cnn4j.nn.Init.PYTORCH_DEFAULT)) {
            var shapes = d.outputShapes(2, 512, 512);
            assertEquals(java.util.List.of(Shape.of(2, 9, 64, 64), Shape.of(2, 9, 32, 32), Shape.of(2, 9, 16, 16),
                    Shape.of(2, 9, 8, 8), Shape.of(2, 36, 64, 64), Shape.of(2, 36, 32, 32), Shape.of(2, 36, 16, 16),
                    Shape.of(2, 36, 8, 8)), shapes);
            var p = d.net().parameters();
            assertEquals(Shape.of(256, 2048, 1, 1), p.get("backbone.fpn.inner_blocks.2.weight").shape());
            assertEquals(Shape.of(256, 512, 1, 1), p.get("backbone.fpn.inner_blocks.0.weight").shape());
            assertEquals(Shape.of(256, 256, 3, 3), p.get("backbone.fpn.extra_blocks.p6.weight").shape());
            assertEquals(Shape.of(256, 256, 3, 3), p.get("head.classification_head.conv.1.0.weight").shape());
            assertEquals(Shape.of(9, 256, 3, 3), p.get("head.classification_head.cls_logits.weight").shape());
            assertEquals(Shape.of(36, 256, 3, 3), p.get("head.regression_head.bbox_reg.weight").shape());
            assertTrue(p.containsKey("backbone.body.layer4.2.conv3.weight"));
            Summary s = d.summary(512, 512);
            // ResNet-50 without fc (23,508,032) + pyramid (3 laterals, 3 outputs, P6) + heads (3 + 2 convolutions)
            long backbone = 25_557_032L - 2048 * 1000 - 1000;
            long fpn = (512 + 1024 + 2048) * 256 + 3 * 256 + 4 * (256 * 256 * 9 + 256);
            long heads = 2 * (256 * 256 * 9 + 256) + (9 * 256 * 9 + 9) + (256 * 256 * 9 + 256) + (36 * 256 * 9 + 36);
            assertEquals(backbone + fpn + heads, s.trainable(), s.format());
            assertTrue(s.format().contains("head.classification_head#4.cls_logits"), s.format());
        }
    }
}
