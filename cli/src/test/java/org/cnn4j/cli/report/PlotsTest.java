package org.cnn4j.cli.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cnn4j.nn.detection.Detection;
import org.cnn4j.nn.train.EpochResult;
import org.cnn4j.nn.train.Metrics;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {
    private static final List<String> NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    @Test
    void theConfusionScaleRunsFromWhiteAtZeroAndTheClassNamesAreTurned() {
        double[][] percent = new double[10][10];
        for (int i = 0; i < 10; i++) {
            percent[i][i] = 100;
        }
        HeatMapChart hm = Plots.confusionChart(percent, NAMES, 3);
        assertEquals(Color.WHITE, hm.getStyler().getRangeColors()[0]);
        assertEquals(0, hm.getStyler().getMin());
        assertEquals(100, hm.getStyler().getMax());
        assertTrue(hm.getStyler().getXAxisLabelRotation() != 0);

        // Drawn: the 90 empty cells are white, the 10 full ones the top colour; no cell has another colour.
        BufferedImage img = BitmapEncoder.getBufferedImage(hm);
        int top = Plots.CONFUSION_COLORS[Plots.CONFUSION_COLORS.length - 1].getRGB();
        int topPixels = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if (img.getRGB(x, y) == top) {
                    topPixels++;
                }
            }
        }
        // Ten cells of about (plot width / 10)^2 pixels each, less the values written on them.
        assertTrue(topPixels > 10 * 20 * 20, "pixels of the 100% colour: " + topPixels);
    }

    /** Two epochs of a three-class run, with validation. */
    static List<EpochResult> history() {
        long[][] confusion = {{8, 1, 1}, {0, 9, 1}, {2, 0, 8}};
        Metrics train1 = new Metrics(1.2, 0.5, 30, confusion);
        Metrics train2 = new Metrics(0.8, 0.7, 30, confusion);
        Metrics val = new Metrics(0.9, 0.83, 30, confusion);
        return List.of(new EpochResult(1, 3, 0.01, train1, val, 1.5, 20),
                new EpochResult(2, 6, 0.001, train2, val, 1.25, 24));
    }

    @Test
    void theCurvesAndTheConfusionMatrixAreWrittenAfterEachEpoch(@TempDir Path dir) throws IOException {
        Plots plots = new Plots(dir, List.of("a", "b", "c"));
        plots.epochDone(history().get(0));
        assertTrue(Files.size(dir.resolve("curves.png")) > 1000);
        assertTrue(Files.size(dir.resolve("confusion.png")) > 1000);
        plots.epochDone(history().get(1));
        assertTrue(Files.size(dir.resolve("curves.png")) > 1000);
        String keep = System.getProperty("cnn4j.test.chartsDir");
        if (keep != null) {
            Plots.write(Path.of(keep), history(), List.of("a", "b", "c"));
        }
    }

    @Test
    void aDetectorsChartsAreWritten(@TempDir Path dir) throws IOException {
        Plots.writeDetection(dir, new double[] {0.9, 0.5}, new double[] {0.4, 0.3}, new double[] {Double.NaN, 0.6});
        assertPng(dir.resolve("curves.png"));
        float[] gt = {0, 0, 10, 10, 100, 100, 120, 120};
        List<Detection> d = List.of(new Detection(0, 0, 10, 10, 0.9f, 0), new Detection(200, 200, 210, 210, 0.8f, 0));
        Path png = dir.resolve("sub/pr.png");
        Plots.writePrecisionRecall(png, List.of(d), List.of(gt), List.of(new int[2]), 1, 0.5, List.of("face"));
        assertPng(png);
    }

    private static void assertPng(Path png) throws IOException {
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(bytes.length > 1000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G', png.toString());
    }
}
