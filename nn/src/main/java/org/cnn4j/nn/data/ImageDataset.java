package org.cnn4j.nn.data;

import java.util.List;
import java.util.SplittableRandom;
import org.cnn4j.core.Shape;

/**
 * Labelled images in memory as bytes (0..255), sample-major, each sample C x H x W (CHW). Small: Fashion-MNIST's
 * 60,000 training images are 47 MB.
 *
 * @param name       data set name, for messages
 * @param channels   C
 * @param height     H
 * @param width      W
 * @param pixels     {@code size() * C * H * W} bytes
 * @param labels     one class index per sample, in [0, classes)
 * @param classNames one name per class
 */
public record ImageDataset(String name, int channels, int height, int width, byte[] pixels, int[] labels,
        List<String> classNames) {
    public ImageDataset {
        long per = (long) channels * height * width;
        if (per * labels.length != pixels.length) {
            throw new IllegalArgumentException(name + ": " + pixels.length + " pixel bytes for " + labels.length
                    + " samples of " + channels + "x" + height + "x" + width);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new IllegalArgumentException(name + ": label " + labels[i] + " of sample " + i
                        + " is outside [0, " + classNames.size() + ")");
            }
        }
        classNames = List.copyOf(classNames);
    }

    public int size() {
        return labels.length;
    }

    public int classes() {
        return classNames.size();
    }

    /** One sample's shape: C, H, W. */
    public Shape sampleShape() {
        return Shape.of(channels, height, width);
    }

    public int sampleSize() {
        return channels * height * width;
    }

    /** The samples at {@code indices}, in that order. */
    public ImageDataset select(int[] indices, String newName) {
        int per = sampleSize();
        byte[] p = new byte[indices.length * per];
        int[] l = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(pixels, indices[i] * per, p, i * per, per);
            l[i] = labels[indices[i]];
        }
        return new ImageDataset(newName, channels, height, width, p, l, classNames);
    }

    /** The first {@code n} samples (all when {@code n >= size()}). */
    public ImageDataset head(int n) {
        if (n >= size()) {
            return this;
        }
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        return select(idx, name + "[:" + n + "]");
    }

    /**
     * A seeded random split into {@code trainCount} training and the rest validation samples (seed 002 splits
     * Fashion-MNIST's 60,000 into 48,000 and 12,000).
     */
    public Split split(int trainCount, long seed) {
        if (trainCount < 1 || trainCount > size()) {
            throw new IllegalArgumentException(name + ": cannot take " + trainCount + " of " + size()
                    + " samples for training");
        }
        int[] perm = permutation(size(), new SplittableRandom(seed));
        int[] a = java.util.Arrays.copyOfRange(perm, 0, trainCount);
        int[] b = java.util.Arrays.copyOfRange(perm, trainCount, size());
        return new Split(select(a, name + "/train"), b.length == 0 ? null : select(b, name + "/validation"));
    }

    /** A training and a validation part; {@code validation} is null when empty. */
    public record Split(ImageDataset train, ImageDataset validation) {
    }

    /** A Fisher-Yates permutation of 0..n-1. */
    public static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
