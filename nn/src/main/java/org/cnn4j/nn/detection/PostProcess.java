package org.cnn4j.nn.detection;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns one image's head outputs into detections, torchvision's {@code RetinaNet.postprocess_detections}.
 *
 * <p>Per level: the score of anchor {@code a} of cell {@code (y, x)} for class {@code k} is the sigmoid of the
 * logit at channel {@code a * K + k} of the level's {@code [A * K, H, W]} map; scores {@code > scoreThreshold}
 * are candidates, of which the {@code topkCandidates} best are kept (equal scores: lower index in torchvision's
 * flattened {@code (H, W, A, K)} order first, where {@code torch.topk} leaves the order of ties unspecified); each
 * is decoded from its anchor with the deltas at channels {@code a * 4 + j} of the level's {@code [A * 4, H, W]}
 * map and clipped to the image. Then the candidates of all levels go through per-class NMS
 * ({@link Nms#batched}) and the best {@code detectionsPerImage} are returned by decreasing score.
 *
 * <p>Immutable and thread-safe; {@link #detect} allocates in proportion to the candidates, not the anchors.
 */
public final class PostProcess {
    private final float scoreThreshold;
    private final int topk;
    private final double nmsThreshold;
    private final int perImage;

    /** RetinaNet uses {@code new PostProcess(0.05, 1000, 0.5, 300)}. */
    public PostProcess(double scoreThreshold, int topkCandidates, double nmsThreshold, int detectionsPerImage) {
        if (Double.isNaN(scoreThreshold) || Double.isNaN(nmsThreshold) || topkCandidates < 0
                || detectionsPerImage < 0) {
            throw new IllegalArgumentException("PostProcess: bad parameters scoreThreshold " + scoreThreshold
                    + ", topkCandidates " + topkCandidates + ", nmsThreshold " + nmsThreshold
                    + ", detectionsPerImage " + detectionsPerImage);
        }
        this.scoreThreshold = (float) scoreThreshold;
        this.topk = topkCandidates;
        this.nmsThreshold = nmsThreshold;
        this.perImage = detectionsPerImage;
    }

    /**
     * Detections of one image, best first.
     *
     * @param clsPerLevel  per level the class logits {@code [A * K * H * W]}, channel {@code a * K + k}
     * @param regPerLevel  per level the box deltas {@code [A * 4 * H * W]}, channel {@code a * 4 + j}
     * @param featureSizes per level {@code {H, W}}
     * @param classes      K
     * @param imageH       image height in pixels, for clipping
     * @param imageW       image width in pixels, for clipping
     */
    public List<Detection> detect(List<float[]> clsPerLevel, List<float[]> regPerLevel, int[][] featureSizes,
            AnchorGenerator anchors, BoxCoder coder, int classes, int imageH, int imageW) {
        anchors.checkSizes(featureSizes);
        int levels = anchors.levels();
        if (clsPerLevel == null || regPerLevel == null || clsPerLevel.size() != levels
                || regPerLevel.size() != levels) {
            throw new IllegalArgumentException("detect: need " + levels + " levels of logits and deltas, got "
                    + (clsPerLevel == null ? "null" : clsPerLevel.size()) + " and "
                    + (regPerLevel == null ? "null" : regPerLevel.size()));
        }
        if (classes <= 0) {
            throw new IllegalArgumentException("detect: classes must be > 0, got " + classes);
        }
        int per = anchors.anchorsPerLocation();
        float[] boxes = new float[0];
        float[] scores = new float[0];
        int[] labels = new int[0];
        int count = 0;
        float[] anchor = new float[4];
        float[] deltas = new float[4];
        for (int l = 0; l < levels; l++) {
            int h = featureSizes[l][0];
            int w = featureSizes[l][1];
            float[] cls = clsPerLevel.get(l);
            float[] reg = regPerLevel.get(l);
            long plane = (long) h * w;
            if (cls == null || cls.length != per * classes * plane) {
                throw new IllegalArgumentException("detect: level " + l + " logits need " + per * classes * plane
                        + " values ([" + per * classes + ", " + h + ", " + w + "]), got "
                        + (cls == null ? "null" : cls.length));
            }
            if (reg == null || reg.length != per * 4 * plane) {
                throw new IllegalArgumentException("detect: level " + l + " deltas need " + per * 4 * plane
                        + " values ([" + per * 4 + ", " + h + ", " + w + "]), got "
                        + (reg == null ? "null" : reg.length));
            }
            long[] keys = new long[16];
            int m = 0;
            for (int c = 0; c < per * classes; c++) {
                int a = c / classes;
                int k = c % classes;
                int base = (int) (c * plane);
                for (int yx = 0; yx < plane; yx++) {
                    float s = sigmoid(cls[base + yx]);
                    if (s > scoreThreshold) {
                        if (m == keys.length) {
                            keys = Arrays.copyOf(keys, 2 * m);
                        }
                        keys[m++] = Nms.key(s, (yx * per + a) * classes + k);
                    }
                }
            }
            Arrays.sort(keys, 0, m);
            int take = Math.min(m, topk);
            if (count + take > scores.length) {
                int cap = Math.max(count + take, 2 * scores.length);
                boxes = Arrays.copyOf(boxes, 4 * cap);
                scores = Arrays.copyOf(scores, cap);
                labels = Arrays.copyOf(labels, cap);
            }
            for (int t = 0; t < take; t++) {
                int flat = (int) keys[t];
                int anchorIdx = flat / classes;
                int k = flat % classes;
                int a = anchorIdx % per;
                int yx = anchorIdx / per;
                int y = yx / w;
                int x = yx % w;
                anchors.anchor(l, y, x, a, anchor, 0);
                for (int j = 0; j < 4; j++) {
                    deltas[j] = reg[(int) ((a * 4 + j) * plane) + yx];
                }
                coder.decode(anchor, 0, deltas, 0, boxes, 4 * count);
                scores[count] = sigmoid(cls[(int) ((a * classes + k) * plane) + yx]);
                labels[count] = k;
                count++;
            }
        }
        Boxes.clip(boxes, count, imageH, imageW);
        int[] keep = Nms.batched(boxes, scores, labels, count, nmsThreshold, perImage);
        int n = Math.min(keep.length, perImage);
        List<Detection> out = new ArrayList<>(n);
        for (int t = 0; t < n; t++) {
            int i = keep[t];
            out.add(new Detection(boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3], scores[i],
                    labels[i]));
        }
        return out;
    }

    static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-(double) x)));
    }
}
