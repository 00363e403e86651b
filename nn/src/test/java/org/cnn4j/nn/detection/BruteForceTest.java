package org.cnn4j.nn.detection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Compares with plain, literal re-implementations (double-precision IoU from the definition, lists instead of
 * sorted keys) on random boxes with integer corners, so that ties in IoU and score are frequent, including empty
 * images, boxes on and past the border and empty or inverted boxes.
 */
class BruteForceTest {
    private static final AnchorGenerator GEN = AnchorGenerator.retinaNet(new int[] {8, 16, 32}, 14, 60);
    private static final int[][] SIZES = {{5, 6}, {3, 3}, {2, 2}};

    /** IoU from the definition, in double; 0 when either box is empty. */
    static double iou(float[] a, int i, float[] b, int j) {
        double aw = a[4 * i + 2] - a[4 * i];
        double ah = a[4 * i + 3] - a[4 * i + 1];
        double bw = b[4 * j + 2] - b[4 * j];
        double bh = b[4 * j + 3] - b[4 * j + 1];
        if (aw <= 0 || ah <= 0 || bw <= 0 || bh <= 0) {
            return 0;
        }
        double iw = Math.min(a[4 * i + 2], b[4 * j + 2]) - Math.max(a[4 * i], b[4 * j]);
        double ih = Math.min(a[4 * i + 3], b[4 * j + 3]) - Math.max(a[4 * i + 1], b[4 * j + 1]);
        if (iw <= 0 || ih <= 0) {
            return 0;
        }
        return iw * ih / (aw * ah + bw * bh - iw * ih);
    }

    /** Integer boxes in [-8, 56] x [-8, 48] with sides 0..30; some inverted, some duplicated. */
    static float[] boxes(Random r, int n) {
        float[] b = new float[4 * n];
        for (int i = 0; i < n; i++) {
            if (i > 0 && r.nextInt(6) == 0) {
                System.arraycopy(b, 4 * r.nextInt(i), b, 4 * i, 4);
                continue;
            }
            int x = r.nextInt(65) - 8;
            int y = r.nextInt(57) - 8;
            int w = r.nextInt(31);
            int h = r.nextInt(31);
            if (r.nextInt(15) == 0) {
                w = -w;
            }
            b[4 * i] = x;
            b[4 * i + 1] = y;
            b[4 * i + 2] = x + w;
            b[4 * i + 3] = y + h;
        }
        return b;
    }

    @Test
    void iouMatchesDefinition() {
        Random r = new Random(1);
        for (int t = 0; t < 50; t++) {
            int na = r.nextInt(8);
            int nb = r.nextInt(8);
            float[] a = boxes(r, na);
            float[] b = boxes(r, nb);
            float[] got = Boxes.iou(a, na, b, nb);
            for (int i = 0; i < na; i++) {
                for (int j = 0; j < nb; j++) {
                    assertEquals(iou(a, i, b, j), got[i * nb + j], 1e-6);
                    assertEquals(got[i * nb + j], Boxes.iou(b, nb, a, na)[j * na + i]);
                }
            }
        }
    }

    /** torchvision's Matcher, literally, on a [gt][anchor] double matrix; gt whose best IoU is 0 adds nothing. */
    static int[] matchOracle(float[] anchors, int na, float[] gt, int ngt, double high, double low, boolean lq) {
        int[] m = new int[na];
        if (ngt == 0) {
            Arrays.fill(m, Matcher.BACKGROUND);
            return m;
        }
        double[][] q = new double[ngt][na];
        for (int g = 0; g < ngt; g++) {
            for (int i = 0; i < na; i++) {
                q[g][i] = iou(gt, g, anchors, i);
            }
        }
        int[] all = new int[na];
        for (int i = 0; i < na; i++) {
            int arg = 0;
            for (int g = 1; g < ngt; g++) {
                if (q[g][i] > q[arg][i]) {
                    arg = g;
                }
            }
            all[i] = arg;
            double v = q[arg][i];
            m[i] = v < low ? Matcher.BACKGROUND : v < high ? Matcher.IGNORED : arg;
        }
        if (lq) {
            for (int g = 0; g < ngt; g++) {
                double best = Arrays.stream(q[g]).max().orElse(0);
                for (int i = 0; i < na; i++) {
                    if (best > 0 && q[g][i] == best) {
                        m[i] = all[i];
                    }
                }
            }
        }
        return m;
    }

    @Test
    void matcherMatchesOracle() {
        Random r = new Random(2);
        float[] anchors = GEN.anchors(SIZES);
        int na = anchors.length / 4;
        int lowQuality = 0;
        for (int t = 0; t < 60; t++) {
            int ngt = t % 10 == 0 ? 0 : 1 + r.nextInt(8);
            float[] gt = boxes(r, ngt);
            if (ngt > 0 && t % 3 == 0) {
                System.arraycopy(anchors, 4 * r.nextInt(na), gt, 0, 4); // an anchor itself: IoU 1, ties
            }
            for (boolean lq : new boolean[] {true, false}) {
                int[] expected = matchOracle(anchors, na, gt, ngt, 0.5, 0.4, lq);
                assertArrayEquals(expected, new Matcher(0.5, 0.4, lq).match(anchors, na, gt, ngt), "case " + t);
            }
            int[] plain = matchOracle(anchors, na, gt, ngt, 0.5, 0.4, false);
            int[] with = matchOracle(anchors, na, gt, ngt, 0.5, 0.4, true);
            lowQuality += Arrays.equals(plain, with) ? 0 : 1;
        }
        assertTrue(lowQuality > 10, "the cases exercise low-quality matches: " + lowQuality);
    }

    @Test
    void gtThatOverlapsNoAnchorMakesNoForeground() {
        float[] anchors = GEN.anchors(SIZES);
        int na = anchors.length / 4;
        float[] gt = {1000, 1000, 1010, 1010, 5, 5, 5, 20};
        int[] m = new Matcher(0.5, 0.4, true).match(anchors, na, gt, 2);
        assertTrue(Arrays.stream(m).allMatch(v -> v == Matcher.BACKGROUND), Arrays.toString(m));
    }

    /**
     * Greedy NMS from the definition: repeatedly take the best remaining (lowest index on ties). The IoU is rounded
     * to float before the comparison with the double threshold, as torchvision's kernel compares: an IoU of
     * exactly 3/10 is then above a threshold of 0.3.
     */
    static int[] nmsOracle(float[] b, float[] s, int[] labels, int n, double thr) {
        List<Integer> left = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            left.add(i);
        }
        List<Integer> keep = new ArrayList<>();
        while (!left.isEmpty()) {
            int best = left.get(0);
            for (int i : left) {
                if (s[i] > s[best] || (s[i] == s[best] && i < best)) {
                    best = i;
                }
            }
            keep.add(best);
            int k = best;
            left.removeIf(i -> i == k || ((labels == null || labels[i] == labels[k]) && (float) iou(b, k, b, i) > thr));
        }
        return keep.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void nmsMatchesOracle() {
        Random r = new Random(3);
        for (int t = 0; t < 80; t++) {
            int n = r.nextInt(40);
            float[] b = boxes(r, n);
            float[] s = new float[n];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                s[i] = r.nextInt(6) / 5f; // many ties
                labels[i] = r.nextInt(3);
            }
            double thr = new double[] {0.3, 0.5, 0.7}[t % 3];
            assertArrayEquals(nmsOracle(b, s, null, n, thr), Nms.nms(b, s, n, thr), "case " + t);
            int[] all = nmsOracle(b, s, labels, n, thr);
            assertArrayEquals(all, Nms.batched(b, s, labels, n, thr), "case " + t);
            int limit = r.nextInt(10);
            assertArrayEquals(Arrays.copyOf(all, Math.min(limit, all.length)),
                    Nms.batched(b, s, labels, n, thr, limit), "case " + t + " limited to " + limit);
        }
    }

    @Test
    void nmsKeepsABoxAtExactlyTheThreshold() {
        float[] b = {0, 0, 10, 10, 0, 0, 10, 20, 0, 0, 10, 30};
        float[] s = {0.9f, 0.8f, 0.7f};
        // IoU(0, 1) = 0.5 is not above 0.5; IoU(1, 2) = 2/3 is; IoU(0, 2) = 1/3 (torchvision: [0, 1] and [0, 2])
        assertArrayEquals(new int[] {0, 1}, Nms.nms(b, s, 3, 0.5));
        assertArrayEquals(new int[] {0, 2}, Nms.nms(b, s, 3, 0.49));
        // float IoU 3/10 rounds up past the double 0.3, as in torchvision (which keeps [0])
        float[] c = {0, 0, 10, 10, 0, 0, 10, 3};
        assertArrayEquals(new int[] {0}, Nms.nms(c, s, 2, 0.3));
    }

    @Test
    void encodeDecodeRoundTrip() {
        Random r = new Random(4);
        BoxCoder coder = new BoxCoder(1, 1, 1, 1);
        BoxCoder weighted = new BoxCoder(10, 10, 5, 5);
        float[] anchors = GEN.anchors(SIZES);
        float[] gt = new float[4];
        float[] d = new float[4];
        float[] back = new float[4];
        for (int t = 0; t < 500; t++) {
            float x = r.nextFloat() * 60 - 10;
            float y = r.nextFloat() * 50 - 10;
            gt[0] = x;
            gt[1] = y;
            gt[2] = x + 1 + r.nextFloat() * 80;
            gt[3] = y + 1 + r.nextFloat() * 80;
            int a = r.nextInt(anchors.length / 4);
            for (BoxCoder c : new BoxCoder[] {coder, weighted}) {
                c.encode(anchors, a, gt, 0, d, 0);
                c.decode(anchors, a, d, 0, back, 0);
                for (int j = 0; j < 4; j++) {
                    assertEquals(gt[j], back[j], 1e-4 * Math.max(1, Math.abs(gt[j])), "case " + t);
                }
            }
        }
        // deltas past log(1000/16) are clipped: the box is at most 1000/16 times the anchor
        float[] anchor = {0, 0, 16, 16};
        coder.decode(anchor, 0, new float[] {0, 0, 50, 50}, 0, back, 0);
        assertEquals(1000f, back[2] - back[0], 1e-2f);
        assertEquals(1000f, back[3] - back[1], 1e-2f);
    }

    @Test
    void postProcessMatchesOracle() {
        Random r = new Random(5);
        int k = 2;
        int per = GEN.anchorsPerLocation();
        BoxCoder coder = new BoxCoder(1, 1, 1, 1);
        for (int t = 0; t < 10; t++) {
            List<float[]> cls = new ArrayList<>();
            List<float[]> reg = new ArrayList<>();
            for (int[] hw : SIZES) {
                float[] c = new float[per * k * hw[0] * hw[1]];
                float[] g = new float[per * 4 * hw[0] * hw[1]];
                for (int i = 0; i < c.length; i++) {
                    c[i] = (float) (r.nextGaussian() * 2 - 2);
                }
                for (int i = 0; i < g.length; i++) {
                    g[i] = (float) (r.nextGaussian() * 0.3);
                }
                cls.add(c);
                reg.add(g);
            }
            int topk = 5 + 10 * t;
            int perImage = 3 + 5 * t;
            List<Detection> got = new PostProcess(0.1, topk, 0.45, perImage).detect(cls, reg, SIZES, GEN, coder, k,
                    40, 48);
            // oracle: every (anchor, class) in torchvision's flattened order, sorted by score, top-k per level
            List<float[]> cand = new ArrayList<>(); // x1, y1, x2, y2, score, label
            for (int l = 0; l < SIZES.length; l++) {
                int h = SIZES[l][0];
                int w = SIZES[l][1];
                float[] anchors = GEN.anchors(l, h, w);
                List<float[]> level = new ArrayList<>();
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        for (int a = 0; a < per; a++) {
                            for (int c = 0; c < k; c++) {
                                double logit = cls.get(l)[((a * k + c) * h + y) * w + x];
                                float score = (float) (1 / (1 + Math.exp(-logit)));
                                if (score > 0.1f) {
                                    float[] d = new float[4];
                                    for (int j = 0; j < 4; j++) {
                                        d[j] = reg.get(l)[((a * 4 + j) * h + y) * w + x];
                                    }
                                    float[] box = new float[4];
                                    coder.decode(anchors, (y * w + x) * per + a, d, 0, box, 0);
                                    Boxes.clip(box, 1, 40, 48);
                                    level.add(new float[] {box[0], box[1], box[2], box[3], score, c});
                                }
                            }
                        }
                    }
                }
                level.sort((p, q) -> Float.compare(q[4], p[4])); // stable: flattened order on ties
                cand.addAll(level.subList(0, Math.min(topk, level.size())));
            }
            int n = cand.size();
            float[] b = new float[4 * n];
            float[] s = new float[n];
            int[] lab = new int[n];
            for (int i = 0; i < n; i++) {
                System.arraycopy(cand.get(i), 0, b, 4 * i, 4);
                s[i] = cand.get(i)[4];
                lab[i] = (int) cand.get(i)[5];
            }
            int[] keep = nmsOracle(b, s, lab, n, 0.45);
            assertEquals(Math.min(keep.length, perImage), got.size(), "case " + t);
            for (int i = 0; i < got.size(); i++) {
                int j = keep[i];
                assertEquals(new Detection(b[4 * j], b[4 * j + 1], b[4 * j + 2], b[4 * j + 3], s[j], lab[j]),
                        got.get(i), "case " + t + " detection " + i);
            }
        }
    }

    @Test
    void targetsFollowTheMatch() {
        Random r = new Random(6);
        int k = 3;
        int per = GEN.anchorsPerLocation();
        Matcher matcher = new Matcher(0.5, 0.4, true);
        BoxCoder coder = new BoxCoder(1, 1, 1, 1);
        float[] anchors = GEN.anchors(SIZES);
        List<float[]> ct = new ArrayList<>();
        List<float[]> cw = new ArrayList<>();
        List<float[]> rt = new ArrayList<>();
        List<float[]> rw = new ArrayList<>();
        for (int t = 0; t < 20; t++) {
            int ngt = t % 5 == 0 ? 0 : 1 + r.nextInt(6);
            float[] gt = boxes(r, ngt);
            for (int g = 0; g < ngt; g++) { // targets need non-empty ground truth
                gt[4 * g + 2] = Math.max(gt[4 * g + 2], gt[4 * g] + 2);
                gt[4 * g + 3] = Math.max(gt[4 * g + 3], gt[4 * g + 1] + 2);
            }
            int[] labels = r.ints(ngt, 0, k).toArray();
            // the lists are reused from case 1 on: build overwrites them entirely
            int fg = Targets.build(GEN, SIZES, matcher, coder, gt, labels, ngt, k, ct, cw, rt, rw);
            int[] m = matchOracle(anchors, anchors.length / 4, gt, ngt, 0.5, 0.4, true);
            assertEquals(Arrays.stream(m).filter(v -> v >= 0).count(), fg);
            if (ngt == 0) {
                assertEquals(0, fg);
            }
            int anchor = 0;
            float[] d = new float[4];
            for (int l = 0; l < SIZES.length; l++) {
                int h = SIZES[l][0];
                int w = SIZES[l][1];
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        for (int a = 0; a < per; a++, anchor++) {
                            int mi = m[anchor];
                            for (int c = 0; c < k; c++) {
                                int at = ((a * k + c) * h + y) * w + x;
                                assertEquals(mi >= 0 && labels[mi] == c ? 1f : 0f, ct.get(l)[at]);
                                assertEquals(mi == Matcher.IGNORED ? 0f : 1f, cw.get(l)[at]);
                            }
                            if (mi >= 0) {
                                coder.encode(anchors, anchor, gt, mi, d, 0);
                            }
                            for (int j = 0; j < 4; j++) {
                                int at = ((a * 4 + j) * h + y) * w + x;
                                assertEquals(mi >= 0 ? d[j] : 0f, rt.get(l)[at]);
                                assertEquals(mi >= 0 ? 1f : 0f, rw.get(l)[at]);
                            }
                        }
                    }
                }
            }
        }
    }
}
