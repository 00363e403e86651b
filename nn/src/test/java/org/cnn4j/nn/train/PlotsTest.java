package org.cnn4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.junit.jupiter.api.Test;

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
}
