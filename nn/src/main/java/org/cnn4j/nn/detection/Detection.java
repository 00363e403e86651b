package org.cnn4j.nn.detection;

/**
 * One detected box {@code (x1, y1, x2, y2)} in pixels of the input image, its score (a probability: the sigmoid
 * of the class logit) and its class index in {@code [0, classes)}.
 */
public record Detection(float x1, float y1, float x2, float y2, float score, int label) {
    /** The box as a new {@code float[4]}. */
    public float[] box() {
        return new float[] {x1, y1, x2, y2};
    }
}
