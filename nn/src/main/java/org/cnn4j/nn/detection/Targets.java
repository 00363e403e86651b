package org.cnn4j.nn.detection;

import java.util.Arrays;
import java.util.List;

/**
 * Training targets of one image in the head's layout: the part of torchvision's
 * {@code RetinaNetClassificationHead.compute_loss} and {@code RetinaNetRegressionHead.compute_loss} that decides
 * what each output should be, leaving the loss itself (focal loss and smooth L1 or L1, each divided by the number
 * of foreground anchors) to the caller.
 *
 * <p>The anchors of all levels are matched to the ground truth with the {@link Matcher}. At level {@code l}, for
 * anchor {@code a} of cell {@code (y, x)} (layout of {@link PostProcess}: class channel {@code a * K + k}, delta
 * channel {@code a * 4 + j} of {@code [C, H, W]} maps):
 * <ul>
 * <li>class target: 1 at {@code k = label} of the matched box for a foreground anchor, else 0;</li>
 * <li>class weight: 1 on all K channels of foreground and background anchors, 0 on ignored ones (torchvision
 * drops {@code BETWEEN_THRESHOLDS} anchors from the classification loss);</li>
 * <li>regression target: {@link BoxCoder#encode} of the matched box for a foreground anchor, else 0;</li>
 * <li>regression weight: 1 on the 4 deltas of a foreground anchor, else 0.</li>
 * </ul>
 * An image without ground truth has only background anchors, as torchvision's RetinaNet.
 */
public final class Targets {
    private Targets() {
    }

    /**
     * Fills the four per-level lists and returns the number of foreground anchors. Each list either is empty (one
     * new array per level is added) or holds one array per level of the right size ({@code [A*K*H*W]} for the
     * class lists, {@code [A*4*H*W]} for the regression lists), which is overwritten entirely.
     *
     * @param gt     ground-truth boxes {@code [4 * ngt]}
     * @param labels class of each ground-truth box, in {@code [0, classes)}
     */
    public static int build(AnchorGenerator anchors, int[][] featureSizes, Matcher matcher, BoxCoder coder, float[] gt,
            int[] labels, int ngt, int classes, List<float[]> clsTarget, List<float[]> clsWeight,
            List<float[]> regTarget, List<float[]> regWeight) {
        Boxes.check("gt", gt, ngt);
        if (classes <= 0) {
            throw new IllegalArgumentException("targets: classes must be > 0, got " + classes);
        }
        if (labels == null || labels.length < ngt) {
            throw new IllegalArgumentException("targets: need " + ngt + " labels, got "
                    + (labels == null ? "null" : labels.length));
        }
        for (int g = 0; g < ngt; g++) {
            if (labels[g] < 0 || labels[g] >= classes) {
                throw new IllegalArgumentException("targets: label " + labels[g] + " of box " + g + " is not in [0, "
                        + classes + ")");
            }
        }
        float[] all = anchors.anchors(featureSizes);
        int na = all.length / 4;
        int[] match = matcher.match(all, na, gt, ngt);
        int per = anchors.anchorsPerLocation();
        int levels = anchors.levels();
        float[] deltas = new float[4];
        int foreground = 0;
        int first = 0;
        for (int l = 0; l < levels; l++) {
            int h = featureSizes[l][0];
            int w = featureSizes[l][1];
            int plane = h * w;
            float[] ct = level(clsTarget, "clsTarget", l, levels, per * classes * plane);
            float[] cw = level(clsWeight, "clsWeight", l, levels, per * classes * plane);
            float[] rt = level(regTarget, "regTarget", l, levels, per * 4 * plane);
            float[] rw = level(regWeight, "regWeight", l, levels, per * 4 * plane);
            Arrays.fill(ct, 0f);
            Arrays.fill(rt, 0f);
            Arrays.fill(rw, 0f);
            for (int yx = 0; yx < plane; yx++) {
                for (int a = 0; a < per; a++) {
                    int idx = first + yx * per + a;
                    int m = match[idx];
                    float weight = m == Matcher.IGNORED ? 0f : 1f;
                    for (int k = 0; k < classes; k++) {
                        cw[(a * classes + k) * plane + yx] = weight;
                    }
                    if (m >= 0) {
                        foreground++;
                        ct[(a * classes + labels[m]) * plane + yx] = 1f;
                        coder.encode(all, idx, gt, m, deltas, 0);
                        for (int j = 0; j < 4; j++) {
                            rt[(a * 4 + j) * plane + yx] = deltas[j];
                            rw[(a * 4 + j) * plane + yx] = 1f;
                        }
                    }
                }
            }
            first += plane * per;
        }
        return foreground;
    }

    private static float[] level(List<float[]> list, String name, int l, int levels, int size) {
        if (list == null) {
            throw new IllegalArgumentException("targets: " + name + " is null");
        }
        if (l == 0 && !list.isEmpty() && list.size() != levels) {
            throw new IllegalArgumentException("targets: " + name + " must be empty or hold " + levels
                    + " arrays, it holds " + list.size());
        }
        if (list.size() == l) {
            float[] a = new float[size];
            list.add(a);
            return a;
        }
        float[] a = list.get(l);
        if (a == null || a.length != size) {
            throw new IllegalArgumentException("targets: " + name + "[" + l + "] needs " + size + " values, got "
                    + (a == null ? "null" : a.length));
        }
        return a;
    }
}
