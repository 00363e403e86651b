package org.cnn4j.conformance;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Backends;
import org.cnn4j.core.Probe;

/**
 * A first, short check of a backend on a new machine: prints every backend's probe (device, driver and library
 * versions), opens the backend, and runs one sample case of each operator family (GEMM, convolution, pooling,
 * batch norm, activations, softmax, dropout, losses, optimizers, element-wise...) against the reference, one line
 * before and one after each, flushed, so that a fault (an asynchronous GPU error under
 * {@code CUDA_LAUNCH_BLOCKING=1}, or a JVM crash) is attributed to the last operator named in the log.
 *
 * <p>Usage: {@code java -cp <jars> org.cnn4j.conformance.Smoke [backend]} (default {@code cuda}). Exit 0 when every
 * case passed, 1 when one failed, 2 when the backend could not be opened.
 */
public final class Smoke {
    private Smoke() {
    }

    /** The first sample case of each operator family, in the suite's order. */
    static List<OpCase> oneCasePerFamily() {
        Map<String, OpCase> first = new LinkedHashMap<>();
        for (OpCase c : ConformanceSuite.cases()) {
            if (c.kind() == OpCase.Kind.SAMPLE) {
                first.putIfAbsent(c.family(), c);
            }
        }
        return List.copyOf(first.values());
    }

    /** Runs the smoke check of {@code backendName}, writing to {@code out}; returns the exit status. */
    static int run(String backendName, PrintStream out) {
        out.println("smoke: java " + Runtime.version() + " on " + System.getProperty("os.name") + " "
                + System.getProperty("os.arch"));
        for (Probe p : Backends.probeAll()) {
            out.println("smoke: probe " + p);
        }
        out.flush();
        List<OpCase> cases = oneCasePerFamily();
        int failed = 0;
        List<String> failures = new ArrayList<>();
        long t0 = System.nanoTime();
        try (Backend b = Backends.open(backendName); Backend ref = Backends.open("reference")) {
            out.println("smoke: opened " + b.name() + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms: "
                    + b.device());
            out.flush();
            for (OpCase c : cases) {
                out.println("smoke: running " + c.name());
                out.flush();
                long s = System.nanoTime();
                CaseResult r = ConformanceSuite.run(b, ref, c);
                b.synchronize();
                long ms = (System.nanoTime() - s) / 1_000_000;
                if (r.failed()) {
                    failed++;
                    failures.add(c.family());
                    out.println("smoke: FAILED " + c.family() + " (" + ms + " ms): " + r.message());
                } else {
                    out.println("smoke: " + (r.skipped() ? "skipped " : "ok ") + c.family() + " (" + ms + " ms)"
                            + (r.skipped() ? ": " + r.message() : ""));
                }
                out.flush();
            }
        } catch (RuntimeException e) {
            out.println("smoke: cannot run on " + backendName + ": " + e);
            out.flush();
            return 2;
        }
        out.println("smoke: " + cases.size() + " families, " + failed + " failed"
                + (failures.isEmpty() ? "" : " (" + String.join(", ", failures) + ")") + ", "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
        out.flush();
        return failed == 0 ? 0 : 1;
    }

    public static void main(String[] args) {
        System.exit(run(args.length > 0 ? args[0] : "cuda", System.out));
    }
}
