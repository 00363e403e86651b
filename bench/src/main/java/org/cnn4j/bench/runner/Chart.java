package org.cnn4j.bench.runner;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * PNG bar charts comparing the backends (XChart), one bar per backend and case, log scale: {@code chart.png} with
 * GFLOP/s of the compute-bound cases (GEMM, convolution, linear, training step) and {@code chart-memory.png} with
 * GB/s of the memory-bound operators.
 */
public final class Chart {
    private Chart() {
    }

    /** Writes the charts that have data into {@code dir}; returns the files written. */
    public static List<Path> write(Results r, Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        Path a = dir.resolve("chart.png");
        if (write(r, a, "GFLOP/s by case and backend (log scale)", "GFLOP/s", row -> row.gflops() != null)) {
            out.add(a);
        }
        Path b = dir.resolve("chart-memory.png");
        if (write(r, b, "Memory-bound operators: GB/s by case and backend (log scale)", "GB/s",
                row -> row.gflops() == null && row.gbps() != null)) {
            out.add(b);
        }
        return out;
    }

    private static boolean write(Results r, Path file, String title, String unit, Predicate<Results.Row> which)
            throws IOException {
        Set<String> cases = new LinkedHashSet<>();
        double min = Double.MAX_VALUE;
        Map<String, Map<String, Double>> byBackend = new LinkedHashMap<>();
        for (Results.Row row : r.results()) {
            if (row.error() == null && row.medianMs() != null && which.test(row)) {
                cases.add(row.name());
                min = Math.min(min, row.gflops() != null ? row.gflops() : row.gbps());
                byBackend.computeIfAbsent(row.backend(), k -> new LinkedHashMap<>()).put(row.name(),
                        row.gflops() != null ? row.gflops() : row.gbps());
            }
        }
        if (cases.isEmpty()) {
            return false;
        }
        List<String> xs = new ArrayList<>(cases);
        int width = Math.max(900, 40 + xs.size() * (14 + 8 * byBackend.size()));
        CategoryChart chart = new CategoryChartBuilder().width(Math.min(width, 12000)).height(900).title(title)
                .xAxisTitle("case").yAxisTitle(unit).build();
        chart.getStyler().setYAxisLogarithmic(true);
        // bars start at the axis minimum; on a log axis XChart needs it set above zero
        chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(Math.max(min, 1e-6)))));
        chart.getStyler().setXAxisLabelRotation(90);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setYAxisDecimalPattern("#,##0.###");
        for (Map.Entry<String, Map<String, Double>> e : byBackend.entrySet()) {
            List<Double> ys = new ArrayList<>();
            for (String x : xs) {
                Double v = e.getValue().get(x);
                ys.add(v); // null: the backend did not run this case; XChart draws no bar
            }
            chart.addSeries(e.getKey(), xs, ys);
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        return true;
    }
}
