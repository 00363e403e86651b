package org.cnn4j.bench.runner;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The CPU's float32 FMA peak as the hardware gives it: the C program {@code fma_peak.c} (a resource of this
 * package) compiled at bench time with the host's C compiler for the widest vectors the CPU has (AVX-512F, else
 * AVX2 + FMA, else SSE2, from the {@code flags} line of {@code /proc/cpuinfo}), run on the bench's threads, its one
 * result line parsed. Twelve independent vector accumulators per thread, one fused multiply-add each per
 * iteration, cover the FMA latency on two ports.
 *
 * <p>The Java loop of {@link FmaPeak} runs through the JIT and reaches less than this on some machines; the bench
 * divides by this figure when it can measure it and says so when it cannot (no compiler, not x86, the compile or
 * the run failed): then {@link Outcome#unavailable()} says why.
 *
 * <p>The compiler: the {@code CC} environment variable (a command, words split on blanks) when set, else the first
 * of {@code cc}, {@code gcc}, {@code clang} on the {@code PATH}.
 */
public final class NativeFmaPeak {
    /** The resource holding the C source. */
    static final String SOURCE = "fma_peak.c";

    /** The vector instruction set the C loop is compiled for. */
    public enum Isa {
        AVX512F("avx512f", 16, List.of("-mavx512f")),
        AVX2_FMA("avx2-fma", 8, List.of("-mavx2", "-mfma")),
        SSE("sse", 4, List.of("-msse2"));

        /** The name the C program prints. */
        public final String id;
        /** Float lanes of one vector. */
        public final int lanes;
        /** The compiler flags that select it. */
        public final List<String> flags;

        Isa(String id, int lanes, List<String> flags) {
            this.id = id;
            this.lanes = lanes;
            this.flags = flags;
        }
    }

    /**
     * The C program's result line.
     *
     * @param gflops    best GFLOP/s over the trials, by wall time (the ceiling)
     * @param cpuGflops the same work divided by each thread's CPU time, summed: above {@code gflops} when other
     *                  work took the cores away
     * @param isa       {@link Isa#id} it was compiled for
     * @param lanes     float lanes per vector
     * @param chains    independent accumulators per thread
     * @param threads   threads
     * @param trials    timed rounds
     * @param seconds   length of one round
     */
    public record Measurement(double gflops, double cpuGflops, String isa, int lanes, int chains, int threads,
            int trials, double seconds) {
    }

    /**
     * What measuring gave: a measurement, or why there is none.
     *
     * @param measurement the C loop's figures, null when unavailable
     * @param command     the compile command used (null when none was found)
     * @param unavailable why there is no measurement, null when there is one
     */
    public record Outcome(Measurement measurement, String command, String unavailable) {
        public Outcome {
            if ((measurement == null) == (unavailable == null)) {
                throw new IllegalArgumentException("an outcome has a measurement or a reason, not both or neither");
            }
        }

        static Outcome of(Measurement m, String command) {
            return new Outcome(m, command, null);
        }

        static Outcome none(String why, String command) {
            return new Outcome(null, command, why);
        }
    }

    private NativeFmaPeak() {
    }

    /** The flags of the first processor in {@code /proc/cpuinfo}'s text (x86: {@code flags : fpu ... avx2}). */
    static Set<String> cpuFlags(List<String> cpuinfo) {
        for (String line : cpuinfo) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals("flags")) {
                return new LinkedHashSet<>(Arrays.asList(line.substring(colon + 1).trim().split("\\s+")));
            }
        }
        return Set.of();
    }

    /** The widest instruction set {@code flags} allow, or null when they are not an x86 CPU's (no sse2). */
    static Isa isaFor(Set<String> flags) {
        if (flags.contains("avx512f")) {
            return Isa.AVX512F;
        }
        if (flags.contains("avx2") && flags.contains("fma")) {
            return Isa.AVX2_FMA;
        }
        if (flags.contains("sse2")) {
            return Isa.SSE;
        }
        return null;
    }

    /**
     * The result line of the C program's output ({@code fma-peak gflops=... isa=... ...}).
     *
     * @throws IllegalArgumentException when there is no such line or a field is missing or not a number
     */
    static Measurement parse(String output) {
        String line = output.lines().map(String::trim).filter(l -> l.startsWith("fma-peak ")).reduce((a, b) -> b)
                .orElseThrow(() -> new IllegalArgumentException("fma_peak printed no 'fma-peak ...' line: "
                        + abbreviate(output)));
        Map<String, String> kv = new HashMap<>();
        for (String word : line.substring("fma-peak ".length()).trim().split("\\s+")) {
            int eq = word.indexOf('=');
            if (eq > 0) {
                kv.put(word.substring(0, eq), word.substring(eq + 1));
            }
        }
        double gflops = number(kv, "gflops", line);
        if (!(gflops > 0) || Double.isInfinite(gflops)) {
            throw new IllegalArgumentException("fma_peak: gflops must be a positive number in '" + line + "'");
        }
        String isa = kv.get("isa");
        if (isa == null || isa.isEmpty()) {
            throw new IllegalArgumentException("fma_peak: no isa= in '" + line + "'");
        }
        return new Measurement(gflops, number(kv, "cpu_gflops", line), isa, (int) number(kv, "lanes", line),
                (int) number(kv, "chains", line), (int) number(kv, "threads", line), (int) number(kv, "trials", line),
                number(kv, "seconds", line));
    }

    private static double number(Map<String, String> kv, String key, String line) {
        String v = kv.get(key);
        if (v == null) {
            throw new IllegalArgumentException("fma_peak: no " + key + "= in '" + line + "'");
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("fma_peak: " + key + "=" + v + " is not a number in '" + line + "'",
                    e);
        }
    }

    /**
     * The compiler command: {@code CC} from {@code env} when set (its words), else the first of cc, gcc, clang
     * found in {@code env}'s {@code PATH}; null when there is none.
     */
    static List<String> findCompiler(Map<String, String> env) {
        String cc = env.get("CC");
        if (cc != null && !cc.isBlank()) {
            return List.of(cc.trim().split("\\s+"));
        }
        for (String name : List.of("cc", "gcc", "clang")) {
            for (String dir : env.getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                    return List.of(Path.of(dir, name).toString());
                }
            }
        }
        return null;
    }

    /** True when {@code program} is an executable file, or (a bare name) one in {@code env}'s PATH. */
    static boolean runnable(String program, Map<String, String> env) {
        if (program.contains(java.io.File.separator)) {
            return Files.isExecutable(Path.of(program));
        }
        for (String dir : env.getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** The CPU flags of this machine ({@code /proc/cpuinfo}), empty when unreadable. */
    static Set<String> hostFlags() {
        try {
            return cpuFlags(Files.readAllLines(Path.of("/proc/cpuinfo")));
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
    }

    /**
     * Compiles and runs the C loop on {@code threads} threads, the best of {@code trials} rounds of about
     * {@code seconds}; never throws for a missing compiler or a failed build: the outcome says why.
     */
    public static Outcome measure(int threads, double seconds, int trials) {
        return measure(threads, seconds, trials, hostFlags(), System.getenv());
    }

    /** {@link #measure(int, double, int)} with the CPU flags and the environment given. */
    static Outcome measure(int threads, double seconds, int trials, Set<String> flags, Map<String, String> env) {
        if (threads < 1 || !(seconds > 0) || trials < 1) {
            throw new IllegalArgumentException("NativeFmaPeak.measure: threads " + threads + ", seconds " + seconds
                    + ", trials " + trials + " must be positive");
        }
        Isa isa = isaFor(flags);
        if (isa == null) {
            return Outcome.none("no x86 CPU flags in /proc/cpuinfo (" + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch") + "): the C loop is written for SSE2, AVX2 + FMA and AVX-512F",
                    null);
        }
        List<String> cc = findCompiler(env);
        if (cc == null) {
            return Outcome.none("no C compiler (CC unset; no cc, gcc or clang on the PATH)", null);
        }
        if (!runnable(cc.getFirst(), env)) {
            return Outcome.none("CC=" + env.get("CC").trim() + ": " + cc.getFirst()
                    + " is not an executable file, nor one on the PATH", null);
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("cnn4j-fma-peak");
            Path src = dir.resolve(SOURCE);
            try (InputStream in = NativeFmaPeak.class.getResourceAsStream(SOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("resource " + SOURCE + " is missing from the bench jar");
                }
                Files.copy(in, src);
            }
            Path exe = dir.resolve("fma_peak");
            List<String> compile = new ArrayList<>(cc);
            compile.addAll(List.of("-O2", "-std=c11", "-pthread"));
            compile.addAll(isa.flags);
            compile.addAll(List.of("-o", exe.toString(), src.toString()));
            String shown = String.join(" ", cc) + " -O2 -pthread " + String.join(" ", isa.flags);
            Run c = run(compile, dir, 180);
            if (c.exit != 0) {
                return Outcome.none("`" + shown + "` failed (" + c.describe() + ")", shown);
            }
            long limit = 120 + (long) Math.ceil(5 * seconds * trials);
            Run r = run(List.of(exe.toString(), Integer.toString(threads), String.format(Locale.ROOT, "%.3f",
                    seconds), Integer.toString(trials)), dir, limit);
            if (r.exit != 0) {
                return Outcome.none("the compiled fma_peak failed (" + r.describe() + ")", shown);
            }
            Measurement m = parse(r.out);
            if (!m.isa().equals(isa.id) || m.threads() != threads) {
                return Outcome.none("fma_peak ran " + m.isa() + " on " + m.threads() + " threads, not " + isa.id
                        + " on " + threads + " (the compiler ignored " + String.join(" ", isa.flags) + "?)", shown);
            }
            return Outcome.of(m, shown);
        } catch (IOException | RuntimeException e) {
            return Outcome.none("fma_peak could not be built or run: " + e.getMessage(), String.join(" ", cc));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.none("interrupted while measuring the FMA peak", String.join(" ", cc));
        } finally {
            deleteTree(dir);
        }
    }

    private record Run(int exit, String out, String err, boolean timedOut, long limit) {
        String describe() {
            if (timedOut) {
                return "no result within " + limit + " s";
            }
            String e = err.isBlank() ? out : err;
            return "exit " + exit + (e.isBlank() ? "" : ": " + abbreviate(e));
        }
    }

    private static Run run(List<String> command, Path dir, long limitSeconds) throws IOException,
            InterruptedException {
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        p.getOutputStream().close();
        boolean done = p.waitFor(limitSeconds, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        return new Run(done ? p.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8), !done, limitSeconds);
    }

    static String abbreviate(String s) {
        String one = s.strip().replaceAll("\\s*\\n\\s*", " / ");
        return one.length() <= 300 ? one : one.substring(0, 297) + "...";
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary folder left behind is harmless
        }
    }
}
