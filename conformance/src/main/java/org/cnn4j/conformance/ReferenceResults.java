package org.cnn4j.conformance;

import java.lang.ref.SoftReference;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.cnn4j.core.Backend;

/**
 * The reference's outputs of the cases run in this JVM, so that the oracle computes each case once however many
 * backends, configurations and planted faults are compared with it (a module's test classes share one JVM).
 * Keyed by the reference backend's class and name and by the case's name, which holds its call, parameters and
 * seed: the same name builds the same tensors. Held softly: under memory pressure a result is dropped and computed again.
 */
final class ReferenceResults {
    private static final Map<String, SoftReference<Map<String, double[]>>> RESULTS = new ConcurrentHashMap<>();

    private ReferenceResults() {
    }

    private static String key(Backend reference, OpCase c) {
        return reference.getClass().getName() + "\n" + reference.name() + "\n" + c.name();
    }

    /** The outputs by role, or null when not computed here yet (or dropped). The arrays are not to be changed. */
    static Map<String, double[]> get(Backend reference, OpCase c) {
        SoftReference<Map<String, double[]>> r = RESULTS.get(key(reference, c));
        return r == null ? null : r.get();
    }

    static void put(Backend reference, OpCase c, Map<String, double[]> outputs) {
        RESULTS.put(key(reference, c), new SoftReference<>(Map.copyOf(outputs)));
    }
}
