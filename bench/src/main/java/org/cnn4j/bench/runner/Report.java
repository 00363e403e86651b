package org.cnn4j.bench.runner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The text table printed at the end of a run and {@code results.md}: per case and backend the median time, GFLOP/s
 * (or GB/s for memory-bound operators, images/s for a training step), the share of the machine's ceiling and the
 * check; with PyTorch rows merged in, each cnn4j row also shows PyTorch's time and the ratio (cnn4j time / PyTorch
 * time; above 1 means slower than PyTorch).
 */
public final class Report {
    private Report() {
    }

    /** The PyTorch row (backend starting with {@code torch}) of each case, if any. */
    static Map<String, Results.Row> torchRows(Results r) {
        Map<String, Results.Row> m = new LinkedHashMap<>();
        for (Results.Row row : r.results()) {
            if (row.backend().startsWith("torch") && row.medianMs() != null) {
                m.putIfAbsent(row.name(), row);
            }
        }
        return m;
    }

    /** The fixed-width table. */
    public static String table(Results r) {
        Map<String, Results.Row> torch = torchRows(r);
        boolean withTorch = !torch.isEmpty();
        int w = Math.max(28, r.results().stream().mapToInt(x -> x.name().length()).max().orElse(28));
        StringBuilder sb = new StringBuilder();
        String head = String.format(Locale.ROOT, "%-" + w + "s %-10s %11s %10s %-7s %7s %9s %-9s", "case", "backend",
                "median ms", "rate", "unit", "% peak", "images/s", "check");
        sb.append(head);
        if (withTorch) {
            sb.append(String.format(Locale.ROOT, " %11s %8s", "torch ms", "x torch"));
        }
        sb.append('\n');
        sb.append("-".repeat(head.length() + (withTorch ? 21 : 0))).append('\n');
        for (Results.Row row : r.results()) {
            if (row.error() != null) {
                sb.append(String.format(Locale.ROOT, "%-" + w + "s %-10s ERROR: %s%n", row.name(), row.backend(),
                        row.error()));
                continue;
            }
            sb.append(String.format(Locale.ROOT, "%-" + w + "s %-10s %11s %10s %-7s %7s %9s %-9s", row.name(),
                    row.backend(), num(row.medianMs()), num(rate(row)), unit(row), pct(row.peakShare()),
                    row.imagesPerSecond() == null ? "" : row.imagesPerSecond() >= 100
                            ? String.format(Locale.ROOT, "%.0f", row.imagesPerSecond()) : num(row.imagesPerSecond()),
                    row.check() == null ? "" : row.check().toLowerCase(Locale.ROOT)));
            Results.Row t = torch.get(row.name());
            if (withTorch && t != null && !row.backend().startsWith("torch")) {
                sb.append(String.format(Locale.ROOT, " %11s %8s", num(t.medianMs()),
                        String.format(Locale.ROOT, "%.2f", row.medianMs() / t.medianMs())));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static Double rate(Results.Row row) {
        return row.gflops() != null ? row.gflops() : row.gbps();
    }

    static String unit(Results.Row row) {
        return row.gflops() != null ? "GFLOP/s" : row.gbps() != null ? "GB/s" : "";
    }

    static String num(Double v) {
        if (v == null) {
            return "";
        }
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.1f" : a >= 1 ? "%.3f" : "%.4f", v);
    }

    static String pct(Double share) {
        return share == null ? "" : String.format(Locale.ROOT, "%.1f%%", 100 * share);
    }

    /** results.md: the machine, the ceilings, notes, a side-by-side table of median times, then every row. */
    public static void writeMarkdown(Results r, Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        Results.Machine m = r.machine();
        sb.append("# cnn4j bench, ").append(m.date()).append("\n\n");
        if (r.blas() != null && r.blas().reference()) {
            sb.append("> **WARNING: PyTorch ran on the reference BLAS** (").append(r.blas().describe())
                    .append("): its GEMM and linear-layer figures are unoptimized netlib code, not what PyTorch users "
                            + "get. Install `libopenblas0-openmp` and run bench_torch.py again.\n\n");
        }
        sb.append("| machine | |\n| --- | --- |\n");
        sb.append("| host | ").append(m.host()).append(" |\n");
        sb.append("| CPU | ").append(m.cpu()).append(" |\n");
        sb.append("| cores | ").append(m.cores()).append(" |\n");
        sb.append("| memory | ").append(m.memory()).append(" |\n");
        sb.append("| runtime | ").append(m.runtime()).append(" |\n");
        sb.append("| OS | ").append(m.os()).append(" |\n");
        sb.append("| load average (1, 5, 15 min) before / after | ").append(m.loadBefore()).append(" / ")
                .append(m.loadAfter()).append(" |\n");
        sb.append("| command | `").append(m.command()).append("` |\n");
        if (r.blas() != null) {
            sb.append("| PyTorch BLAS | ").append(r.blas().reference() ? "**REFERENCE BLAS** " : "")
                    .append(r.blas().describe().replace("|", "/")).append(" |\n");
        } else if (!torchRows(r).isEmpty()) {
            sb.append("| PyTorch BLAS | not recorded (a torch.json from before bench_torch.py recorded it) |\n");
        }
        sb.append('\n');
        if (!r.notes().isEmpty()) {
            for (String n : r.notes()) {
                sb.append("- ").append(n).append('\n');
            }
            sb.append('\n');
        }
        sb.append("## Ceilings\n\n| device | ceiling | value | how |\n| --- | --- | --- | --- |\n");
        for (Ceilings.Ceiling c : r.ceilings()) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s%s | %s |%n", c.device(), c.name(), c.valueText(),
                    c.lowerBound() ? " (**lower bound**)" : "", c.how().replace("|", "/")));
        }
        if (Ceilings.lowerBoundFmaPeak(r.ceilings()) != null) {
            sb.append("\n**The FMA ceiling is a lower bound** (no C FMA loop measured it): every % of peak of a "
                    + "compute-bound case below is an upper bound.\n");
        }
        Set<String> backends = new LinkedHashSet<>();
        Map<String, Map<String, Results.Row>> byCase = new LinkedHashMap<>();
        for (Results.Row row : r.results()) {
            backends.add(row.backend());
            byCase.computeIfAbsent(row.name(), k -> new LinkedHashMap<>()).put(row.backend(), row);
        }
        List<String> bs = new ArrayList<>(backends);
        sb.append("\n## Median time per call (ms), side by side\n\n| case |");
        for (String b : bs) {
            sb.append(' ').append(b).append(" |");
        }
        sb.append("\n| --- |");
        sb.append(" ---: |".repeat(bs.size()));
        sb.append('\n');
        for (Map.Entry<String, Map<String, Results.Row>> e : byCase.entrySet()) {
            sb.append("| ").append(e.getKey()).append(" |");
            for (String b : bs) {
                Results.Row row = e.getValue().get(b);
                sb.append(' ').append(row == null ? "" : row.error() != null ? "error" : num(row.medianMs()))
                        .append(" |");
            }
            sb.append('\n');
        }
        sb.append("\n## Every result\n\n```\n").append(table(r)).append("```\n");
        if (!r.skipped().isEmpty()) {
            sb.append("\n## Not run\n\n| case | backend | why |\n| --- | --- | --- |\n");
            for (Results.Skip s : r.skipped()) {
                sb.append("| ").append(s.name()).append(" | ").append(s.backend()).append(" | ").append(s.reason())
                        .append(" |\n");
            }
        }
        sb.append("\n## Checks against the reference\n\n| case | backend | check | detail |\n| --- | --- | --- | --- |\n");
        for (Results.Row row : r.results()) {
            if (row.check() != null) {
                sb.append("| ").append(row.name()).append(" | ").append(row.backend()).append(" | ")
                        .append(row.check()).append(" | ").append(row.checkDetail() == null ? ""
                                : row.checkDetail().replace("|", "/")).append(" |\n");
            }
        }
        Files.writeString(file, sb.toString());
    }
}
