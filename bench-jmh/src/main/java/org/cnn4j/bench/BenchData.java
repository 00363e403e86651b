package org.cnn4j.bench;

import java.util.SplittableRandom;

/** Seeded inputs for the benchmarks. */
final class BenchData {
    private BenchData() {
    }

    /** {@code size} values uniform in [-1, 1) from {@code seed}. */
    static float[] random(int size, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return a;
    }
}
