package org.cnn4j.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.cnn4j.nn.data.ImageDataset;

/** Small learnable image sets for tests: class k is a bright bar at row/column k plus seeded noise. */
public final class Synthetic {
    private Synthetic() {
    }

    public static ImageDataset bars(int n, int classes, int size, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        byte[] px = new byte[n * size * size];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int k = rng.nextInt(classes);
            labels[i] = k;
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    boolean on = k < size ? y == k % size : x == (k - size) % size;
                    int v = (on ? 200 : 20) + rng.nextInt(40);
                    px[i * size * size + y * size + x] = (byte) v;
                }
            }
        }
        List<String> names = new ArrayList<>();
        for (int k = 0; k < classes; k++) {
            names.add("c" + k);
        }
        return new ImageDataset("bars", 1, size, size, px, labels, names);
    }
}
