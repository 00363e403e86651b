package org.cnn4j.nn.detection;

import java.util.Arrays;

/**
 * Anchor boxes of a feature pyramid, as torchvision's {@code AnchorGenerator(sizes, aspect_ratios)} makes them.
 *
 * <p>Level {@code l} has a stride (pixels per feature cell) and a list of sizes (the side of a square of the same
 * area as the anchor); the aspect ratios {@code h / w} are shared by all levels. For size {@code s} and ratio
 * {@code r} the base anchor is {@code round([-w, -h, w, h] / 2)} with {@code h = s * sqrt(r)},
 * {@code w = s / sqrt(r)}, computed in {@code float} and rounded half to even ({@code torch.round}) like
 * torchvision. The base anchors of a level are ordered ratio-major: anchor {@code a = ratio * sizes + size}.
 * The anchor {@code a} of cell {@code (y, x)} is the base anchor shifted by {@code (x * stride, y * stride)}, so
 * it is centered on the cell's top-left corner, as torchvision; its index in a level is
 * {@code (y * W + x) * A + a}, which is the order of the head's outputs after torchvision's permute to
 * {@code (H, W, A)}.
 *
 * <p>Immutable and thread-safe.
 */
public final class AnchorGenerator {
    private final int[] strides;
    private final double[][] sizes;
    private final double[] aspectRatios;
    private final int perLocation;
    /** Per level, the base anchors {@code [A * 4]}. */
    private final float[][] base;

    /**
     * @param strides      pixels per feature cell, one per level
     * @param sizes        anchor sizes per level (all levels must have the same count)
     * @param aspectRatios aspect ratios {@code h / w}, shared by all levels
     */
    public AnchorGenerator(int[] strides, double[][] sizes, double[] aspectRatios) {
        if (strides == null || sizes == null || aspectRatios == null) {
            throw new IllegalArgumentException("AnchorGenerator: strides, sizes and aspectRatios must not be null");
        }
        if (strides.length == 0 || strides.length != sizes.length) {
            throw new IllegalArgumentException("AnchorGenerator: need one sizes entry per stride, got "
                    + strides.length + " strides and " + sizes.length + " size lists");
        }
        if (aspectRatios.length == 0) {
            throw new IllegalArgumentException("AnchorGenerator: aspectRatios is empty");
        }
        for (double r : aspectRatios) {
            if (!(r > 0) || Double.isInfinite(r)) {
                throw new IllegalArgumentException("AnchorGenerator: aspect ratios must be finite and > 0, got "
                        + Arrays.toString(aspectRatios));
            }
        }
        int perLevel = sizes[0] == null ? 0 : sizes[0].length;
        for (int l = 0; l < strides.length; l++) {
            if (strides[l] <= 0) {
                throw new IllegalArgumentException("AnchorGenerator: strides must be > 0, got "
                        + Arrays.toString(strides));
            }
            if (sizes[l] == null || sizes[l].length == 0 || sizes[l].length != perLevel) {
                throw new IllegalArgumentException("AnchorGenerator: every level needs the same, non-zero number "
                        + "of sizes; level " + l + " has " + (sizes[l] == null ? "none" : sizes[l].length));
            }
            for (double s : sizes[l]) {
                if (!(s > 0) || Double.isInfinite(s)) {
                    throw new IllegalArgumentException("AnchorGenerator: sizes must be finite and > 0, level " + l
                            + " has " + Arrays.toString(sizes[l]));
                }
            }
        }
        this.strides = strides.clone();
        this.sizes = new double[sizes.length][];
        for (int l = 0; l < sizes.length; l++) {
            this.sizes[l] = sizes[l].clone();
        }
        this.aspectRatios = aspectRatios.clone();
        this.perLocation = perLevel * aspectRatios.length;
        this.base = new float[strides.length][];
        for (int l = 0; l < strides.length; l++) {
            float[] b = new float[perLocation * 4];
            int a = 0;
            for (double ratio : aspectRatios) {
                float hr = (float) Math.sqrt((float) ratio);
                float wr = 1f / hr;
                for (double size : sizes[l]) {
                    float ws = wr * (float) size;
                    float hs = hr * (float) size;
                    b[4 * a] = (float) Math.rint(-ws / 2f);
                    b[4 * a + 1] = (float) Math.rint(-hs / 2f);
                    b[4 * a + 2] = (float) Math.rint(ws / 2f);
                    b[4 * a + 3] = (float) Math.rint(hs / 2f);
                    a++;
                }
            }
            base[l] = b;
        }
    }

    /**
     * RetinaNet's anchors spread over {@code strides.length} levels: base sizes grow geometrically from
     * {@code smallest} at the first level to {@code largest} at the last ({@code base_l = smallest *
     * (largest / smallest)^(l / (L - 1))}), each level has the sizes {@code base_l * 2^0, 2^(1/3), 2^(2/3)}
     * and the ratios {@code 0.5, 1, 2}: 9 anchors per location. RetinaNet itself is
     * {@code retinaNet({8, 16, 32, 64, 128}, 32, 512)} (bases 32, 64, ..., 512 at P3..P7); seed 003's face
     * detector is {@code retinaNet({8, 16, 32, 64}, 14, 220)} (areas 14^2..220^2 over P3..P6, bases 14, 35.07,
     * 87.86, 220). With one level, {@code smallest} must equal {@code largest}.
     */
    public static AnchorGenerator retinaNet(int[] strides, double smallest, double largest) {
        if (strides == null || strides.length == 0) {
            throw new IllegalArgumentException("retinaNet: strides must name at least one level");
        }
        if (!(smallest > 0) || !(largest >= smallest) || Double.isInfinite(largest)) {
            throw new IllegalArgumentException("retinaNet: need 0 < smallest <= largest, got " + smallest + ", "
                    + largest);
        }
        int levels = strides.length;
        if (levels == 1 && smallest != largest) {
            throw new IllegalArgumentException("retinaNet: one level cannot span sizes " + smallest + " to "
                    + largest);
        }
        double[][] sizes = new double[levels][];
        for (int l = 0; l < levels; l++) {
            double b = levels == 1 ? smallest : smallest * Math.pow(largest / smallest, (double) l / (levels - 1));
            sizes[l] = new double[] {b, b * Math.pow(2, 1.0 / 3), b * Math.pow(2, 2.0 / 3)};
        }
        return new AnchorGenerator(strides, sizes, new double[] {0.5, 1.0, 2.0});
    }

    public int levels() {
        return strides.length;
    }

    /** Anchors per feature cell, the same at every level: sizes times ratios. */
    public int anchorsPerLocation() {
        return perLocation;
    }

    public int stride(int level) {
        return strides[level];
    }

    /** A copy of the sizes of {@code level}. */
    public double[] sizes(int level) {
        return sizes[level].clone();
    }

    /** A copy of the aspect ratios. */
    public double[] aspectRatios() {
        return aspectRatios.clone();
    }

    /** Number of anchors of all levels for these feature sizes ({@code [levels][2]} of {@code (H, W)}). */
    public int count(int[][] featureSizes) {
        checkSizes(featureSizes);
        long n = 0;
        for (int[] hw : featureSizes) {
            n += (long) hw[0] * hw[1] * perLocation;
        }
        if (n > Integer.MAX_VALUE / 4) {
            throw new IllegalArgumentException("anchors: " + n + " anchors is too many");
        }
        return (int) n;
    }

    /** The anchors of one level, {@code [H * W * A * 4]}, anchor index {@code (y * W + x) * A + a}. */
    public float[] anchors(int level, int featureH, int featureW) {
        checkLevel(level, featureH, featureW);
        float[] out = new float[featureH * featureW * perLocation * 4];
        fill(level, featureH, featureW, out, 0);
        return out;
    }

    /** All levels' anchors concatenated in level order; {@code featureSizes[l] = {H, W}}. */
    public float[] anchors(int[][] featureSizes) {
        float[] out = new float[4 * count(featureSizes)];
        int at = 0;
        for (int l = 0; l < featureSizes.length; l++) {
            at = fill(l, featureSizes[l][0], featureSizes[l][1], out, at);
        }
        return out;
    }

    /** Writes one level's anchors into {@code out} from {@code at}; returns the position after them. */
    public int fill(int level, int featureH, int featureW, float[] out, int at) {
        checkLevel(level, featureH, featureW);
        int n = featureH * featureW * perLocation * 4;
        if (at < 0 || at + n > out.length) {
            throw new IllegalArgumentException("anchors: level " + level + " needs " + n + " values from " + at
                    + ", the array has " + out.length);
        }
        float[] b = base[level];
        int stride = strides[level];
        int o = at;
        for (int y = 0; y < featureH; y++) {
            int sy = y * stride;
            for (int x = 0; x < featureW; x++) {
                int sx = x * stride;
                for (int a = 0; a < perLocation; a++) {
                    out[o++] = sx + b[4 * a];
                    out[o++] = sy + b[4 * a + 1];
                    out[o++] = sx + b[4 * a + 2];
                    out[o++] = sy + b[4 * a + 3];
                }
            }
        }
        return o;
    }

    /** Writes anchor {@code a} of cell {@code (y, x)} of {@code level} at {@code out[at..at+3]}. */
    public void anchor(int level, int y, int x, int a, float[] out, int at) {
        float[] b = base[level];
        int sx = x * strides[level];
        int sy = y * strides[level];
        out[at] = sx + b[4 * a];
        out[at + 1] = sy + b[4 * a + 1];
        out[at + 2] = sx + b[4 * a + 2];
        out[at + 3] = sy + b[4 * a + 3];
    }

    private void checkLevel(int level, int h, int w) {
        if (level < 0 || level >= strides.length) {
            throw new IllegalArgumentException("anchors: level " + level + " is not in [0, " + strides.length + ")");
        }
        if (h < 0 || w < 0 || (long) h * w * perLocation * 4 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("anchors: bad feature size " + h + "x" + w + " at level " + level);
        }
    }

    void checkSizes(int[][] featureSizes) {
        if (featureSizes == null || featureSizes.length != strides.length) {
            throw new IllegalArgumentException("anchors: need one (H, W) per level (" + strides.length + "), got "
                    + (featureSizes == null ? "null" : featureSizes.length));
        }
        for (int l = 0; l < featureSizes.length; l++) {
            if (featureSizes[l] == null || featureSizes[l].length != 2 || featureSizes[l][0] < 0
                    || featureSizes[l][1] < 0) {
                throw new IllegalArgumentException("anchors: feature size of level " + l + " must be {H, W} >= 0, got "
                        + Arrays.toString(featureSizes[l]));
            }
        }
    }
}
