package org.cnn4j.nn.detection;

import static org.cnn4j.nn.detection.TorchvisionCases.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Compares with torchvision 0.14's own results, printed by nn/src/test/python/torchvision_detection.py. */
class TorchvisionParityTest {
    private static final int[] STRIDES = {8, 16, 32, 64};
    private static final AnchorGenerator SEED003 = AnchorGenerator.retinaNet(STRIDES, 14, 220);
    private static final int[][] MATCH_SIZES = {{6, 6}, {3, 3}, {2, 2}, {1, 1}};

    @Test
    void anchorsEqualTorchvision() {
        assertArrayEquals(ANCHORS_SEED003_3x4_2x3_1x2_1x1,
                SEED003.anchors(new int[][] {{3, 4}, {2, 3}, {1, 2}, {1, 1}}));
        AnchorGenerator odd = new AnchorGenerator(new int[] {7}, new double[][] {{15, 25}}, new double[] {1, 0.25});
        assertArrayEquals(ANCHORS_ODD_2x2_STRIDE7, odd.anchors(0, 2, 2));
        // one level alone equals its slice of the concatenation
        float[] level1 = SEED003.anchors(1, 2, 3);
        float[] all = ANCHORS_SEED003_3x4_2x3_1x2_1x1;
        for (int i = 0; i < level1.length; i++) {
            assertEquals(all[3 * 4 * 9 * 4 + i], level1[i]);
        }
    }

    @Test
    void iouEqualsTorchvisionWithNanAsZero() {
        int na = IOU_A.length / 4;
        int nb = IOU_B.length / 4;
        float[] iou = Boxes.iou(IOU_A, na, IOU_B, nb);
        for (int i = 0; i < na * nb; i++) {
            float expected = Float.isNaN(IOU_AB[i]) ? 0f : IOU_AB[i];
            assertEquals(expected, iou[i], 1e-6f, "pair " + i / nb + ", " + i % nb);
        }
    }

    @Test
    void matcherEqualsTorchvision() {
        float[] anchors = SEED003.anchors(MATCH_SIZES);
        int na = anchors.length / 4;
        assertArrayEquals(MATCH, new Matcher(0.5, 0.4, true).match(anchors, na, MATCH_GT, MATCH_GT.length / 4));
        assertArrayEquals(MATCH_NO_LOW_QUALITY,
                new Matcher(0.5, 0.4, false).match(anchors, na, MATCH_GT, MATCH_GT.length / 4));
    }

    @Test
    void targetsEqualRetinaNetComputeLoss() {
        List<float[]> ct = new ArrayList<>();
        List<float[]> cw = new ArrayList<>();
        List<float[]> rt = new ArrayList<>();
        List<float[]> rw = new ArrayList<>();
        int k = 2;
        int fg = Targets.build(SEED003, MATCH_SIZES, new Matcher(0.5, 0.4, true), new BoxCoder(1, 1, 1, 1), MATCH_GT,
                MATCH_LABELS, MATCH_GT.length / 4, k, ct, cw, rt, rw);
        assertEquals(TARGET_FG.length, fg);
        int per = SEED003.anchorsPerLocation();
        int anchor = 0;
        int fgSeen = 0;
        for (int l = 0; l < 4; l++) {
            int h = MATCH_SIZES[l][0];
            int w = MATCH_SIZES[l][1];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int a = 0; a < per; a++, anchor++) {
                        for (int c = 0; c < k; c++) {
                            int at = ((a * k + c) * h + y) * w + x;
                            assertEquals(TARGET_CLS[anchor * k + c], ct.get(l)[at], "cls target of anchor " + anchor);
                            assertEquals(TARGET_VALID[anchor], cw.get(l)[at], "cls weight of anchor " + anchor);
                        }
                        boolean isFg = fgSeen < TARGET_FG.length && TARGET_FG[fgSeen] == anchor;
                        for (int j = 0; j < 4; j++) {
                            int at = ((a * 4 + j) * h + y) * w + x;
                            assertEquals(isFg ? 1f : 0f, rw.get(l)[at]);
                            assertEquals(isFg ? TARGET_REG[4 * fgSeen + j] : 0f, rt.get(l)[at], 1e-5f,
                                    "reg target of anchor " + anchor);
                        }
                        if (isFg) {
                            fgSeen++;
                        }
                    }
                }
            }
        }
        assertEquals(TARGET_FG.length, fgSeen);
    }

    @Test
    void boxCoderEqualsTorchvision() {
        int n = CODER_ANCHORS.length / 4;
        check(new BoxCoder(1, 1, 1, 1), n, CODER_ENCODED, CODER_DELTAS, 1f, CODER_DECODED);
        check(new BoxCoder(10, 10, 5, 5), n, CODER_ENCODED_W, CODER_DELTAS, 5f, CODER_DECODED_W);
    }

    private static void check(BoxCoder coder, int n, float[] encoded, float[] deltas, float scale, float[] decoded) {
        float[] out = new float[4 * n];
        float[] d = deltas.clone();
        for (int i = 0; i < d.length; i++) {
            d[i] *= scale;
        }
        for (int i = 0; i < n; i++) {
            coder.encode(CODER_ANCHORS, i, CODER_GT, i, out, 4 * i);
        }
        assertArrayEquals(encoded, out, 2e-6f);
        for (int i = 0; i < n; i++) {
            coder.decode(CODER_ANCHORS, i, d, 4 * i, out, 4 * i);
        }
        for (int i = 0; i < 4 * n; i++) {
            assertEquals(decoded[i], out[i], 2e-6f * Math.max(1, Math.abs(decoded[i])), "value " + i);
        }
    }

    @Test
    void nmsEqualsTorchvisionIncludingTies() {
        int n = NMS_SCORES.length;
        assertArrayEquals(NMS_KEEP_05, Nms.nms(NMS_BOXES, NMS_SCORES, n, 0.5));
        assertArrayEquals(NMS_KEEP_03, Nms.nms(NMS_BOXES, NMS_SCORES, n, 0.3));
        assertArrayEquals(BATCHED_KEEP_04, Nms.batched(NMS_BOXES, NMS_UNIQUE_SCORES, NMS_LABELS, n, 0.4));
    }

    @Test
    void postProcessEqualsRetinaNet() {
        AnchorGenerator gen = new AnchorGenerator(new int[] {8, 16}, new double[][] {{16}, {32}},
                new double[] {0.5, 1, 2});
        List<Detection> dets = new PostProcess(0.05, 12, 0.5, 10).detect(List.of(PP_CLS0, PP_CLS1),
                List.of(PP_REG0, PP_REG1), new int[][] {{4, 5}, {2, 3}}, gen, new BoxCoder(1, 1, 1, 1), 2, 32, 40);
        assertEquals(PP_SCORES.length, dets.size());
        for (int i = 0; i < dets.size(); i++) {
            Detection d = dets.get(i);
            assertEquals(PP_LABELS[i], d.label(), "label of " + i);
            assertEquals(PP_SCORES[i], d.score(), 1e-6f, "score of " + i);
            assertArrayEquals(new float[] {PP_BOXES[4 * i], PP_BOXES[4 * i + 1], PP_BOXES[4 * i + 2],
                    PP_BOXES[4 * i + 3]}, d.box(), 1e-4f, "box of " + i);
        }
    }
}
