package org.cnn4j.bench.runner;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Copy;
import org.cnn4j.ops.Gemm;
import org.cnn4j.ops.Op;

/**
 * The machine's ceilings, measured by the same command so that every figure has a ratio. On the CPU: the FMA peak
 * ({@link FmaPeak}, all threads), the cpu backend's SGEMM at 2048, and the copy bandwidth of the host (parallel
 * {@code System.arraycopy} of 256 MiB, read plus write). On a GPU backend (cuda, or opencl on a GPU): its own
 * device-to-device copy bandwidth ({@code Copy.Run} of 256 MiB) and its SGEMM at 4096 (cuBLAS on cuda).
 *
 * <p>Which ceiling a result is divided by: a compute-bound case (flops &gt; 0) by the FMA peak on a CPU device
 * (reference, cpu, opencl on PoCL) and by the SGEMM ceiling on a GPU; a memory-bound case by the copy bandwidth of
 * its device.
 */
public final class Ceilings {
    /**
     * One ceiling.
     *
     * @param device {@code host} or the backend name of a GPU backend
     * @param name   {@code fma-peak}, {@code sgemm-2048}, {@code sgemm-4096} or {@code copy-bandwidth}
     * @param value  GFLOP/s or GB/s
     * @param unit   {@code GFLOP/s} or {@code GB/s}
     * @param how    what was measured
     */
    public record Ceiling(String device, String name, double value, String unit, String how) {
    }

    private Ceilings() {
    }

    /** True when {@code be} runs on a GPU (its ceilings are its own, not the host's). */
    public static boolean isGpu(Backend be) {
        return be.name().equals("cuda") || be.device().contains("(GPU,");
    }

    /** The host's ceilings; {@code cpu} is the cpu backend (null when it cannot start: no SGEMM figure). */
    public static List<Ceiling> host(Backend cpu, boolean quick) throws Exception {
        List<Ceiling> out = new ArrayList<>();
        int threads = Runtime.getRuntime().availableProcessors();
        boolean vector = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        double fma = FmaPeak.measure(threads, quick ? 0.2 : 0.5, quick ? 3 : 10);
        out.add(new Ceiling("host", "fma-peak", fma, "GFLOP/s", String.format(Locale.ROOT,
                "Vector API FMA loop, %d threads, %d float lanes, 12 chains%s", threads, FmaPeak.lanes(),
                vector ? "" : " (WITHOUT --add-modules jdk.incubator.vector: not a real ceiling)")));
        out.add(new Ceiling("host", "copy-bandwidth", hostCopy(threads, quick ? 3 : 8), "GB/s", String.format(
                Locale.ROOT, "System.arraycopy of 256 MiB on %d threads, bytes read + written", threads)));
        if (cpu != null) {
            out.add(new Ceiling("host", "sgemm-2048", gemm(cpu, 2048, quick ? 2 : 4), "GFLOP/s",
                    "cpu backend Gemm.Run 2048^3, best of " + (quick ? 2 : 4) + " after one warm-up"));
        }
        return out;
    }

    /** A GPU backend's ceilings: copy bandwidth and SGEMM at 4096. */
    public static List<Ceiling> gpu(Backend be, boolean quick) {
        List<Ceiling> out = new ArrayList<>();
        out.add(new Ceiling(be.name(), "copy-bandwidth", deviceCopy(be, quick ? 5 : 20), "GB/s",
                "Copy.Run of 256 MiB device to device on " + be.device() + ", bytes read + written"));
        out.add(new Ceiling(be.name(), "sgemm-4096", gemm(be, 4096, quick ? 3 : 10), "GFLOP/s",
                "Gemm.Run 4096^3 on " + be.device() + (be.name().equals("cuda") ? " (cuBLAS)" : "")));
        return out;
    }

    static double gemm(Backend be, int n, int reps) {
        Shape s = Shape.of(n, n);
        try (Tensor a = be.fromArray(s, OpsInstance.Random.uniform(n * n, 1));
             Tensor b = be.fromArray(s, OpsInstance.Random.uniform(n * n, 2));
             Tensor c = be.allocate(s)) {
            Gemm.Run op = new Gemm.Run(Gemm.plain(), a, b, c);
            double best = bestSeconds(be, op, reps);
            return 2.0 * n * n * n / best / 1e9;
        }
    }

    /** The fastest of {@code reps} synchronized calls of {@code op}, in seconds, after one warm-up call. */
    private static double bestSeconds(Backend be, Op op, int reps) {
        be.execute(op);
        be.synchronize();
        double best = Double.MAX_VALUE;
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            be.execute(op);
            be.synchronize();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }

    static double deviceCopy(Backend be, int reps) {
        int size = 64 << 20;
        Shape s = Shape.of(size);
        try (Tensor x = be.fromArray(s, OpsInstance.Random.uniform(size, 3)); Tensor y = be.allocate(s)) {
            Copy.Run op = new Copy.Run(x, y);
            double best = bestSeconds(be, op, reps);
            return 2.0 * 4 * size / best / 1e9;
        }
    }

    static double hostCopy(int threads, int reps) throws Exception {
        int size = 64 << 20;
        float[] src = OpsInstance.Random.uniform(size, 4);
        float[] dst = new float[size];
        int chunk = (size + threads - 1) / threads;
        double best = Double.MAX_VALUE;
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int r = 0; r <= reps; r++) {
                Future<?>[] fs = new Future<?>[threads];
                long t0 = System.nanoTime();
                for (int t = 0; t < threads; t++) {
                    int from = t * chunk;
                    int len = Math.min(chunk, size - from);
                    fs[t] = pool.submit(() -> System.arraycopy(src, from, dst, from, len));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
                double s = (System.nanoTime() - t0) / 1e9;
                if (r > 0) {
                    best = Math.min(best, s); // the first round pages dst in
                }
            }
        }
        if (dst[size - 1] != src[size - 1]) {
            throw new IllegalStateException("copy ceiling: the copy did not happen");
        }
        return 2.0 * 4 * size / best / 1e9;
    }
}
