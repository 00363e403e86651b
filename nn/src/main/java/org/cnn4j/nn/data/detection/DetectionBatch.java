package org.cnn4j.nn.data.detection;

import java.util.ArrayList;
import java.util.List;

/**
 * A mini-batch of images of different sizes, padded with zeros at the bottom and right to the largest height and
 * width rounded up to a multiple of {@code multiple} (32 for a P3..P6/P7 pyramid, so every level's size is a whole
 * number), NCHW. The boxes stay in each image's pixel coordinates, which padding at the bottom and right does not
 * move.
 *
 * @param n        the number of images
 * @param channels C
 * @param height   padded H
 * @param width    padded W
 * @param pixels   n x C x H x W floats
 * @param boxes    per image, 4 floats per object (x1, y1, x2, y2)
 * @param labels   per image, one class index per object
 */
public record DetectionBatch(int n, int channels, int height, int width, float[] pixels, List<float[]> boxes,
        List<int[]> labels) {
    /** Pads and stacks {@code samples}; they must have the same channel count. */
    public static DetectionBatch collate(List<DetectionSample> samples, int multiple) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("DetectionBatch.collate: no samples");
        }
        if (multiple < 1) {
            throw new IllegalArgumentException("DetectionBatch.collate: multiple must be >= 1, got " + multiple);
        }
        int c = samples.getFirst().channels();
        int maxH = 0;
        int maxW = 0;
        for (int i = 0; i < samples.size(); i++) {
            DetectionSample s = samples.get(i);
            if (s.channels() != c) {
                throw new IllegalArgumentException("DetectionBatch.collate: sample " + i + " has " + s.channels()
                        + " channels, sample 0 has " + c);
            }
            maxH = Math.max(maxH, s.height());
            maxW = Math.max(maxW, s.width());
        }
        int h = (maxH + multiple - 1) / multiple * multiple;
        int w = (maxW + multiple - 1) / multiple * multiple;
        long total = (long) samples.size() * c * h * w;
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("DetectionBatch.collate: " + samples.size() + " x " + c + " x " + h
                    + " x " + w + " = " + total + " floats do not fit one array");
        }
        float[] px = new float[(int) total];
        List<float[]> boxes = new ArrayList<>(samples.size());
        List<int[]> labels = new ArrayList<>(samples.size());
        for (int i = 0; i < samples.size(); i++) {
            DetectionSample s = samples.get(i);
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < s.height(); y++) {
                    System.arraycopy(s.pixels(), (ch * s.height() + y) * s.width(), px,
                            ((i * c + ch) * h + y) * w, s.width());
                }
            }
            boxes.add(s.boxes());
            labels.add(s.labels());
        }
        return new DetectionBatch(samples.size(), c, h, w, px, List.copyOf(boxes), List.copyOf(labels));
    }
}
