package org.cnn4j.bench.runner;

import java.util.Arrays;
import org.cnn4j.core.Backend;

/**
 * Times one case: warm-up calls for {@code warmupSeconds}, then calls until both {@code minSeconds} and
 * {@code minReps} are reached (or {@code maxSeconds} has passed, with at least one call), each call followed by
 * {@link Backend#synchronize()} before the clock stops. The loop stores into a preallocated array only.
 */
public record Timer(double warmupSeconds, double minSeconds, int minReps, double maxSeconds, int maxReps) {
    /** Settings of {@code --quick}. */
    public static Timer quick() {
        return new Timer(0.1, 0.3, 3, 3, 1000);
    }

    /** Settings of a full run. */
    public static Timer full() {
        return new Timer(0.5, 1.5, 5, 20, 100_000);
    }

    /** One line for the report. */
    public String describe() {
        return String.format(java.util.Locale.ROOT, "%.1f s warm-up, then at least %.1f s and %d calls (at most "
                + "%.0f s once one call is done)", warmupSeconds, minSeconds, minReps, maxSeconds);
    }

    /** Times per call, in seconds. */
    public record Stats(int reps, double median, double min, double mean, double stddev) {
    }

    public Stats measure(Instance c, Backend be) {
        long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        do {
            c.run();
            be.synchronize();
        } while (System.nanoTime() < warmEnd);
        long[] t = new long[maxReps];
        int n = 0;
        long start = System.nanoTime();
        long minEnd = start + (long) (minSeconds * 1e9);
        long maxEnd = start + (long) (maxSeconds * 1e9);
        while (n < maxReps) {
            long t0 = System.nanoTime();
            c.run();
            be.synchronize();
            long t1 = System.nanoTime();
            t[n++] = t1 - t0;
            if ((t1 >= minEnd && n >= minReps) || t1 >= maxEnd) {
                break;
            }
        }
        return stats(Arrays.copyOf(t, n));
    }

    static Stats stats(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        int n = s.length;
        double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
        double sum = 0;
        for (long v : s) {
            sum += v;
        }
        double mean = sum / n;
        double var = 0;
        for (long v : s) {
            var += (v - mean) * (v - mean);
        }
        double sd = n > 1 ? Math.sqrt(var / (n - 1)) : 0;
        return new Stats(n, median / 1e9, s[0] / 1e9, mean / 1e9, sd / 1e9);
    }
}
