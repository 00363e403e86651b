package org.cnn4j.cli;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.cnn4j.bench.runner.BenchCase;
import org.cnn4j.bench.runner.Cases;
import org.cnn4j.bench.runner.CaseSpec;
import org.cnn4j.bench.runner.Results;
import org.cnn4j.bench.runner.Runner;
import org.cnn4j.bench.runner.Timer;
import org.cnn4j.core.Backends;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cnn4j bench}: every operator forward and backward and the training steps of the zoo, on the chosen
 * backends, checked against the reference and timed; the machine's ceilings beside them; a table, results.json,
 * results.md and charts. The engine is {@link Runner} in the bench module.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmark the operators and training "
        + "steps on backends, against the machine's measured ceilings.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--backend", split = ",", description = "backends, comma-separated: auto, reference, cpu, "
            + "opencl, cuda (default: -Dcnn4j.backend, else $CNN4J_BACKEND, else auto)")
    List<String> backends;

    @Option(names = "--quick", description = "the quick cases (LeNet-5's operators, SGEMM 1024, the LeNet-5 and "
            + "seed 002 convolutions and training steps) with short timing")
    boolean quick;

    @Option(names = "--filter", description = "regular expression; only cases whose name contains a match")
    String filter;

    @Option(names = "--skip", description = "BACKEND=REGEX: do not run the matching cases on that backend "
            + "(repeatable), e.g. opencl=alexnet-b128")
    List<String> skip = new ArrayList<>();

    @Option(names = "--out", description = "output folder (default: bench-results/<date-time>)")
    Path out;

    @Option(names = "--torch", description = "a results file written by bench/pytorch/bench_torch.py to merge in")
    Path torch;

    @Option(names = "--from", description = "measure nothing: report an earlier run's results.json again (with "
            + "--torch merged in) into --out")
    Path from;

    @Option(names = "--merge", description = "results.json of another cnn4j run whose rows replace this run's rows "
            + "of the same case and backend (repeatable; e.g. a rerun of some cases, with --from)")
    List<Path> merge = new ArrayList<>();

    @Option(names = "--list", description = "list the cases the options select and exit")
    boolean list;

    @Option(names = "--plan", description = "write every case's shapes as JSON (for bench_torch.py) and exit")
    Path plan;

    @Option(names = "--check-max-gflop", defaultValue = "25", description = "do not check cases above this many "
            + "GFLOP per call against the reference (default: ${DEFAULT-VALUE})")
    double checkMaxGflop;

    @Option(names = "--reference-max-gflop", defaultValue = "1", description = "time the reference backend only "
            + "on quick cases up to this many GFLOP per call (default: ${DEFAULT-VALUE})")
    double referenceMaxGflop;

    @Option(names = "--min-time", description = "seconds of timed calls per case (default: 0.3 with --quick, "
            + "else 1.5)")
    Double minTime;

    /** The options as the runner takes them. */
    Runner.Options options(String command) {
        Map<String, Pattern> skips = new LinkedHashMap<>();
        for (String s : skip) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--skip must be BACKEND=REGEX but is " + s);
            }
            skips.put(s.substring(0, eq).trim(), Pattern.compile(s.substring(eq + 1)));
        }
        List<String> bs = new ArrayList<>();
        for (String b : backends != null ? backends : List.of(Backends.configuredName(null))) {
            String n = b.trim().toLowerCase(Locale.ROOT);
            if (n.equals("auto")) {
                n = Backends.autoName(); // the rows name the backend that ran
            }
            if (!n.isEmpty() && !bs.contains(n)) {
                bs.add(n);
            }
        }
        if (bs.isEmpty()) {
            throw new IllegalArgumentException("--backend names no backend");
        }
        Timer t = quick ? Timer.quick() : Timer.full();
        if (minTime != null) {
            if (!(minTime > 0)) {
                throw new IllegalArgumentException("--min-time must be positive but is " + minTime);
            }
            t = new Timer(t.warmupSeconds(), minTime, t.minReps(), Math.max(t.maxSeconds(), minTime), t.maxReps());
        }
        Path dir = out != null ? out : Path.of("bench-results",
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmmss")));
        return new Runner.Options(List.copyOf(bs), quick, filter == null ? null : Pattern.compile(filter), skips, dir,
                torch, List.copyOf(merge), referenceMaxGflop * 1e9, checkMaxGflop * 1e9, t, command);
    }

    @Override
    public Integer call() throws Exception {
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        Runner.Options o = options("cnn4j " + String.join(" ", args));
        if (plan != null) {
            Results.writePlan(plan, Cases.specs());
            System.out.println("wrote " + Cases.specs().size() + " cases to " + plan);
            return 0;
        }
        if (list) {
            for (BenchCase c : Runner.select(o.quick(), o.filter())) {
                CaseSpec s = c.spec();
                System.out.printf(Locale.ROOT, "%-36s %-12s %-11s %10.3f GFLOP %10.2f MB  %s%n", s.name(), s.kind(),
                        s.pass(), s.flops() / 1e9, s.bytes() / 1e6, String.join(",", s.tags()));
            }
            return 0;
        }
        Results r = from != null ? Runner.report(from, o, System.out) : new Runner(o, System.out).run();
        boolean bad = r.results().stream().anyMatch(x -> x.error() != null || "FAILED".equals(x.check()));
        return bad ? 1 : 0;
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;
}
