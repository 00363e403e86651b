package org.cnn4j.nn.train;

import java.util.SplittableRandom;

/**
 * Label-preserving augmentation from seed 001: a random crop of the image zero-padded by {@code cropPadding}
 * on each side (a shift of up to that many pixels), a horizontal flip with probability {@code flipProbability},
 * and a brightness change: a value drawn uniformly from {@code [-brightness, brightness]} added to every pixel of
 * the image, then clamped to [0, 1]. Works on one CHW image of values in [0, 1], in place.
 *
 * @param cropPadding     maximum shift in pixels, 0 for none
 * @param flipProbability probability of a horizontal flip
 * @param brightness      maximum brightness change, 0 for none
 */
public record Augment(int cropPadding, double flipProbability, double brightness) {
    public Augment {
        if (cropPadding < 0 || flipProbability < 0 || flipProbability > 1 || brightness < 0) {
            throw new IllegalArgumentException("Augment: invalid " + cropPadding + ", " + flipProbability + ", "
                    + brightness);
        }
    }

    /** Crop with padding 4 (2 for 28x28 images), flip with probability 0.5, brightness 0.1. */
    public static Augment standard(int height) {
        return new Augment(height <= 28 ? 2 : 4, 0.5, 0.1);
    }

    /** Parses {@code crop=4,flip=0.5,brightness=0.1} (any subset), or {@code standard}/{@code none}. */
    public static Augment parse(String s, int height) {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("standard") || t.equals("true") || t.equals("on")) {
            return standard(height);
        }
        if (t.equals("none") || t.equals("false") || t.equals("off")) {
            return null;
        }
        int crop = 0;
        double flip = 0;
        double bright = 0;
        for (String kv : t.split(",")) {
            String[] p = kv.split("=");
            if (p.length != 2) {
                throw new IllegalArgumentException("augment: '" + kv + "' is not key=value (crop, flip, brightness)");
            }
            switch (p[0].trim()) {
                case "crop" -> crop = Integer.parseInt(p[1].trim());
                case "flip" -> flip = Double.parseDouble(p[1].trim());
                case "brightness" -> bright = Double.parseDouble(p[1].trim());
                default -> throw new IllegalArgumentException("augment: unknown key '" + p[0]
                        + "' (crop, flip, brightness)");
            }
        }
        return new Augment(crop, flip, bright);
    }

    /**
     * Draws what {@link #apply} would draw for one image, without an image: a data-parallel replica skips the
     * samples it leaves to the others and stays on the one-process stream.
     */
    public void skip(SplittableRandom rng) {
        apply(null, 0, 0, 0, 0, rng, null);
    }

    /** Augments the image at {@code off} in {@code x} (C x H x W), using {@code scratch} (at least H x W). */
    public void apply(float[] x, int off, int c, int h, int w, SplittableRandom rng, float[] scratch) {
        int dy = cropPadding == 0 ? 0 : rng.nextInt(2 * cropPadding + 1) - cropPadding;
        int dx = cropPadding == 0 ? 0 : rng.nextInt(2 * cropPadding + 1) - cropPadding;
        boolean flip = flipProbability > 0 && rng.nextDouble() < flipProbability;
        float delta = brightness == 0 ? 0 : (float) ((rng.nextDouble() * 2 - 1) * brightness);
        if (x == null) { // skip
            return;
        }
        for (int ch = 0; ch < c; ch++) {
            int base = off + ch * h * w;
            System.arraycopy(x, base, scratch, 0, h * w);
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    int si = i + dy;
                    int sj = flip ? (w - 1 - j) + dx : j + dx;
                    float v = si >= 0 && si < h && sj >= 0 && sj < w ? scratch[si * w + sj] : 0f;
                    if (delta != 0) {
                        v = Math.min(1f, Math.max(0f, v + delta));
                    }
                    x[base + i * w + j] = v;
                }
            }
        }
    }
}
