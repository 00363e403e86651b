package org.cnn4j.cli.report;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cnn4j.nn.detection.AveragePrecision;
import org.cnn4j.nn.detection.Detection;
import org.cnn4j.nn.train.EpochResult;
import org.cnn4j.nn.train.TrainingListener;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts of a run (XChart): {@code curves.png} with loss and accuracy per epoch (training and validation),
 * and {@code confusion.png}, the last epoch's confusion matrix in percent of each true class. Rewritten after
 * every epoch when used as a listener. A detector's: its losses and AP per epoch ({@link #writeDetection}) and its
 * precision-recall curves ({@link #writePrecisionRecall}).
 */
public final class Plots implements TrainingListener {
    private final Path dir;
    private final List<String> classNames;
    private final List<EpochResult> history = new ArrayList<>();

    public Plots(Path dir, List<String> classNames) {
        this.dir = dir;
        this.classNames = List.copyOf(classNames);
    }

    @Override
    public void epochDone(EpochResult result) {
        history.add(result);
        try {
            write(dir, history, classNames);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("writing charts to " + dir, e);
        }
    }

    /** Writes both charts for {@code history} into {@code dir}. */
    public static void write(Path dir, List<EpochResult> history, List<String> classNames) throws IOException {
        Files.createDirectories(dir);
        double[] epochs = new double[history.size()];
        double[] trainLoss = new double[epochs.length];
        double[] trainAcc = new double[epochs.length];
        double[] valLoss = new double[epochs.length];
        double[] valAcc = new double[epochs.length];
        boolean hasVal = !history.isEmpty() && history.getLast().validation() != null;
        for (int i = 0; i < epochs.length; i++) {
            EpochResult r = history.get(i);
            epochs[i] = r.epoch();
            trainLoss[i] = r.train().loss();
            trainAcc[i] = 100 * r.train().accuracy();
            if (r.validation() != null) {
                valLoss[i] = r.validation().loss();
                valAcc[i] = 100 * r.validation().accuracy();
            }
        }
        XYChart loss = new XYChartBuilder().width(640).height(420).title("Loss").xAxisTitle("epoch")
                .yAxisTitle("cross-entropy").build();
        loss.getStyler().setYAxisDecimalPattern("0.000").setXAxisDecimalPattern("0");
        loss.addSeries("training", epochs, trainLoss);
        if (hasVal) {
            loss.addSeries("validation", epochs, valLoss);
        }
        XYChart acc = new XYChartBuilder().width(640).height(420).title("Accuracy").xAxisTitle("epoch")
                .yAxisTitle("%").build();
        acc.getStyler().setYAxisDecimalPattern("0.0").setXAxisDecimalPattern("0");
        acc.addSeries("training", epochs, trainAcc);
        if (hasVal) {
            acc.addSeries("validation", epochs, valAcc);
        }
        BitmapEncoder.saveBitmap(List.of(loss, acc), 1, 2, dir.resolve("curves").toString(),
                BitmapEncoder.BitmapFormat.PNG);
        if (!history.isEmpty()) {
            EpochResult last = history.getLast();
            double[][] c = (last.validation() != null ? last.validation() : last.train()).confusionPercent();
            HeatMapChart hm = confusionChart(c, classNames, last.epoch());
            BitmapEncoder.saveBitmap(hm, dir.resolve("confusion").toString(), BitmapEncoder.BitmapFormat.PNG);
        }
    }

    /**
     * A detector's {@code curves.png}: the classification (focal) and regression (smooth L1) losses per epoch, and
     * the test AP@0.5 per epoch (NaN entries, epochs without a test, are left out).
     */
    public static void writeDetection(Path dir, double[] classification, double[] regression, double[] ap50)
            throws IOException {
        Files.createDirectories(dir);
        double[] epochs = new double[classification.length];
        for (int i = 0; i < epochs.length; i++) {
            epochs[i] = i + 1;
        }
        XYChart loss = new XYChartBuilder().width(640).height(420).title("Loss").xAxisTitle("epoch")
                .yAxisTitle("loss per foreground anchor").build();
        loss.getStyler().setYAxisDecimalPattern("0.000").setXAxisDecimalPattern("0");
        loss.addSeries("classification (focal)", epochs, classification);
        loss.addSeries("regression (smooth L1)", epochs, regression);
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (int i = 0; i < ap50.length; i++) {
            if (!Double.isNaN(ap50[i])) {
                xs.add(epochs[i]);
                ys.add(ap50[i]);
            }
        }
        XYChart ap = new XYChartBuilder().width(640).height(420).title("Test AP@0.5").xAxisTitle("epoch")
                .yAxisTitle("AP@0.5").build();
        ap.getStyler().setYAxisDecimalPattern("0.00").setXAxisDecimalPattern("0");
        if (!xs.isEmpty()) {
            ap.addSeries("test", xs, ys);
        }
        BitmapEncoder.saveBitmap(List.of(loss, ap), 1, 2, dir.resolve("curves").toString(),
                BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * Writes a PNG of the precision-recall curves (one series per class with ground truth, named with its AP) at
     * IoU {@code iou}, as {@link AveragePrecision#curve} computes them; {@code classNames} may be null (then
     * "class k").
     */
    public static void writePrecisionRecall(Path png, List<List<Detection>> detections, List<float[]> gtBoxes,
            List<int[]> gtLabels, int classes, double iou, List<String> classNames) throws IOException {
        if (classes <= 0) {
            throw new IllegalArgumentException("precision-recall: classes must be > 0, got " + classes);
        }
        XYChart chart = new XYChartBuilder().width(640).height(480)
                .title(String.format("Precision-recall at IoU %.2f", iou)).xAxisTitle("recall")
                .yAxisTitle("precision").build();
        chart.getStyler().setXAxisMin(0.0).setXAxisMax(1.0).setYAxisMin(0.0).setYAxisMax(1.0)
                .setXAxisDecimalPattern("0.0").setYAxisDecimalPattern("0.0");
        for (int c = 0; c < classes; c++) {
            AveragePrecision.Curve curve = AveragePrecision.curve(detections, gtBoxes, gtLabels, classes, c, iou);
            if (Double.isNaN(curve.ap())) {
                continue;
            }
            String name = classNames != null && c < classNames.size() ? classNames.get(c) : "class " + c;
            double[] r = curve.recall().length == 0 ? new double[] {0} : curve.recall();
            double[] p = curve.precision().length == 0 ? new double[] {0} : curve.precision();
            chart.addSeries(String.format("%s (AP %.3f)", name, curve.ap()), r, p).setMarker(SeriesMarkers.NONE);
        }
        if (chart.getSeriesMap().isEmpty()) {
            chart.addSeries("no ground truth", new double[] {0}, new double[] {0});
        }
        Path dir = png.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        BitmapEncoder.saveBitmap(chart, png.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
    }

    /** The colour scale of the confusion matrix, from 0% (white: an empty cell is blank) to 100%. */
    static final Color[] CONFUSION_COLORS = {Color.WHITE, new Color(0xDE, 0xEB, 0xF7), new Color(0x9E, 0xCA, 0xE1),
        new Color(0x42, 0x92, 0xC6), new Color(0x21, 0x71, 0xB5)};
    /** The angle of the class names under the x axis, so that long names do not run into each other. */
    static final int X_LABEL_ROTATION = 45;

    /** The confusion heat map: {@code percent[true][predicted]}, predicted class on x, true class on y. */
    static HeatMapChart confusionChart(double[][] percent, List<String> classNames, int epoch) {
        int k = percent.length;
        // Heat map cells are (x index, y index, value).
        List<Number[]> data = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            for (int p = 0; p < k; p++) {
                data.add(new Number[] {p, t, Math.round(percent[t][p] * 10) / 10.0});
            }
        }
        HeatMapChart hm = new HeatMapChartBuilder().width(760).height(700)
                .title("Confusion matrix (% of true class), epoch " + epoch).xAxisTitle("predicted")
                .yAxisTitle("true").build();
        hm.getStyler().setShowValue(true);
        hm.getStyler().setDecimalPattern("0.0");
        hm.getStyler().setMin(0);
        hm.getStyler().setMax(100);
        hm.getStyler().setRangeColors(CONFUSION_COLORS);
        hm.getStyler().setValueFontColor(Color.BLACK);
        hm.getStyler().setXAxisLabelRotation(X_LABEL_ROTATION);
        List<String> xl = new ArrayList<>();
        List<String> yl = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            String label = i < classNames.size() ? classNames.get(i) : Integer.toString(i);
            xl.add(label);
            yl.add(label);
        }
        hm.addSeries("confusion", xl, yl, data);
        return hm;
    }
}
