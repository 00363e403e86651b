package org.cnn4j.nn.detection;

import java.util.Arrays;

/**
 * Greedy non-maximum suppression, torchvision's {@code ops.nms} and {@code ops.batched_nms}.
 *
 * <p>Boxes are visited by decreasing score; a box is kept unless a kept box (of the same class, for
 * {@link #batched}) overlaps it with IoU strictly greater than the threshold, the float IoU being compared with the
 * double threshold as torchvision's kernel compares (an IoU of exactly 3/10 is above 0.3, one of 1/2 is not above
 * 0.5). Equal scores are visited in increasing index order, as torchvision's CPU kernel does with its stable
 * descending sort (checked against torchvision 0.14 with tied scores), so the result is deterministic.
 * {@code -0.0} and {@code 0.0} are equal scores; a NaN score is refused. IoU is {@link Boxes#iou}, so an empty
 * box overlaps nothing and is always kept.
 *
 * <p>{@link #batched} is per-class NMS; torchvision gets the same result for non-negative coordinates by
 * offsetting each class's boxes (its "coordinate trick", used above 1000 boxes on CPU) or by running NMS per class
 * (below that), and orders the result by decreasing score; where scores tie, torchvision's order is the unstable
 * sort's, this one's is by index.
 */
public final class Nms {
    private Nms() {
    }

    /** Indices of the kept boxes, by decreasing score (equal scores by increasing index). */
    public static int[] nms(float[] boxes, float[] scores, int n, double iouThreshold) {
        return run(boxes, scores, null, n, iouThreshold, Integer.MAX_VALUE);
    }

    /** Per-class NMS: boxes of different labels never suppress each other. Kept indices as {@link #nms}. */
    public static int[] batched(float[] boxes, float[] scores, int[] labels, int n, double iouThreshold) {
        return batched(boxes, scores, labels, n, iouThreshold, Integer.MAX_VALUE);
    }

    /**
     * {@link #batched}, stopping after {@code maxKept} kept boxes: the same as the first {@code maxKept} of the full
     * result (greedy NMS keeps boxes in visiting order), at a fraction of the cost when few are wanted.
     */
    public static int[] batched(float[] boxes, float[] scores, int[] labels, int n, double iouThreshold,
            int maxKept) {
        if (labels == null || labels.length < n) {
            throw new IllegalArgumentException("batched nms: need " + n + " labels, got "
                    + (labels == null ? "null" : labels.length));
        }
        if (maxKept < 0) {
            throw new IllegalArgumentException("batched nms: maxKept must be >= 0, got " + maxKept);
        }
        return run(boxes, scores, labels, n, iouThreshold, maxKept);
    }

    private static int[] run(float[] boxes, float[] scores, int[] labels, int n, double iouThreshold, int maxKept) {
        Boxes.check("boxes", boxes, n);
        if (scores == null || scores.length < n) {
            throw new IllegalArgumentException("nms: need " + n + " scores, got "
                    + (scores == null ? "null" : scores.length));
        }
        if (Double.isNaN(iouThreshold)) {
            throw new IllegalArgumentException("nms: iouThreshold is NaN");
        }
        int[] order = order(scores, n);
        float[] area = new float[n];
        for (int i = 0; i < n; i++) {
            area[i] = Boxes.area(boxes, i);
        }
        boolean[] suppressed = new boolean[n];
        int kept = 0;
        for (int oi = 0; oi < n && kept < maxKept; oi++) {
            int i = order[oi];
            if (suppressed[i]) {
                continue;
            }
            order[kept++] = i;
            for (int oj = oi + 1; oj < n; oj++) {
                int j = order[oj];
                if (!suppressed[j] && (labels == null || labels[j] == labels[i])
                        && Boxes.iou(boxes, i, area[i], boxes, j, area[j]) > iouThreshold) {
                    suppressed[j] = true;
                }
            }
        }
        return Arrays.copyOf(order, kept);
    }

    /**
     * Indices {@code 0..n-1} sorted by decreasing score, equal scores by increasing index. Throws on NaN.
     */
    static int[] order(float[] scores, int n) {
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = key(scores[i], i);
        }
        Arrays.sort(keys);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = (int) keys[i];
        }
        return out;
    }

    /** A long that sorts ascending by decreasing {@code score}, then increasing {@code index} (>= 0). */
    static long key(float score, int index) {
        if (Float.isNaN(score)) {
            throw new IllegalArgumentException("score of box " + index + " is NaN");
        }
        int bits = Float.floatToIntBits(score + 0.0f);
        int sortable = bits < 0 ? bits ^ 0x7fffffff : bits;
        return ((long) ~sortable << 32) | (index & 0xffffffffL);
    }
}
