package org.cnn4j.bench.runner;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.cnn4j.backend.cpu.CpuBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Copy;
import org.cnn4j.ops.Gemm;
import org.cnn4j.ops.Op;

/**
 * The machine's ceilings, measured by the same command so that every figure has a ratio. On the CPU: the FMA peak
 * ({@code fma-peak}: the C loop of {@link NativeFmaPeak} on the bench's threads, compiled for the widest vectors
 * the CPU has), the Vector API loop of {@link FmaPeak} beside it ({@code fma-vector-api}, with the share of the
 * peak it reaches), the cpu backend's SGEMM at 2048, and the copy bandwidth of the host (parallel
 * {@code System.arraycopy} of 256 MiB, read plus write). Without a C compiler (or off x86) the Vector API loop is
 * the {@code fma-peak} ceiling, marked {@link Ceiling#lowerBound()}: the hardware's peak is higher, so every share
 * of it is an upper bound. On a GPU backend (cuda, or opencl on a GPU): its own device-to-device copy bandwidth
 * ({@code Copy.Run} of 256 MiB) and its SGEMM at 4096 (cuBLAS on cuda).
 *
 * <p>The bench's threads: {@code -Dcnn4j.cpu.threads}, else the available processors, as the cpu backend.
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
     * @param name   {@code fma-peak}, {@code fma-vector-api}, {@code sgemm-2048}, {@code sgemm-4096} or
     *               {@code copy-bandwidth}
     * @param value  GFLOP/s or GB/s
     * @param unit   {@code GFLOP/s} or {@code GB/s}
     * @param how    what was measured
     * @param lowerBound true when the figure is known to be below the hardware's ceiling (the FMA peak measured
     *                   by the Java loop alone): shares of it are upper bounds
     */
    public record Ceiling(String device, String name, double value, String unit, String how, boolean lowerBound) {
        /** A measured ceiling (not a lower bound). */
        public Ceiling(String device, String name, double value, String unit, String how) {
            this(device, name, value, unit, how, false);
        }

        /** The value with its unit, {@code >= } before it when it is a lower bound. */
        public String valueText() {
            return String.format(Locale.ROOT, "%s%.1f %s", lowerBound ? ">= " : "", value, unit);
        }
    }

    /** The name of the FMA ceiling every compute-bound case on a CPU device is divided by. */
    public static final String FMA_PEAK = "fma-peak";
    /** The name of the Vector API loop's figure when the C loop gave the peak. */
    public static final String FMA_VECTOR_API = "fma-vector-api";

    private Ceilings() {
    }

    /** True when {@code be} runs on a GPU (its ceilings are its own, not the host's). */
    public static boolean isGpu(Backend be) {
        return be.name().equals("cuda") || be.device().contains("(GPU,");
    }

    /** The host's ceilings; {@code cpu} is the cpu backend (null when it cannot start: no SGEMM figure). */
    public static List<Ceiling> host(Backend cpu, boolean quick) throws Exception {
        List<Ceiling> out = new ArrayList<>();
        int threads = CpuBackend.Config.fromSystemProperties().threads();
        boolean vector = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        double java = FmaPeak.measure(threads, quick ? 0.2 : 0.5, quick ? 3 : 10);
        NativeFmaPeak.Outcome c = NativeFmaPeak.measure(threads, quick ? 0.2 : 0.5, quick ? 3 : 10);
        out.addAll(fma(c, java, threads, FmaPeak.lanes(), vector));
        out.add(new Ceiling("host", "copy-bandwidth", hostCopy(threads, quick ? 3 : 8), "GB/s", String.format(
                Locale.ROOT, "System.arraycopy of 256 MiB on %d threads, bytes read + written", threads)));
        if (cpu != null) {
            out.add(new Ceiling("host", "sgemm-2048", gemm(cpu, 2048, quick ? 2 : 4), "GFLOP/s",
                    "cpu backend Gemm.Run 2048^3, best of " + (quick ? 2 : 4) + " after one warm-up"));
        }
        return out;
    }

    /**
     * The FMA ceilings from the C loop's outcome {@code c} and the Vector API loop's {@code java} GFLOP/s: with a
     * measurement, {@code fma-peak} from C and {@code fma-vector-api} with its share of it; without, {@code fma-peak}
     * from the Vector API loop as a lower bound, saying why there is no C figure.
     */
    static List<Ceiling> fma(NativeFmaPeak.Outcome c, double java, int threads, int lanes, boolean vectorModule) {
        String javaHow = String.format(Locale.ROOT, "Vector API FMA loop, %d threads, %d float lanes, 12 chains%s",
                threads, lanes, vectorModule ? "" : " (WITHOUT --add-modules jdk.incubator.vector: not intrinsified)");
        if (c.measurement() == null) {
            return List.of(new Ceiling("host", FMA_PEAK, java, "GFLOP/s", "LOWER BOUND: " + javaHow + "; no C FMA "
                    + "loop (" + c.unavailable() + "), so the hardware's peak is higher and every % of peak is an "
                    + "upper bound", true));
        }
        NativeFmaPeak.Measurement m = c.measurement();
        String contended = m.cpuGflops() > 1.1 * m.gflops() ? String.format(Locale.ROOT, "; by the threads' CPU "
                + "time %.1f GFLOP/s: other work took the cores away during the measurement", m.cpuGflops()) : "";
        return List.of(new Ceiling("host", FMA_PEAK, m.gflops(), "GFLOP/s", String.format(Locale.ROOT,
                        "C FMA loop (`%s`), %s, %d threads, %d float lanes, %d chains, best of %d x %.1f s%s",
                        c.command(), m.isa(), m.threads(), m.lanes(), m.chains(), m.trials(), m.seconds(),
                        contended)),
                new Ceiling("host", FMA_VECTOR_API, java, "GFLOP/s", String.format(Locale.ROOT,
                        "%s: the Vector API loop reaches %.0f%% of fma-peak", javaHow, 100 * java / m.gflops())));
    }

    /** The host's FMA ceiling in {@code ceilings} when it is a lower bound (no C loop measured it), else null. */
    public static Ceiling lowerBoundFmaPeak(List<Ceiling> ceilings) {
        for (Ceiling c : ceilings) {
            if (c.device().equals("host") && c.name().equals(FMA_PEAK) && c.lowerBound()) {
                return c;
            }
        }
        return null;
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
