package org.cnn4j.nn.detection;

/**
 * Axis-aligned boxes stored as {@code float[]} of {@code 4 * n} values {@code (x1, y1, x2, y2)} in pixels.
 *
 * <p>Arithmetic is in {@code float} in the order torchvision's {@code box_area} and {@code box_iou} use, so
 * that results agree bit for bit with torchvision on CPU for non-empty boxes. Empty boxes (width or height
 * {@code <= 0}) have area 0 here, where torchvision multiplies the signed width and height; their IoU with
 * anything is 0, where torchvision gives {@code nan} for two empty boxes ({@code 0 / 0}) and {@code 0} or
 * {@code -0} otherwise.
 */
public final class Boxes {
    private Boxes() {
    }

    /** Area of box {@code i}: {@code (x2 - x1) * (y2 - y1)}, or 0 for an empty box. */
    public static float area(float[] b, int i) {
        int o = 4 * i;
        float w = b[o + 2] - b[o];
        float h = b[o + 3] - b[o + 1];
        return w <= 0 || h <= 0 ? 0f : w * h;
    }

    /**
     * Pairwise IoU {@code [na * nb]}, row-major ({@code a} index major): element {@code i * nb + j} is the IoU of
     * {@code a}'s box {@code i} and {@code b}'s box {@code j}; 0 when either box is empty.
     */
    public static float[] iou(float[] a, int na, float[] b, int nb) {
        check("a", a, na);
        check("b", b, nb);
        float[] out = new float[na * nb];
        for (int i = 0; i < na; i++) {
            float areaA = area(a, i);
            for (int j = 0; j < nb; j++) {
                out[i * nb + j] = iou(a, i, areaA, b, j, area(b, j));
            }
        }
        return out;
    }

    /** IoU of {@code a}'s box {@code i} and {@code b}'s box {@code j}; 0 when either is empty. */
    public static float iouAt(float[] a, int i, float[] b, int j) {
        return iou(a, i, area(a, i), b, j, area(b, j));
    }

    /** IoU with the areas already known (as {@link #area}); 0 when either area is 0. */
    static float iou(float[] a, int i, float areaA, float[] b, int j, float areaB) {
        if (areaA == 0f || areaB == 0f) {
            return 0f;
        }
        int p = 4 * i;
        int q = 4 * j;
        float w = Math.min(a[p + 2], b[q + 2]) - Math.max(a[p], b[q]);
        float h = Math.min(a[p + 3], b[q + 3]) - Math.max(a[p + 1], b[q + 1]);
        if (w <= 0 || h <= 0) {
            return 0f;
        }
        float inter = w * h;
        return inter / (areaA + areaB - inter);
    }

    /**
     * Clamps the {@code n} boxes in place to the image: x into {@code [0, width]}, y into {@code [0, height]}, as
     * torchvision's {@code clip_boxes_to_image(boxes, (height, width))}.
     */
    public static void clip(float[] b, int n, int height, int width) {
        check("b", b, n);
        if (height < 0 || width < 0) {
            throw new IllegalArgumentException("clip: image size must be >= 0, got height " + height + ", width "
                    + width);
        }
        for (int i = 0; i < 4 * n; i += 2) {
            b[i] = Math.min(Math.max(b[i], 0f), width);
            b[i + 1] = Math.min(Math.max(b[i + 1], 0f), height);
        }
    }

    static void check(String name, float[] boxes, int n) {
        if (boxes == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (n < 0 || 4L * n > boxes.length) {
            throw new IllegalArgumentException(name + ": " + n + " boxes need " + 4L * n + " values, the array has "
                    + boxes.length);
        }
    }
}
