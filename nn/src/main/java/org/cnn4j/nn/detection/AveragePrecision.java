package org.cnn4j.nn.detection;

import java.util.Arrays;
import java.util.List;

/**
 * Average precision of detections against ground truth, PASCAL VOC style (the 2010+ devkit's all-point
 * interpolation), at one IoU threshold, per class.
 *
 * <p>For class {@code c}, all detections labelled {@code c} over all images are ranked by decreasing score (equal
 * scores: earlier image, then earlier position in the image's list, first). Each is compared with the
 * ground-truth boxes of class {@code c} in its image: with {@code o} the highest IoU ({@link Boxes#iou}) and
 * {@code g} the first box that reaches it, the detection is a true positive when {@code o >= iou} and {@code g}
 * was not claimed by a higher-ranked detection (which claims it), else a false positive; as in VOC, an already
 * claimed best box is not replaced by the next best one. Precision and recall follow down the ranking; the
 * precision envelope (maximum precision at any higher recall) is integrated over recall. A class without
 * ground truth has AP {@code NaN}; a class with ground truth and no detections has AP 0.
 *
 * <p>Differences from VOC's devkit: boxes are continuous (no {@code +1} pixel in widths), there are no
 * "difficult" boxes, and the IoU test is {@code >=} (COCO's) where the devkit uses {@code >}. {@link #coco}
 * averages this AP over IoU 0.50, 0.55, ..., 0.95; pycocotools additionally samples precision at 101 recall
 * points and limits detections per image, so its numbers differ slightly.
 */
public final class AveragePrecision {
    private AveragePrecision() {
    }

    /** Precision and recall down the ranking of one class, and its AP. */
    public record Curve(double[] recall, double[] precision, double ap) {
    }

    /** AP per class; {@code NaN} for classes without ground truth. */
    public static double[] perClass(List<List<Detection>> detections, List<float[]> gtBoxes, List<int[]> gtLabels,
            int classes, double iou) {
        check(detections, gtBoxes, gtLabels, classes, iou);
        double[] ap = new double[classes];
        for (int c = 0; c < classes; c++) {
            ap[c] = compute(detections, gtBoxes, gtLabels, c, iou).ap();
        }
        return ap;
    }

    /** Mean AP over the classes that have ground truth; {@code NaN} when no class has. */
    public static double mean(List<List<Detection>> detections, List<float[]> gtBoxes, List<int[]> gtLabels,
            int classes, double iou) {
        double sum = 0;
        int n = 0;
        for (double ap : perClass(detections, gtBoxes, gtLabels, classes, iou)) {
            if (!Double.isNaN(ap)) {
                sum += ap;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** {@link #mean} averaged over IoU thresholds 0.50, 0.55, ..., 0.95 (COCO's AP@[.5:.95]). */
    public static double coco(List<List<Detection>> detections, List<float[]> gtBoxes, List<int[]> gtLabels,
            int classes) {
        double sum = 0;
        for (int t = 0; t < 10; t++) {
            sum += mean(detections, gtBoxes, gtLabels, classes, 0.5 + 0.05 * t);
        }
        return sum / 10;
    }

    /** The precision-recall curve of class {@code cls}. */
    public static Curve curve(List<List<Detection>> detections, List<float[]> gtBoxes, List<int[]> gtLabels,
            int classes, int cls, double iou) {
        check(detections, gtBoxes, gtLabels, classes, iou);
        if (cls < 0 || cls >= classes) {
            throw new IllegalArgumentException("curve: class " + cls + " is not in [0, " + classes + ")");
        }
        return compute(detections, gtBoxes, gtLabels, cls, iou);
    }

    private static Curve compute(List<List<Detection>> detections, List<float[]> gtBoxes, List<int[]> gtLabels,
            int cls, double iou) {
        int images = detections.size();
        int npos = 0;
        int total = 0;
        for (int i = 0; i < images; i++) {
            for (int label : gtLabels.get(i)) {
                if (label == cls) {
                    npos++;
                }
            }
            total += detections.get(i).size();
        }
        // rank: decreasing score, then image, then position (the sequence number below)
        long[] keys = new long[total];
        int[] imageOf = new int[total];
        int[] posOf = new int[total];
        int m = 0;
        int seq = 0;
        for (int i = 0; i < images; i++) {
            List<Detection> d = detections.get(i);
            for (int j = 0; j < d.size(); j++, seq++) {
                if (d.get(j).label() == cls) {
                    imageOf[seq] = i;
                    posOf[seq] = j;
                    keys[m++] = Nms.key(d.get(j).score(), seq);
                }
            }
        }
        Arrays.sort(keys, 0, m);
        boolean[][] claimed = new boolean[images][];
        float[] box = new float[4];
        double[] recall = new double[m];
        double[] precision = new double[m];
        int tp = 0;
        for (int r = 0; r < m; r++) {
            int s = (int) keys[r];
            int i = imageOf[s];
            Detection d = detections.get(i).get(posOf[s]);
            box[0] = d.x1();
            box[1] = d.y1();
            box[2] = d.x2();
            box[3] = d.y2();
            float[] g = gtBoxes.get(i);
            int[] labels = gtLabels.get(i);
            float best = Float.NEGATIVE_INFINITY;
            int arg = -1;
            for (int k = 0; k < labels.length; k++) {
                if (labels[k] == cls) {
                    float o = Boxes.iouAt(box, 0, g, k);
                    if (o > best) {
                        best = o;
                        arg = k;
                    }
                }
            }
            if (arg >= 0 && best >= iou) {
                if (claimed[i] == null) {
                    claimed[i] = new boolean[labels.length];
                }
                if (!claimed[i][arg]) {
                    claimed[i][arg] = true;
                    tp++;
                }
            }
            recall[r] = npos == 0 ? Double.NaN : (double) tp / npos;
            precision[r] = (double) tp / (r + 1);
        }
        if (npos == 0) {
            return new Curve(recall, precision, Double.NaN);
        }
        // all-point interpolation: integrate the precision envelope over recall
        double ap = 0;
        double envelope = 0;
        for (int r = m - 1; r >= 0; r--) {
            envelope = Math.max(envelope, precision[r]);
            double previous = r == 0 ? 0 : recall[r - 1];
            ap += (recall[r] - previous) * envelope;
        }
        return new Curve(recall, precision, ap);
    }

    private static void check(List<List<Detection>> detections, List<float[]> gtBoxes, List<int[]> gtLabels,
            int classes, double iou) {
        if (detections == null || gtBoxes == null || gtLabels == null) {
            throw new IllegalArgumentException("average precision: detections, gtBoxes and gtLabels must not be null");
        }
        if (detections.size() != gtBoxes.size() || detections.size() != gtLabels.size()) {
            throw new IllegalArgumentException("average precision: need one entry per image in each list, got "
                    + detections.size() + " detection lists, " + gtBoxes.size() + " box arrays and "
                    + gtLabels.size() + " label arrays");
        }
        if (classes <= 0) {
            throw new IllegalArgumentException("average precision: classes must be > 0, got " + classes);
        }
        if (!(iou >= 0 && iou <= 1)) {
            throw new IllegalArgumentException("average precision: iou must be in [0, 1], got " + iou);
        }
        for (int i = 0; i < gtBoxes.size(); i++) {
            float[] b = gtBoxes.get(i);
            int[] l = gtLabels.get(i);
            if (b == null || l == null || b.length != 4 * l.length) {
                throw new IllegalArgumentException("average precision: image " + i + " has "
                        + (b == null ? "null" : b.length) + " box values and "
                        + (l == null ? "null" : l.length) + " labels; need 4 values per label");
            }
            for (int label : l) {
                if (label < 0 || label >= classes) {
                    throw new IllegalArgumentException("average precision: image " + i + " has ground-truth label "
                            + label + ", not in [0, " + classes + ")");
                }
            }
            for (Detection d : detections.get(i)) {
                if (d.label() < 0 || d.label() >= classes) {
                    throw new IllegalArgumentException("average precision: image " + i + " has a detection with label "
                            + d.label() + ", not in [0, " + classes + ")");
                }
            }
        }
    }
}
