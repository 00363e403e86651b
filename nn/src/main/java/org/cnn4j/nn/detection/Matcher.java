package org.cnn4j.nn.detection;

/**
 * Assigns each anchor a ground-truth box, torchvision's {@code Matcher(high, low, allow_low_quality_matches)}
 * applied to {@code box_iou(gt, anchors)}.
 *
 * <p>For anchor {@code i} let {@code best} be the highest IoU over the ground truth and {@code g} the first
 * ground-truth index that reaches it (torch's {@code max(dim=0)} on CPU picks the first). The anchor is matched to
 * {@code g} when {@code best >= foregroundIou}, {@link #IGNORED} when {@code backgroundIou <= best <
 * foregroundIou} and {@link #BACKGROUND} below. The thresholds are compared in {@code float} as torch compares a
 * float32 tensor with a Python scalar. With low-quality matches allowed, every anchor that attains some ground
 * truth box's highest IoU over all anchors (ties included) is matched to its own best box {@code g}, whatever
 * its IoU: each ground-truth box gets at least one anchor.
 *
 * <p>Differences from torchvision: no ground truth gives all {@link #BACKGROUND} (torchvision's Matcher raises;
 * its RetinaNet fills -1, the same thing); and a ground-truth box whose highest IoU with every anchor is 0 (an
 * empty box, or one far outside the anchors) produces no low-quality match, where torchvision would match every
 * anchor with IoU 0 to that box to its best box, turning all of them into foreground.
 *
 * <p>Immutable and thread-safe; {@link #match} allocates its result and a few values per anchor and per
 * ground-truth box, and computes IoU only for pairs whose boxes intersect.
 */
public final class Matcher {
    /** Below the background threshold (torchvision's {@code BELOW_LOW_THRESHOLD}). */
    public static final int BACKGROUND = -1;
    /** Between the thresholds: neither foreground nor background (torchvision's {@code BETWEEN_THRESHOLDS}). */
    public static final int IGNORED = -2;

    private final float high;
    private final float low;
    private final boolean lowQuality;

    /** RetinaNet uses {@code new Matcher(0.5, 0.4, true)}. */
    public Matcher(double foregroundIou, double backgroundIou, boolean allowLowQualityMatches) {
        if (!(backgroundIou <= foregroundIou) || Double.isNaN(backgroundIou)) {
            throw new IllegalArgumentException("Matcher: need backgroundIou <= foregroundIou, got " + backgroundIou
                    + " and " + foregroundIou);
        }
        this.high = (float) foregroundIou;
        this.low = (float) backgroundIou;
        this.lowQuality = allowLowQualityMatches;
    }

    /** Per anchor: the matched ground-truth index, {@link #BACKGROUND} or {@link #IGNORED}. */
    public int[] match(float[] anchors, int na, float[] gt, int ngt) {
        Boxes.check("anchors", anchors, na);
        Boxes.check("gt", gt, ngt);
        int[] out = new int[na];
        if (ngt == 0) {
            java.util.Arrays.fill(out, BACKGROUND);
            return out;
        }
        // Ground truth outer, anchors inner, skipping anchors that do not intersect the box (IoU 0): best[i] starts
        // at 0 with out[i] = 0, the first index, which is torch's argmax when every IoU is 0; a strict > keeps the
        // first box among equal IoUs since g increases.
        float[] best = new float[na];
        float[] bestForGt = new float[ngt];
        float[] anchorArea = new float[na];
        for (int i = 0; i < na; i++) {
            anchorArea[i] = Boxes.area(anchors, i);
        }
        for (int g = 0; g < ngt; g++) {
            float gtArea = Boxes.area(gt, g);
            if (gtArea == 0f) {
                continue;
            }
            float gx1 = gt[4 * g];
            float gy1 = gt[4 * g + 1];
            float gx2 = gt[4 * g + 2];
            float gy2 = gt[4 * g + 3];
            float top = 0f;
            for (int i = 0, p = 0; i < na; i++, p += 4) {
                if (anchors[p + 2] <= gx1 || anchors[p] >= gx2 || anchors[p + 3] <= gy1 || anchors[p + 1] >= gy2) {
                    continue;
                }
                float q = Boxes.iou(anchors, i, anchorArea[i], gt, g, gtArea);
                if (q > best[i]) {
                    best[i] = q;
                    out[i] = g;
                }
                if (q > top) {
                    top = q;
                }
            }
            bestForGt[g] = top;
        }
        boolean[] lowQualityMatch = null;
        if (lowQuality) {
            lowQualityMatch = new boolean[na];
            for (int g = 0; g < ngt; g++) {
                float top = bestForGt[g];
                if (top == 0f) {
                    continue;
                }
                float gtArea = Boxes.area(gt, g);
                float gx1 = gt[4 * g];
                float gy1 = gt[4 * g + 1];
                float gx2 = gt[4 * g + 2];
                float gy2 = gt[4 * g + 3];
                for (int i = 0, p = 0; i < na; i++, p += 4) {
                    if (anchors[p + 2] <= gx1 || anchors[p] >= gx2 || anchors[p + 3] <= gy1
                            || anchors[p + 1] >= gy2) {
                        continue;
                    }
                    if (Boxes.iou(anchors, i, anchorArea[i], gt, g, gtArea) == top) {
                        lowQualityMatch[i] = true;
                    }
                }
            }
        }
        for (int i = 0; i < na; i++) {
            float q = best[i];
            if (q < high && (lowQualityMatch == null || !lowQualityMatch[i])) {
                out[i] = q >= low ? IGNORED : BACKGROUND;
            }
        }
        return out;
    }
}
