package org.cnn4j.nn.data.detection;

import java.util.List;

/**
 * Images with boxes and class labels, read by index. Implementations decode or generate a sample on each
 * {@link #get(int)} (nothing big is held), so {@code get} may fail with an {@link java.io.UncheckedIOException}
 * whose cause, a {@link org.cnn4j.nn.data.DataFormatException}, names the file.
 */
public interface DetectionDataset {
    /** The number of images. */
    int size();

    /** Image {@code i}, {@code 0 <= i < size()}. */
    DetectionSample get(int i);

    /** The number of classes; every label is in {@code [0, classes())}. */
    int classes();

    /** One name per class. */
    List<String> classNames();

    /** The images' channel count (1 gray, 3 RGB). */
    int channels();

    /** Every image's ground-truth boxes, in order (as {@code AveragePrecision} takes them). */
    default List<float[]> allBoxes() {
        List<float[]> out = new java.util.ArrayList<>(size());
        for (int i = 0; i < size(); i++) {
            out.add(get(i).boxes());
        }
        return out;
    }

    /** Every image's labels, in order. */
    default List<int[]> allLabels() {
        List<int[]> out = new java.util.ArrayList<>(size());
        for (int i = 0; i < size(); i++) {
            out.add(get(i).labels());
        }
        return out;
    }
}
