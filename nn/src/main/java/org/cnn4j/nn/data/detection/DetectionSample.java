package org.cnn4j.nn.data.detection;

import java.util.Arrays;

/**
 * One image with its objects.
 *
 * <p>Boxes follow torchvision's convention: {@code (x1, y1, x2, y2)} in pixels of a continuous plane where pixel
 * column {@code c} covers {@code [c, c + 1)}; a box holding pixel columns {@code c0..c1} (inclusive) is
 * {@code x1 = c0, x2 = c1 + 1}. The arrays are held, not copied: treat them as read-only.
 *
 * @param channels C
 * @param height   H
 * @param width    W
 * @param pixels   C x H x W floats (CHW) in [0, 1]
 * @param boxes    4 floats per object: x1, y1, x2, y2, with {@code x1 <= x2} and {@code y1 <= y2}
 * @param labels   one class index per object, {@code >= 0} (below the data set's {@code classes()})
 */
public record DetectionSample(int channels, int height, int width, float[] pixels, float[] boxes, int[] labels) {
    public DetectionSample {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("DetectionSample: channels, height and width must be >= 1, got "
                    + channels + "x" + height + "x" + width);
        }
        if (pixels == null || (long) channels * height * width != pixels.length) {
            throw new IllegalArgumentException("DetectionSample: pixels has "
                    + (pixels == null ? "null" : pixels.length) + " floats, expected " + channels + "x" + height
                    + "x" + width + " = " + (long) channels * height * width);
        }
        if (boxes == null || labels == null || boxes.length != 4L * labels.length) {
            throw new IllegalArgumentException("DetectionSample: boxes has " + (boxes == null ? "null" : boxes.length)
                    + " floats for " + (labels == null ? "null" : labels.length) + " labels; expected 4 per label");
        }
        for (int k = 0; k < labels.length; k++) {
            if (labels[k] < 0) {
                throw new IllegalArgumentException("DetectionSample: label " + labels[k] + " of object " + k
                        + " is negative");
            }
            float x1 = boxes[4 * k];
            float y1 = boxes[4 * k + 1];
            float x2 = boxes[4 * k + 2];
            float y2 = boxes[4 * k + 3];
            if (!(Float.isFinite(x1) && Float.isFinite(y1) && Float.isFinite(x2) && Float.isFinite(y2))
                    || x2 < x1 || y2 < y1) {
                throw new IllegalArgumentException("DetectionSample: box " + k + " (" + x1 + ", " + y1 + ", " + x2
                        + ", " + y2 + ") is not finite with x1 <= x2 and y1 <= y2");
            }
        }
    }

    /** The number of objects. */
    public int objects() {
        return labels.length;
    }

    /** Box {@code k} as a new array {x1, y1, x2, y2}. */
    public float[] box(int k) {
        return Arrays.copyOfRange(boxes, 4 * k, 4 * k + 4);
    }

    @Override
    public String toString() {
        return "DetectionSample[" + channels + "x" + height + "x" + width + ", " + objects() + " objects]";
    }
}
