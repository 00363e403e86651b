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
 * <p>Immutable and thread-safe; {@link #match} allocates only its result and one float per ground-truth box.
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
        float[] gtArea = new float[ngt];
        float[] bestForGt = new float[ngt];
        for (int g = 0; g < ngt; g++) {
            gtArea[g] = Boxes.area(gt, g);
        }
        for (int i = 0; i < na; i++) {
            float areaA = Boxes.area(anchors, i);
            float best = Float.NEGATIVE_INFINITY;
            int arg = 0;
            for (int g = 0; g < ngt; g++) {
                float q = Boxes.iou(anchors, i, areaA, gt, g, gtArea[g]);
                if (q > best) {
                    best = q;
                    arg = g;
                }
                if (q > bestForGt[g]) {
                    bestForGt[g] = q;
                }
            }
            out[i] = best >= high ? arg : best >= low ? IGNORED : BACKGROUND;
        }
        if (lowQuality) {
            for (int i = 0; i < na; i++) {
                float areaA = Boxes.area(anchors, i);
                float best = Float.NEGATIVE_INFINITY;
                int arg = 0;
                boolean attains = false;
                for (int g = 0; g < ngt; g++) {
                    float q = Boxes.iou(anchors, i, areaA, gt, g, gtArea[g]);
                    if (q > best) {
                        best = q;
                        arg = g;
                    }
                    if (q == bestForGt[g] && q > 0f) {
                        attains = true;
                    }
                }
                if (attains) {
                    out[i] = arg;
                }
            }
        }
        return out;
    }
}
