package org.cnn4j.bench.runner;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a run writes to {@code results.json}, and what {@code bench/pytorch/bench_torch.py} writes in the same
 * schema ({@value #SCHEMA}). Times in milliseconds per call; derived figures null where they do not apply.
 *
 * @param schema   {@value #SCHEMA}
 * @param machine  where it ran
 * @param ceilings the machine's measured ceilings
 * @param results  one row per case and backend that ran
 * @param skipped  cases not run on a backend, and why
 * @param notes    free text (contention, what was left out)
 * @param blas     the BLAS PyTorch ran on, when the file holds PyTorch rows (bench_torch.py records it); else null
 */
public record Results(String schema, Machine machine, List<Ceilings.Ceiling> ceilings, List<Row> results,
        List<Skip> skipped, List<String> notes, Blas blas) {
    public static final String SCHEMA = "cnn4j-bench/1";

    /** Results without a record of PyTorch's BLAS (cnn4j's own runs). */
    public Results(String schema, Machine machine, List<Ceilings.Ceiling> ceilings, List<Row> results,
            List<Skip> skipped, List<String> notes) {
        this(schema, machine, ceilings, results, skipped, notes, null);
    }

    /**
     * The BLAS library PyTorch's {@code torch.mm} and linear layers ran on, as bench_torch.py found it.
     *
     * @param implementation {@code OpenBLAS}, {@code MKL}, {@code BLIS}, {@code ATLAS}, {@code reference BLAS
     *                       (netlib)} or {@code unknown}
     * @param reference      true when it is the unoptimized reference BLAS: PyTorch's GEMM figures are then far
     *                       below what its users get
     * @param blasInfo       {@code BLAS_INFO} of {@code torch.__config__.show()} ({@code mkl}, {@code open},
     *                       {@code generic}: the system's {@code libblas.so.3})
     * @param lapackInfo     {@code LAPACK_INFO} of the same
     * @param libblas        what the system's {@code libblas.so.3} resolves to (symbolic links followed), or null
     * @param alternative    the {@code libblas.so.3} alternative ({@code update-alternatives --query}), or null
     * @param loaded         the BLAS and LAPACK libraries mapped into PyTorch's process after a {@code torch.mm}
     * @param mm1024Gflops   {@code torch.mm} of two 1024 x 1024 matrices, GFLOP/s (best of a few)
     * @param warning        the loud text when {@code reference} is true, else null
     */
    public record Blas(String implementation, boolean reference, String blasInfo, String lapackInfo, String libblas,
            String alternative, List<String> loaded, Double mm1024Gflops, String warning) {
        /** One line for reports. */
        public String describe() {
            StringBuilder sb = new StringBuilder(implementation == null ? "unknown" : implementation);
            List<String> parts = new java.util.ArrayList<>();
            if (blasInfo != null) {
                parts.add("BLAS_INFO=" + blasInfo);
            }
            if (lapackInfo != null) {
                parts.add("LAPACK_INFO=" + lapackInfo);
            }
            if (libblas != null) {
                parts.add("libblas.so.3 -> " + libblas);
            }
            if (alternative != null && !alternative.equals(libblas)) {
                parts.add("alternative " + alternative);
            }
            if (loaded != null && !loaded.isEmpty()) {
                parts.add("loaded " + String.join(", ", loaded));
            }
            if (mm1024Gflops != null) {
                parts.add(String.format(java.util.Locale.ROOT, "torch.mm 1024: %.1f GFLOP/s", mm1024Gflops));
            }
            if (!parts.isEmpty()) {
                sb.append(" (").append(String.join("; ", parts)).append(')');
            }
            return sb.toString();
        }
    }

    /**
     * The machine.
     *
     * @param host    host name
     * @param cpu     CPU model (as lscpu's "Model name")
     * @param cores   processors available to the JVM (or to PyTorch's process)
     * @param memory  total memory, e.g. "24.0 GiB"
     * @param runtime the JDK (or Python and PyTorch versions)
     * @param os      operating system and architecture
     * @param date    start, ISO-8601 UTC
     * @param loadBefore {@code /proc/loadavg} (1, 5, 15 minutes) before the run
     * @param loadAfter  the same after it
     * @param command the command line
     */
    public record Machine(String host, String cpu, int cores, String memory, String runtime, String os, String date,
            String loadBefore, String loadAfter, String command) {
    }

    /**
     * One case on one backend.
     *
     * @param name          case name
     * @param backend       backend ({@code cpu}, {@code opencl}, {@code torch-cpu}, ...)
     * @param device        the backend's device description
     * @param group         the case's group
     * @param kind          the case's kind
     * @param pass          the case's pass
     * @param flops         floating-point operations per call
     * @param bytes         least bytes moved per call
     * @param items         images per call (training step), else 0
     * @param reps          timed calls
     * @param medianMs      median time per call
     * @param minMs         fastest call
     * @param meanMs        mean
     * @param stddevMs      sample standard deviation
     * @param gflops        flops / median, when flops &gt; 0
     * @param gbps          bytes / median, when the case is memory-bound
     * @param imagesPerSecond items / median, for a training step
     * @param peakShare     GFLOP/s or GB/s divided by the ceiling named in {@code ceiling}
     * @param ceiling       {@code device:name} of the ceiling used
     * @param check         {@code PASSED}, {@code FAILED}, {@code SKIPPED}, {@code REFERENCE}
     * @param checkDetail   the comparison's summary or why it was skipped
     * @param error         the exception message when the case could not run, else null
     */
    public record Row(String name, String backend, String device, String group, String kind, String pass,
            double flops, double bytes, int items, int reps, Double medianMs, Double minMs, Double meanMs,
            Double stddevMs, Double gflops, Double gbps, Double imagesPerSecond, Double peakShare, String ceiling,
            String check, String checkDetail, String error) {
    }

    /** A case not run on a backend. */
    public record Skip(String name, String backend, String reason) {
    }

    static ObjectMapper mapper() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    public void write(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        mapper().writeValue(file.toFile(), this);
    }

    public static Results read(Path file) throws IOException {
        Results r = mapper().readValue(file.toFile(), Results.class);
        if (!SCHEMA.equals(r.schema())) {
            throw new IOException(file + " has schema '" + r.schema() + "', expected '" + SCHEMA + "'");
        }
        return r;
    }

    /** Writes the plan (every case's spec) for bench_torch.py. */
    public static void writePlan(Path file, List<CaseSpec> specs) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        mapper().writeValue(file.toFile(), new Plan(SCHEMA, specs));
    }

    public static Plan readPlan(Path file) throws IOException {
        return mapper().readValue(file.toFile(), Plan.class);
    }

    /** The plan file: the schema and the cases. */
    public record Plan(String schema, List<CaseSpec> cases) {
    }
}
