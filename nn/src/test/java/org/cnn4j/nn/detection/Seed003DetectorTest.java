package org.cnn4j.nn.detection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.cnn4j.backend.cpu.CpuBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.nn.Init;
import org.cnn4j.nn.data.detection.DetectionBatch;
import org.cnn4j.nn.data.detection.DetectionSample;
import org.cnn4j.nn.models.Models;
import org.cnn4j.nn.models.RetinaNet;
import org.cnn4j.nn.train.Optimizer;
import org.junit.jupiter.api.Test;

/**
 * The full seed 003 detector (ResNet-50, P3-P6, shared heads) runs training steps on the cpu backend: finite
 * losses, foreground anchors for the boxes, the parameters updated, and a small SGD step (lr 1e-4, where the loss
 * is close to linear) lowers the loss on the same batch, so the gradient points downhill.
 */
class Seed003DetectorTest {
    /** Two 64x64 RGB images with a bright square each, a face-sized box of the anchors' smallest sizes. */
    static DetectionBatch batch() {
        float[][] boxes = {{8, 12, 30, 34}, {30, 20, 52, 44}};
        List<DetectionSample> s = new java.util.ArrayList<>();
        for (float[] b : boxes) {
            float[] px = new float[3 * 64 * 64];
            for (int c = 0; c < 3; c++) {
                for (int y = (int) b[1]; y < b[3]; y++) {
                    for (int x = (int) b[0]; x < b[2]; x++) {
                        px[(c * 64 + y) * 64 + x] = 0.9f;
                    }
                }
            }
            s.add(new DetectionSample(3, 64, 64, px, b, new int[] {0}));
        }
        return DetectionBatch.collate(s, 32);
    }

    @Test
    void aTrainingStepOnCpu() {
        try (Backend b = new CpuBackend(new CpuBackend.Config(2, true))) {
            step(b);
        }
    }

    /** Two SGD steps of the seed 003 detector on {@link #batch()} on {@code b}; checks them; returns the losses. */
    public static double[] step(Backend b) {
        try (RetinaNet det = Models.detector("seed003-detector", b, 3, 1, 7, Init.PYTORCH_DEFAULT);
                Optimizer opt = new Optimizer(b, det.net().parameters(),
                        Optimizer.Config.defaults(Optimizer.Kind.SGD, 1e-4));
                DetectionTrainer t = new DetectionTrainer(det, opt, Models.detectorAnchors("seed003-detector"),
                        DetectionTrainer.Config.paper())) {
            float[] before = det.net().parameters().get("head.regression_head.bbox_reg.weight").value().toFloatArray();
            DetectionTrainer.StepLoss first = t.step(batch());
            assertTrue(Double.isFinite(first.classification()) && Double.isFinite(first.regression()),
                    first.toString());
            assertTrue(first.foreground() > 0, first.toString());
            assertFalse(Arrays.equals(before,
                    det.net().parameters().get("head.regression_head.bbox_reg.weight").value().toFloatArray()));
            DetectionTrainer.StepLoss second = t.step(batch());
            assertEquals(first.foreground(), second.foreground());
            assertTrue(second.total() < first.total(), first + " then " + second);
            return new double[] {first.total(), second.total()};
        }
    }
}
