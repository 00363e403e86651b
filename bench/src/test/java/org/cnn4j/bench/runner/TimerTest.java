package org.cnn4j.bench.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.cnn4j.core.Backends;
import org.cnn4j.core.Backend;
import org.junit.jupiter.api.Test;

class TimerTest {
    @Test
    void statisticsOfKnownSamples() {
        Timer.Stats s = Timer.stats(new long[] {4_000_000, 1_000_000, 3_000_000, 2_000_000});
        assertEquals(4, s.reps());
        assertEquals(2.5e-3, s.median(), 1e-12);
        assertEquals(1e-3, s.min(), 1e-12);
        assertEquals(2.5e-3, s.mean(), 1e-12);
        assertEquals(Math.sqrt(5.0 / 3) * 1e-3, s.stddev(), 1e-12);
        assertEquals(2e-3, Timer.stats(new long[] {3_000_000, 2_000_000, 1_000_000}).median(), 1e-12);
    }

    @Test
    void measuresAtLeastTheMinimumCallsAndSynchronizesEach() {
        int[] calls = new int[1];
        Instance counting = new Instance() {
            @Override
            public void run() {
                calls[0]++;
            }

            @Override
            public Map<String, Output> outputs() {
                return Map.of();
            }

            @Override
            public void close() {
            }
        };
        try (Backend be = Backends.open("reference")) {
            Timer.Stats s = new Timer(0, 0, 7, 10, 100).measure(counting, be);
            assertEquals(7, s.reps());
            assertEquals(8, calls[0]); // one warm-up call, seven timed
            assertTrue(s.min() <= s.median());
        }
    }
}
