package org.cnn4j.core;

/**
 * A pair of per-axis values (height, width): kernel sizes, strides, paddings, dilations.
 *
 * @param h the value along the height axis
 * @param w the value along the width axis
 */
public record Size2d(int h, int w) {
    /** The same value on both axes. */
    public static Size2d of(int both) {
        return new Size2d(both, both);
    }

    public static Size2d of(int h, int w) {
        return new Size2d(h, w);
    }

    @Override
    public String toString() {
        return "(" + h + ", " + w + ")";
    }
}
