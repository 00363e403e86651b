package org.cnn4j.bench.runner;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Backends;

/**
 * The engine behind {@code cnn4j bench}: measures the machine's ceilings, then for each selected case and backend
 * builds the case, checks it against the reference once, times it, and writes {@code results.json},
 * {@code results.md} and the charts.
 */
public final class Runner {
    /**
     * What to run.
     *
     * @param backends          backend names, in column order
     * @param quick             the {@code quick} cases and short timing
     * @param filter            regular expression a case name must contain a match of, or null
     * @param skips             per backend, a regular expression of case names not to run there
     * @param out               output folder
     * @param torch             a PyTorch results file to merge in, or null
     * @param overlays          results files of other cnn4j runs whose rows replace this run's rows of the same
     *                          case and backend (a rerun of some cases)
     * @param referenceMaxFlops the reference backend times only cases up to this many flops per call
     * @param checkMaxFlops     cases above this many flops per call are not checked
     * @param timer             timing settings
     * @param command           the command line, for the report
     */
    public record Options(List<String> backends, boolean quick, Pattern filter, Map<String, Pattern> skips, Path out,
            Path torch, List<Path> overlays, double referenceMaxFlops, double checkMaxFlops, Timer timer, String command) {
    }

    private final Options o;
    private final PrintStream log;

    public Runner(Options o, PrintStream log) {
        this.o = o;
        this.log = log;
    }

    /** The cases the options select, in run order. */
    public static List<BenchCase> select(boolean quick, Pattern filter) {
        List<BenchCase> out = new ArrayList<>();
        for (BenchCase c : Cases.all()) {
            if (quick && !c.spec().hasTag("quick")) {
                continue;
            }
            if (filter != null && !filter.matcher(c.name()).find()) {
                continue;
            }
            out.add(c);
        }
        return out;
    }

    /** Runs everything; returns the results (also written to {@code out}). */
    public Results run() throws Exception {
        List<BenchCase> cases = select(o.quick(), o.filter());
        if (cases.isEmpty()) {
            throw new IllegalArgumentException("no case matches --filter " + o.filter());
        }
        Results.Machine machine = MachineInfo.describe(o.command());
        log.printf(Locale.ROOT, "%s, %d cores, %s, %s; load average %s%n", machine.cpu(), machine.cores(),
                machine.memory(), machine.runtime(), machine.loadBefore());
        Map<String, Backend> open = new LinkedHashMap<>();
        List<Results.Row> rows = new ArrayList<>();
        List<Results.Skip> skipped = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Backend reference = null;
        Backend cpuForCeiling = null;
        List<Ceilings.Ceiling> ceilings = new ArrayList<>();
        try {
            for (String name : o.backends()) {
                Backend be = Backends.open(name);
                open.put(name, be);
                log.println("backend " + name + ": " + be.device());
            }
            reference = open.containsKey("reference") ? open.get("reference") : Backends.open("reference");
            cpuForCeiling = open.containsKey("cpu") ? open.get("cpu") : tryOpen("cpu");
            log.println("measuring the machine's ceilings ...");
            ceilings.addAll(Ceilings.host(cpuForCeiling, o.quick()));
            for (Backend be : open.values()) {
                if (Ceilings.isGpu(be)) {
                    ceilings.addAll(Ceilings.gpu(be, o.quick()));
                }
            }
            for (Ceilings.Ceiling c : ceilings) {
                log.printf(Locale.ROOT, "  %-8s %-15s %10.1f %-7s (%s)%n", c.device(), c.name(), c.value(),
                        c.unit(), c.how());
            }
            String lower = lowerBoundNote(ceilings);
            if (lower != null) {
                log.println("WARNING: " + lower);
                notes.add(lower);
            }
            Check check = new Check(reference, o.checkMaxFlops());
            int done = 0;
            for (BenchCase c : cases) {
                done++;
                for (Map.Entry<String, Backend> e : open.entrySet()) {
                    String why = skipReason(c, e.getKey());
                    if (why != null) {
                        skipped.add(new Results.Skip(c.name(), e.getKey(), why));
                        continue;
                    }
                    Results.Row row = runOne(c, e.getValue(), check, ceilings);
                    rows.add(row);
                    log.printf(Locale.ROOT, "[%d/%d] %-36s %-9s %s%n", done, cases.size(), c.name(), e.getKey(),
                            row.error() != null ? "ERROR " + row.error()
                                    : Report.num(row.medianMs()) + " ms, " + Report.num(Report.rate(row)) + " "
                                            + Report.unit(row) + ", check " + row.check().toLowerCase(Locale.ROOT)
                                            + (row.check().equals("FAILED") ? ": " + row.checkDetail() : ""));
                }
                check.clear();
            }
            long unchecked = rows.stream().filter(r -> "SKIPPED".equals(r.check())).map(Results.Row::name)
                    .distinct().count();
            if (unchecked > 0) {
                notes.add(unchecked + " case(s) not checked against the reference: it would need more than "
                        + String.format(Locale.ROOT, "%.0f", o.checkMaxFlops() / 1e9)
                        + " GFLOP per call (see the checks table)");
            }
            if (o.quick()) {
                notes.add("--quick: the quick cases only, with short timing.");
            }
            notes.add("Timing per case and backend: " + o.timer().describe() + "; the median call is reported, "
                    + "each call followed by synchronize() before the clock stops.");
            notes.add("Memory-bound operators are divided by the copy bandwidth of 256 MiB (memory, not cache): a "
                    + "working set that fits in cache can pass 100%.");
        } finally {
            for (Backend be : open.values()) {
                be.close();
            }
            if (reference != null && !open.containsValue(reference)) {
                reference.close();
            }
            if (cpuForCeiling != null && !open.containsValue(cpuForCeiling)) {
                cpuForCeiling.close();
            }
        }
        machine = new Results.Machine(machine.host(), machine.cpu(), machine.cores(), machine.memory(),
                machine.runtime(), machine.os(), machine.date(), machine.loadBefore(), MachineInfo.loadAverage(),
                machine.command());
        double load = parseLoad(machine.loadBefore());
        if (load > 0.5 * machine.cores() || parseLoad(machine.loadAfter()) > machine.cores() + 0.5) {
            notes.addFirst(String.format(Locale.ROOT, "The machine was busy with other work (load average %s before, "
                    + "%s after, on %d cores): these numbers are contended, low bounds.", machine.loadBefore(),
                    machine.loadAfter(), machine.cores()));
        }
        return finish(new Results(Results.SCHEMA, machine, ceilings, rows, skipped, notes));
    }

    /** The note a run gets when its FMA ceiling is a lower bound, else null. */
    static String lowerBoundNote(List<Ceilings.Ceiling> ceilings) {
        Ceilings.Ceiling c = Ceilings.lowerBoundFmaPeak(ceilings);
        return c == null ? null : String.format(Locale.ROOT, "The FMA ceiling (%s) is a LOWER BOUND, the Vector API "
                + "loop's figure (no C FMA loop: see the ceilings): every %% of peak of a compute-bound case is an "
                + "upper bound.", c.valueText());
    }

    private static double parseLoad(String s) {
        try {
            return Double.parseDouble(s.split(" ")[0]);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static Backend tryOpen(String name) {
        try {
            return Backends.open(name);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private String skipReason(BenchCase c, String backend) {
        Pattern p = o.skips().get(backend);
        if (p != null && p.matcher(c.name()).find()) {
            return "--skip " + backend + "=" + p.pattern();
        }
        if (backend.equals("reference") && (c.spec().flops() > o.referenceMaxFlops() || !c.spec().hasTag("quick"))) {
            return String.format(Locale.ROOT, "the reference times the quick cases of up to %.1f GFLOP per call only",
                    o.referenceMaxFlops() / 1e9);
        }
        return null;
    }

    /** Builds, checks and times {@code c} on {@code be}. */
    Results.Row runOne(BenchCase c, Backend be, Check check, List<Ceilings.Ceiling> ceilings) {
        CaseSpec s = c.spec();
        try (Instance inst = c.build(be)) {
            Check.Result cr = check.check(c, inst, be);
            if (cr.failed()) {
                return row(s, be, null, ceilings, cr, null);
            }
            Timer.Stats st = o.timer().measure(inst, be);
            return row(s, be, st, ceilings, cr, null);
        } catch (RuntimeException | OutOfMemoryError e) {
            check.clear();
            String msg = e.getClass().getSimpleName() + ": " + e.getMessage();
            return row(s, be, null, ceilings, null, msg);
        }
    }

    static Results.Row row(CaseSpec s, Backend be, Timer.Stats st, List<Ceilings.Ceiling> ceilings, Check.Result cr,
            String error) {
        Double median = st == null ? null : st.median() * 1e3;
        Double gflops = st != null && s.flops() > 0 ? s.flops() / st.median() / 1e9 : null;
        Double gbps = st != null && s.flops() == 0 ? s.bytes() / st.median() / 1e9 : null;
        Double ips = st != null && s.items() > 0 ? s.items() / st.median() : null;
        Ceilings.Ceiling ceiling = ceilingFor(s, be, ceilings);
        Double share = null;
        if (ceiling != null && st != null) {
            share = (gflops != null ? gflops : gbps) / ceiling.value();
        }
        return new Results.Row(s.name(), be.name(), be.device(), s.group(), s.kind(), s.pass(), s.flops(), s.bytes(),
                s.items(), st == null ? 0 : st.reps(), median, st == null ? null : st.min() * 1e3,
                st == null ? null : st.mean() * 1e3, st == null ? null : st.stddev() * 1e3, gflops, gbps, ips, share,
                ceiling == null ? null : ceiling.device() + ":" + ceiling.name(),
                cr == null ? null : cr.status().name(), cr == null ? null : cr.detail(), error);
    }

    /** The ceiling a case on a backend is divided by (see {@link Ceilings}). */
    static Ceilings.Ceiling ceilingFor(CaseSpec s, Backend be, List<Ceilings.Ceiling> ceilings) {
        boolean gpu = Ceilings.isGpu(be);
        String device = gpu ? be.name() : "host";
        String name = s.computeBound() ? (gpu ? "sgemm-4096" : Ceilings.FMA_PEAK) : "copy-bandwidth";
        for (Ceilings.Ceiling c : ceilings) {
            if (c.device().equals(device) && c.name().equals(name)) {
                return c;
            }
        }
        return null;
    }

    /**
     * Writes the reports of an earlier run ({@code from}, its results.json) again, with {@code o.torch()} merged in
     * when given: nothing is measured.
     */
    public static Results report(Path from, Options o, PrintStream log) throws IOException {
        return new Runner(o, log).finish(Results.read(from));
    }

    private Results finish(Results r) throws IOException {
        for (Path p : o.overlays()) {
            r = overlay(r, Results.read(p), p.toString());
        }
        if (o.torch() != null) {
            r = merge(r, Results.read(o.torch()));
        }
        java.nio.file.Files.createDirectories(o.out());
        r.write(o.out().resolve("results.json"));
        Report.writeMarkdown(r, o.out().resolve("results.md"));
        List<Path> charts = Chart.write(r, o.out());
        log.println();
        log.print(Report.table(r));
        for (String n : r.notes()) {
            log.println("note: " + n);
        }
        log.println("wrote " + o.out().resolve("results.json") + ", " + o.out().resolve("results.md")
                + (charts.isEmpty() ? "" : ", " + String.join(", ", charts.stream().map(Path::toString).toList())));
        return r;
    }

    /**
     * {@code base} with the rows of {@code over} (another cnn4j run, e.g. some cases run again) in place of its rows
     * of the same case and backend; rows of pairs {@code base} lacks are added, and such pairs leave the skipped list.
     */
    public static Results overlay(Results base, Results over, String source) {
        Map<String, Results.Row> repl = new LinkedHashMap<>();
        for (Results.Row row : over.results()) {
            repl.put(row.name() + "|" + row.backend(), row);
        }
        List<Results.Row> rows = new ArrayList<>();
        int replaced = 0;
        for (Results.Row row : base.results()) {
            Results.Row n = repl.remove(row.name() + "|" + row.backend());
            rows.add(n != null ? n : row);
            replaced += n != null ? 1 : 0;
        }
        rows.addAll(repl.values());
        List<Results.Skip> skipped = new ArrayList<>();
        for (Results.Skip sk : base.skipped()) {
            boolean ran = over.results().stream().anyMatch(r -> r.name().equals(sk.name())
                    && r.backend().equals(sk.backend()));
            if (!ran) {
                skipped.add(sk);
            }
        }
        List<String> notes = new ArrayList<>(base.notes());
        Results.Machine m = over.machine();
        notes.add(String.format(Locale.ROOT, "%d row(s) replaced and %d added from %s (`%s`, %s, load %s before, %s "
                + "after)", replaced, repl.size(), source, m.command(), m.date(), m.loadBefore(), m.loadAfter()));
        return new Results(base.schema(), base.machine(), base.ceilings(), rows, skipped, notes, base.blas());
    }

    /** A PyTorch CPU row measured on this host, divided by this host's ceiling as cnn4j's CPU rows are. */
    private static Results.Row hostShare(Results.Row t, Results base) {
        String name = t.gflops() != null ? Ceilings.FMA_PEAK : "copy-bandwidth";
        Double rate = t.gflops() != null ? t.gflops() : t.gbps();
        for (Ceilings.Ceiling c : base.ceilings()) {
            if (rate != null && c.device().equals("host") && c.name().equals(name)) {
                return new Results.Row(t.name(), t.backend(), t.device(), t.group(), t.kind(), t.pass(), t.flops(),
                        t.bytes(), t.items(), t.reps(), t.medianMs(), t.minMs(), t.meanMs(), t.stddevMs(), t.gflops(),
                        t.gbps(), t.imagesPerSecond(), rate / c.value(), "host:" + name, t.check(), t.checkDetail(),
                        t.error());
            }
        }
        return t;
    }

    /** {@code base} with the rows and ceilings of {@code torch} (another run, e.g. bench_torch.py's) added. */
    public static Results merge(Results base, Results torch) {
        List<Results.Row> rows = new ArrayList<>(base.results());
        boolean sameHost = base.machine().host().equals(torch.machine().host());
        for (Results.Row t : torch.results()) {
            rows.add(sameHost && t.peakShare() == null && t.backend().equals("torch-cpu") ? hostShare(t, base) : t);
        }
        List<Ceilings.Ceiling> ceilings = new ArrayList<>(base.ceilings());
        ceilings.addAll(torch.ceilings());
        List<String> notes = new ArrayList<>(base.notes());
        Results.Blas blas = torch.blas() != null ? torch.blas() : base.blas();
        if (blas != null && blas.reference()) {
            notes.addFirst(referenceBlasNote(blas));
        }
        Results.Machine tm = torch.machine();
        notes.add("Merged " + torch.results().size() + " rows from " + tm.runtime() + " on " + tm.host() + " ("
                + tm.cpu() + ", " + tm.cores() + " threads, " + tm.date() + ", load " + tm.loadBefore() + ")");
        for (String n : torch.notes()) {
            if (torch.blas() == null || !n.equals(torch.blas().warning())) {
                notes.add(n);
            }
        }
        List<Results.Skip> skipped = new ArrayList<>(base.skipped());
        skipped.addAll(torch.skipped());
        return new Results(base.schema(), base.machine(), ceilings, rows, skipped, notes, blas);
    }

    /** The loud note of a merge whose PyTorch ran on the reference BLAS. */
    static String referenceBlasNote(Results.Blas blas) {
        return "PYTORCH RAN ON THE REFERENCE BLAS: " + blas.describe() + ". Its torch.mm and linear layers are "
                + "unoptimized netlib code, far slower than the OpenBLAS or MKL its users have: install "
                + "libopenblas0-openmp (Debian) and run bench_torch.py again before comparing.";
    }
}
