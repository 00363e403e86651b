package org.cnn4j.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** The coverage matrix of one run: per operator, how many cases passed, failed and were skipped, and why. */
final class Coverage {
    private static final class Row {
        int passed;
        int failed;
        int skipped;
        final TreeSet<String> skipReasons = new TreeSet<>();
    }

    private final Map<String, Row> rows = new LinkedHashMap<>();

    Coverage(List<OpCase> cases) {
        for (OpCase c : cases) {
            rows.computeIfAbsent(c.op(), k -> new Row());
        }
    }

    synchronized void record(CaseResult r) {
        Row row = rows.computeIfAbsent(r.testCase().op(), k -> new Row());
        switch (r.status()) {
            case PASSED -> row.passed++;
            case FAILED -> row.failed++;
            case SKIPPED -> {
                row.skipped++;
                String reason = r.message().lines().findFirst().orElse("");
                row.skipReasons.add(reason.length() > 160 ? reason.substring(0, 160) + "..." : reason);
            }
        }
    }

    synchronized int total(CaseResult.Status s) {
        int n = 0;
        for (Row r : rows.values()) {
            n += switch (s) {
                case PASSED -> r.passed;
                case FAILED -> r.failed;
                case SKIPPED -> r.skipped;
            };
        }
        return n;
    }

    /** The matrix as Markdown. */
    synchronized String markdown(String backend, String device, String sweep) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Conformance of backend `").append(backend).append("` against `reference`\n\n");
        sb.append("Device: ").append(device).append("  \nSweep: ").append(sweep).append("\n\n");
        sb.append("| operator | passed | failed | skipped | notes |\n| --- | ---: | ---: | ---: | --- |\n");
        for (Map.Entry<String, Row> e : rows.entrySet()) {
            Row r = e.getValue();
            sb.append("| ").append(e.getKey()).append(" | ").append(r.passed).append(" | ").append(r.failed)
                    .append(" | ").append(r.skipped).append(" | ")
                    .append(String.join("; ", r.skipReasons).replace("|", "\\|")).append(" |\n");
        }
        sb.append("| **total** | ").append(total(CaseResult.Status.PASSED)).append(" | ")
                .append(total(CaseResult.Status.FAILED)).append(" | ").append(total(CaseResult.Status.SKIPPED))
                .append(" | |\n");
        return sb.toString();
    }

    /** Writes {@code <dir>/<backend>.md}; returns the file. */
    Path write(Path dir, String backend, String device, String sweep) {
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(backend + ".md");
            Files.writeString(file, markdown(backend, device, sweep));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("writing the coverage matrix to " + dir + " failed", e);
        }
    }
}
