package org.cnn4j.nn.data.detection;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Seed 003's augmentation: each image rescaled at random and flipped horizontally at random, its boxes
 * transformed with it.
 *
 * <p>Two ways to draw the size:
 * <ul>
 *   <li>{@link #DetectionAugment(double, double, double)}: a factor {@code f} uniform in
 *       [{@code minScale}, {@code maxScale}]; the image becomes {@code round(H f) x round(W f)} (at least 1 x 1),
 *       keeping its aspect ratio;</li>
 *   <li>{@link #squares(List, double)}: one of the given sizes {@code S}, uniformly; the image becomes
 *       {@code S x S} (the paper's 512, 576 or 640), not keeping its aspect ratio.</li>
 * </ul>
 * Pixels are resampled bilinearly ({@link Images#resizeBilinear}, PyTorch's {@code align_corners=False}); box
 * coordinates are multiplied by the actual ratios {@code W'/W} and {@code H'/H}, so they stay on the same image
 * content. Then, with probability {@code flipProbability}, the image is mirrored: column {@code c} becomes
 * {@code W' - 1 - c} and a box {@code (x1, y1, x2, y2)} becomes {@code (W' - x2, y1, W' - x1, y2)}.
 *
 * <p>Random draws, in order: the size (one {@code nextDouble} or {@code nextInt}, always), then the flip (one
 * {@code nextDouble}, always), so the same {@code rng} state gives the same result.
 */
public final class DetectionAugment {
    private final double minScale;
    private final double maxScale;
    private final int[] squares;
    private final double flipProbability;

    /** Rescaling by a factor uniform in [{@code minScale}, {@code maxScale}] and flipping with the probability. */
    public DetectionAugment(double minScale, double maxScale, double flipProbability) {
        if (!(minScale > 0) || !(maxScale >= minScale) || !Double.isFinite(maxScale)) {
            throw new IllegalArgumentException("DetectionAugment: need 0 < minScale <= maxScale, got minScale "
                    + minScale + ", maxScale " + maxScale);
        }
        this.minScale = minScale;
        this.maxScale = maxScale;
        this.squares = null;
        this.flipProbability = checkFlip(flipProbability);
    }

    private DetectionAugment(int[] squares, double flipProbability) {
        this.minScale = Double.NaN;
        this.maxScale = Double.NaN;
        this.squares = squares;
        this.flipProbability = checkFlip(flipProbability);
    }

    /** Resizing to {@code S x S} for {@code S} drawn uniformly from {@code sizes}, and flipping (seed 003). */
    public static DetectionAugment squares(List<Integer> sizes, double flipProbability) {
        if (sizes.isEmpty()) {
            throw new IllegalArgumentException("DetectionAugment.squares: sizes is empty");
        }
        int[] s = new int[sizes.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = sizes.get(i);
            if (s[i] < 1) {
                throw new IllegalArgumentException("DetectionAugment.squares: size " + s[i] + " must be >= 1");
            }
        }
        return new DetectionAugment(s, flipProbability);
    }

    private static double checkFlip(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("DetectionAugment: flipProbability must be in [0, 1], got " + p);
        }
        return p;
    }

    /** {@code s} rescaled and perhaps flipped; {@code s} itself is not changed. */
    public DetectionSample apply(DetectionSample s, SplittableRandom rng) {
        int h;
        int w;
        if (squares != null) {
            h = w = squares[rng.nextInt(squares.length)];
        } else {
            double f = minScale + (maxScale - minScale) * rng.nextDouble();
            h = (int) Math.max(1, Math.round(s.height() * f));
            w = (int) Math.max(1, Math.round(s.width() * f));
        }
        boolean flip = rng.nextDouble() < flipProbability;
        return transform(s, h, w, flip);
    }

    /** {@code s} resized to {@code height x width} and, when {@code flip}, mirrored left to right. */
    public static DetectionSample transform(DetectionSample s, int height, int width, boolean flip) {
        float[] px = height == s.height() && width == s.width() ? s.pixels().clone()
                : Images.resizeBilinear(s.pixels(), s.channels(), s.height(), s.width(), height, width);
        float sx = (float) width / s.width();
        float sy = (float) height / s.height();
        float[] b = new float[s.boxes().length];
        for (int k = 0; k < b.length; k += 4) {
            float x1 = s.boxes()[k] * sx;
            float x2 = s.boxes()[k + 2] * sx;
            b[k] = flip ? width - x2 : x1;
            b[k + 1] = s.boxes()[k + 1] * sy;
            b[k + 2] = flip ? width - x1 : x2;
            b[k + 3] = s.boxes()[k + 3] * sy;
        }
        if (flip) {
            for (int c = 0; c < s.channels(); c++) {
                for (int y = 0; y < height; y++) {
                    int row = (c * height + y) * width;
                    for (int l = row, r = row + width - 1; l < r; l++, r--) {
                        float t = px[l];
                        px[l] = px[r];
                        px[r] = t;
                    }
                }
            }
        }
        return new DetectionSample(s.channels(), height, width, px, b, s.labels().clone());
    }
}
