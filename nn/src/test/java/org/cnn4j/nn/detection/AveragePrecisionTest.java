package org.cnn4j.nn.detection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AveragePrecisionTest {
    private static Detection det(float x1, float y1, float x2, float y2, float score, int label) {
        return new Detection(x1, y1, x2, y2, score, label);
    }

    @Test
    void perfectDetectorHasApOne() {
        List<float[]> gt = List.of(new float[] {0, 0, 10, 10, 20, 20, 40, 30}, new float[] {5, 5, 15, 25},
                new float[0]);
        List<int[]> labels = List.of(new int[] {0, 1}, new int[] {1}, new int[0]);
        List<List<Detection>> dets = List.of(List.of(det(0, 0, 10, 10, 0.3f, 0), det(20, 20, 40, 30, 0.9f, 1)),
                List.of(det(5, 5, 15, 25, 0.1f, 1)), List.of());
        assertArrayEquals(new double[] {1, 1, Double.NaN}, AveragePrecision.perClass(dets, gt, labels, 3, 0.5));
        assertEquals(1.0, AveragePrecision.mean(dets, gt, labels, 3, 0.5));
        assertEquals(1.0, AveragePrecision.coco(dets, gt, labels, 3));
    }

    @Test
    void knownRankingGivesItsAllPointAp() {
        // 3 faces; ranked TP, FP, TP, FP, TP: precision 1, 1/2, 2/3, 1/2, 3/5 at recall 1/3, 1/3, 2/3, 2/3, 1
        // envelope: 1 on (0, 1/3], 2/3 on (1/3, 2/3], 3/5 on (2/3, 1]: AP = (1 + 2/3 + 3/5) / 3 = 34/45
        float[] gt = {0, 0, 10, 10, 100, 100, 120, 120, 50, 0, 70, 30};
        List<Detection> d = List.of(det(0, 0, 10, 10, 0.9f, 0), det(200, 200, 210, 210, 0.8f, 0),
                det(101, 101, 120, 120, 0.7f, 0), det(1, 0, 10, 10, 0.6f, 0), // second hit on face 0: FP
                det(50, 0, 70, 31, 0.5f, 0));
        double ap = AveragePrecision.mean(List.of(d), List.of(gt), List.of(new int[3]), 1, 0.5);
        assertEquals(34.0 / 45, ap, 1e-12);
        AveragePrecision.Curve c = AveragePrecision.curve(List.of(d), List.of(gt), List.of(new int[3]), 1, 0, 0.5);
        assertArrayEquals(new double[] {1 / 3.0, 1 / 3.0, 2 / 3.0, 2 / 3.0, 1}, c.recall(), 1e-12);
        assertArrayEquals(new double[] {1, 0.5, 2 / 3.0, 0.5, 0.6}, c.precision(), 1e-12);
        // at IoU 0.95 the third detection (IoU 361/400 = 0.9025) misses and the fifth (600/620) still hits
        double strict = AveragePrecision.mean(List.of(d), List.of(gt), List.of(new int[3]), 1, 0.95);
        // TP, FP, FP, FP, TP: recall 1/3 at precision 1, 2/3 at 2/5
        assertEquals(1 / 3.0 + 1 / 3.0 * 0.4, strict, 1e-12);
    }

    @Test
    void missesAndEmptyCases() {
        List<float[]> gt = List.of(new float[] {0, 0, 10, 10});
        List<int[]> labels = List.of(new int[] {0});
        assertEquals(0.0, AveragePrecision.mean(List.of(List.of()), gt, labels, 1, 0.5));
        // half the ground truth found, no false positives: AP 0.5
        List<float[]> two = List.of(new float[] {0, 0, 10, 10}, new float[] {0, 0, 10, 10});
        assertEquals(0.5, AveragePrecision.mean(List.of(List.of(det(0, 0, 10, 10, 1, 0)), List.of()), two,
                List.of(new int[1], new int[1]), 1, 0.5));
        // no ground truth at all: NaN
        assertTrue(Double.isNaN(AveragePrecision.mean(List.of(List.of(det(0, 0, 1, 1, 1, 0))),
                List.of(new float[0]), List.of(new int[0]), 1, 0.5)));
        // a detection of the wrong class does not count for the right one
        assertEquals(0.0, AveragePrecision.perClass(List.of(List.of(det(0, 0, 10, 10, 1, 1))), gt, labels, 2,
                0.5)[0]);
    }

    @Test
    void badInputIsRefusedWithItsShape() {
        List<float[]> gt = List.of(new float[] {0, 0, 10, 10});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AveragePrecision.mean(List.of(), gt, List.of(new int[1]), 1, 0.5));
        assertTrue(e.getMessage().contains("one entry per image"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> AveragePrecision.mean(List.of(List.of()), gt, List.of(new int[2]), 1, 0.5));
        assertTrue(e.getMessage().contains("4 values per label"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> AveragePrecision.mean(List.of(List.of(det(0, 0, 1, 1, 1, 3))), gt, List.of(new int[1]), 1, 0.5));
        assertTrue(e.getMessage().contains("label 3"), e.getMessage());
    }

    /** VOC's ranking and the AP as a sum over true positives of the best precision at that recall or beyond. */
    static double[] oracle(List<List<Detection>> dets, List<float[]> gt, List<int[]> labels, int classes,
            double iou) {
        double[] ap = new double[classes];
        for (int c = 0; c < classes; c++) {
            int npos = 0;
            for (int[] l : labels) {
                for (int v : l) {
                    npos += v == c ? 1 : 0;
                }
            }
            List<int[]> ranked = new ArrayList<>(); // image, index
            for (int i = 0; i < dets.size(); i++) {
                for (int j = 0; j < dets.get(i).size(); j++) {
                    if (dets.get(i).get(j).label() == c) {
                        ranked.add(new int[] {i, j});
                    }
                }
            }
            ranked.sort(Comparator.comparingDouble((int[] p) -> -dets.get(p[0]).get(p[1]).score()));
            boolean[] tp = new boolean[ranked.size()];
            List<boolean[]> used = new ArrayList<>();
            for (int[] l : labels) {
                used.add(new boolean[l.length]);
            }
            for (int r = 0; r < ranked.size(); r++) {
                int i = ranked.get(r)[0];
                Detection d = dets.get(i).get(ranked.get(r)[1]);
                float[] box = d.box();
                double best = -1;
                int arg = -1;
                for (int g = 0; g < labels.get(i).length; g++) {
                    if (labels.get(i)[g] == c) {
                        double o = (float) BruteForceTest.iou(box, 0, gt.get(i), g);
                        if (o > best) {
                            best = o;
                            arg = g;
                        }
                    }
                }
                if (arg >= 0 && best >= iou && !used.get(i)[arg]) {
                    used.get(i)[arg] = true;
                    tp[r] = true;
                }
            }
            if (npos == 0) {
                ap[c] = Double.NaN;
                continue;
            }
            double sum = 0;
            int hits = 0;
            for (int r = 0; r < tp.length; r++) {
                if (tp[r]) {
                    hits++;
                    double bestPrecision = 0;
                    int h = hits - 1;
                    for (int q = r; q < tp.length; q++) {
                        h += tp[q] ? 1 : 0;
                        bestPrecision = Math.max(bestPrecision, (double) h / (q + 1));
                    }
                    sum += bestPrecision / npos;
                }
            }
            ap[c] = sum;
        }
        return ap;
    }

    @Test
    void matchesOracleOnRandomDetections() {
        Random r = new Random(7);
        for (int t = 0; t < 40; t++) {
            int images = 1 + r.nextInt(5);
            int classes = 1 + r.nextInt(3);
            List<List<Detection>> dets = new ArrayList<>();
            List<float[]> gt = new ArrayList<>();
            List<int[]> labels = new ArrayList<>();
            for (int i = 0; i < images; i++) {
                int ngt = r.nextInt(5);
                float[] b = BruteForceTest.boxes(r, ngt);
                gt.add(b);
                labels.add(r.ints(ngt, 0, classes).toArray());
                List<Detection> d = new ArrayList<>();
                int nd = r.nextInt(8);
                for (int j = 0; j < nd; j++) {
                    float score = r.nextInt(5) / 4f; // ties across images and within
                    int label = r.nextInt(classes);
                    if (ngt > 0 && r.nextBoolean()) { // jitter a ground-truth box
                        int g = r.nextInt(ngt);
                        d.add(det(b[4 * g] + r.nextInt(5) - 2, b[4 * g + 1] + r.nextInt(5) - 2,
                                b[4 * g + 2] + r.nextInt(5) - 2, b[4 * g + 3] + r.nextInt(5) - 2, score, label));
                    } else {
                        float[] x = BruteForceTest.boxes(r, 1);
                        d.add(det(x[0], x[1], x[2], x[3], score, label));
                    }
                }
                dets.add(d);
            }
            for (double iou : new double[] {0.3, 0.5, 0.75}) {
                assertArrayEquals(oracle(dets, gt, labels, classes, iou),
                        AveragePrecision.perClass(dets, gt, labels, classes, iou), 1e-12, "case " + t);
            }
            double[] per = oracle(dets, gt, labels, classes, 0.5);
            double mean = Arrays.stream(per).filter(v -> !Double.isNaN(v)).average().orElse(Double.NaN);
            assertEquals(mean, AveragePrecision.mean(dets, gt, labels, classes, 0.5), 1e-12);
        }
    }
}
