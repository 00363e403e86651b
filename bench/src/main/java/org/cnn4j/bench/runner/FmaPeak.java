package org.cnn4j.bench.runner;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The CPU's float32 FMA rate as the Vector API reaches it through the JIT: on every thread, twelve independent
 * {@code FloatVector.SPECIES_PREFERRED} accumulators, each updated with a fused multiply-add per iteration (enough
 * chains in flight to cover the FMA latency on two ports). GFLOP/s = threads x iterations x 12 x lanes x 2 / time.
 * Needs {@code --add-modules jdk.incubator.vector}; without it the JIT does not intrinsify the vectors and the
 * figure is meaningless (the caller reports that).
 *
 * <p>This is not the hardware's peak: the C loop of {@link NativeFmaPeak} is, and {@link Ceilings} shows this
 * figure as its share of it (on the 2-core AVX2 build machine the JIT's loop reached about half). Only where no C
 * loop can run does this figure stand in for the peak, labelled as a lower bound.
 */
public final class FmaPeak {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private FmaPeak() {
    }

    /** Lanes of the preferred float vector (16 with AVX-512). */
    public static int lanes() {
        return S.length();
    }

    /** One thread's loop: {@code iterations} rounds of 12 FMAs; returns a value that depends on all of them. */
    static float loop(long iterations, float seed) {
        FloatVector a = FloatVector.broadcast(S, 0.999999f);
        FloatVector b = FloatVector.broadcast(S, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(S, seed);
        FloatVector c1 = c0.add(1);
        FloatVector c2 = c0.add(2);
        FloatVector c3 = c0.add(3);
        FloatVector c4 = c0.add(4);
        FloatVector c5 = c0.add(5);
        FloatVector c6 = c0.add(6);
        FloatVector c7 = c0.add(7);
        FloatVector c8 = c0.add(8);
        FloatVector c9 = c0.add(9);
        FloatVector c10 = c0.add(10);
        FloatVector c11 = c0.add(11);
        for (long i = 0; i < iterations; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    /**
     * GFLOP/s on {@code threads} threads: warms the loop up, then the best of {@code trials} timed rounds of
     * about {@code seconds} each.
     */
    public static double measure(int threads, double seconds, int trials) throws Exception {
        loop(2_000_000, 1f); // compile it
        long iterations = 1_000_000;
        long t0 = System.nanoTime();
        loop(iterations, 2f);
        double perIter = Math.max(1e-10, (System.nanoTime() - t0) / 1e9 / iterations);
        long iters = Math.max(1_000_000, (long) (seconds / perIter));
        double best = 0;
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int trial = 0; trial < trials; trial++) {
                Future<?>[] fs = new Future<?>[threads];
                long start = System.nanoTime();
                for (int t = 0; t < threads; t++) {
                    float seed = t + trial;
                    fs[t] = pool.submit((Callable<Float>) () -> loop(iters, seed));
                }
                float sink = 0;
                for (Future<?> f : fs) {
                    sink += (Float) f.get();
                }
                double s = (System.nanoTime() - start) / 1e9;
                if (Float.isNaN(sink)) {
                    throw new IllegalStateException("FMA loop diverged");
                }
                best = Math.max(best, threads * (double) iters * 12 * S.length() * 2 / s / 1e9);
            }
        }
        return best;
    }
}
