package org.cnn4j.nn.detection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Presets, conventions at the edges, and bad input refused with a message naming the parameter. */
class DetectionContractTest {
    private static final AnchorGenerator SEED003 = AnchorGenerator.retinaNet(new int[] {8, 16, 32, 64}, 14, 220);

    @Test
    void seed003PresetSpreadsAreas14To220OverFourLevels() {
        assertEquals(4, SEED003.levels());
        assertEquals(9, SEED003.anchorsPerLocation());
        double step = Math.cbrt(220.0 / 14);
        for (int l = 0; l < 4; l++) {
            double base = 14 * Math.pow(step, l);
            assertArrayEquals(new double[] {base, base * Math.cbrt(2), base * Math.cbrt(4)}, SEED003.sizes(l), 1e-9);
        }
        assertEquals(220.0, SEED003.sizes(3)[0], 1e-9);
        // RetinaNet's own spread: bases 32, 64, ..., 512 at strides 8..128
        AnchorGenerator retina = AnchorGenerator.retinaNet(new int[] {8, 16, 32, 64, 128}, 32, 512);
        for (int l = 0; l < 5; l++) {
            assertEquals(32 << l, retina.sizes(l)[0], 1e-9);
        }
        // a square anchor of size 14 at cell (0, 0): ratio 1 is the second ratio, size 14 the first size
        float[] a = SEED003.anchors(0, 1, 1);
        assertArrayEquals(new float[] {-7, -7, 7, 7}, Arrays.copyOfRange(a, 4 * 3, 4 * 4));
        assertEquals(4 * 9 * (10 * 12 + 5 * 6 + 3 * 3 + 2 * 2),
                SEED003.anchors(new int[][] {{10, 12}, {5, 6}, {3, 3}, {2, 2}}).length);
        assertEquals(0, SEED003.anchors(new int[][] {{0, 12}, {0, 6}, {0, 3}, {0, 2}}).length);
    }

    @Test
    void emptyAndDegenerateBoxes() {
        float[] b = {0, 0, 10, 10, 5, 5, 5, 9, 10, 10, 8, 8, 3, 3, 3, 3};
        assertEquals(100f, Boxes.area(b, 0));
        assertEquals(0f, Boxes.area(b, 1));
        assertEquals(0f, Boxes.area(b, 2)); // inverted: torchvision's box_area gives (-2) * (-2) = 4
        float[] iou = Boxes.iou(b, 4, b, 4);
        assertEquals(1f, iou[0]);
        for (int i = 1; i < 16; i++) {
            if (i != 0) {
                assertEquals(0f, iou[i], "pair " + i); // torchvision: nan for two empty boxes
            }
        }
        float[] c = {-5, -3, 50, 70, 2, 3, 4, 5};
        Boxes.clip(c, 2, 60, 40);
        assertArrayEquals(new float[] {0, 0, 40, 60, 2, 3, 4, 5}, c);
        // an empty image has no matches and all-background targets
        float[] anchors = SEED003.anchors(new int[][] {{2, 2}, {1, 1}, {1, 1}, {1, 1}});
        int[] m = new Matcher(0.5, 0.4, true).match(anchors, anchors.length / 4, new float[0], 0);
        assertTrue(Arrays.stream(m).allMatch(v -> v == Matcher.BACKGROUND));
        assertEquals(0, Nms.nms(new float[0], new float[0], 0, 0.5).length);
    }

    @Test
    void negativeZeroTiesWithZero() {
        float[] b = {0, 0, 10, 10, 0, 0, 10, 10};
        assertArrayEquals(new int[] {0}, Nms.nms(b, new float[] {-0f, 0f}, 2, 0.5));
        assertArrayEquals(new int[] {0}, Nms.nms(b, new float[] {0f, -0f}, 2, 0.5));
    }

    private static void refused(String fragment, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), "'" + e.getMessage() + "' should mention '" + fragment + "'");
    }

    @Test
    void badInputIsRefused() {
        refused("a: 3 boxes need 12 values", () -> Boxes.iou(new float[8], 3, new float[4], 1));
        refused("one sizes entry per stride", () -> new AnchorGenerator(new int[] {8, 16}, new double[][] {{16}},
                new double[] {1}));
        refused("strides must be > 0", () -> new AnchorGenerator(new int[] {0}, new double[][] {{16}},
                new double[] {1}));
        refused("aspect ratios", () -> new AnchorGenerator(new int[] {8}, new double[][] {{16}}, new double[] {0}));
        refused("one level cannot span", () -> AnchorGenerator.retinaNet(new int[] {8}, 14, 220));
        refused("need one (H, W) per level", () -> SEED003.anchors(new int[][] {{1, 1}}));
        refused("level 5", () -> SEED003.anchors(5, 1, 1));
        refused("backgroundIou <= foregroundIou", () -> new Matcher(0.4, 0.5, true));
        refused("gt: 2 boxes", () -> new Matcher(0.5, 0.4, true).match(new float[4], 1, new float[4], 2));
        refused("weights", () -> new BoxCoder(1, 0, 1, 1));
        refused("score of box 1 is NaN", () -> Nms.nms(new float[8], new float[] {1, Float.NaN}, 2, 0.5));
        refused("need 2 labels", () -> Nms.batched(new float[8], new float[2], new int[1], 2, 0.5));
        AnchorGenerator one = new AnchorGenerator(new int[] {8}, new double[][] {{16}}, new double[] {1});
        PostProcess pp = new PostProcess(0.05, 1000, 0.5, 300);
        BoxCoder coder = new BoxCoder(1, 1, 1, 1);
        refused("level 0 logits need 8 values ([2, 2, 2])", () -> pp.detect(List.of(new float[7]),
                List.of(new float[16]), new int[][] {{2, 2}}, one, coder, 2, 16, 16));
        refused("level 0 deltas need 16 values", () -> pp.detect(List.of(new float[8]), List.of(new float[15]),
                new int[][] {{2, 2}}, one, coder, 2, 16, 16));
        refused("label 2 of box 0", () -> Targets.build(one, new int[][] {{2, 2}}, new Matcher(0.5, 0.4, true), coder,
                new float[] {0, 0, 8, 8}, new int[] {2}, 1, 2, new ArrayList<>(), new ArrayList<>(),
                new ArrayList<>(), new ArrayList<>()));
        List<float[]> wrong = new ArrayList<>(List.of(new float[3]));
        refused("clsTarget[0] needs 8 values", () -> Targets.build(one, new int[][] {{2, 2}},
                new Matcher(0.5, 0.4, true), coder, new float[0], new int[0], 0, 2, wrong, new ArrayList<>(),
                new ArrayList<>(), new ArrayList<>()));
    }

    @Test
    void postProcessWithNothingAboveThresholdIsEmpty() {
        AnchorGenerator one = new AnchorGenerator(new int[] {8}, new double[][] {{16}}, new double[] {1});
        float[] logits = new float[2 * 4];
        Arrays.fill(logits, -10f);
        assertTrue(new PostProcess(0.05, 1000, 0.5, 300).detect(List.of(logits), List.of(new float[16]),
                new int[][] {{2, 2}}, one, new BoxCoder(1, 1, 1, 1), 2, 16, 16).isEmpty());
    }
}
