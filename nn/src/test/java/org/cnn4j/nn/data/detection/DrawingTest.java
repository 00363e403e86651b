package org.cnn4j.nn.data.detection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Boxes drawn where they are, in their class's color, written as a PNG. */
class DrawingTest {
    @TempDir
    Path dir;

    @Test
    void drawsBoxesInClassColorsAndWritesAPng() throws IOException {
        float[] px = new float[3 * 40 * 60];
        java.util.Arrays.fill(px, 0.5f);
        DetectionSample s = new DetectionSample(3, 40, 60, px, new float[] {10, 20, 30, 38}, new int[] {2});
        List<Drawing.Box> boxes = new java.util.ArrayList<>(Drawing.truth(s));
        boxes.addAll(Drawing.boxes(new float[] {40, 5, 55, 15}, new int[] {0}, new float[] {0.87f}));
        Path png = dir.resolve("out").resolve("boxes.png");
        Drawing.write(png, s, List.of("a", "b", "c"), boxes, 2);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(120, img.getWidth());
        assertEquals(80, img.getHeight());
        // the left edge of box 0 (x1 = 10 -> column 20 at scale 2), half-way down, in class 2's color
        assertEquals(Drawing.color(2).getRGB() & 0xffffff, img.getRGB(20, 60) & 0xffffff);
        // the bottom edge of box 1 (y2 = 15 -> row 29, the last row inside), in class 0's color
        assertEquals(Drawing.color(0).getRGB() & 0xffffff, img.getRGB(100, 29) & 0xffffff);
        // inside a box: the image, gray 0.5
        assertEquals(0x808080, img.getRGB(40, 70) & 0xffffff);
        assertNotEquals(Drawing.color(0), Drawing.color(1));
        // gray images, the default scale
        DetectionSample g = new DetectionSample(1, 32, 32, new float[32 * 32], new float[0], new int[0]);
        Drawing.write(dir.resolve("g.png"), g, List.of(), List.of());
        assertEquals(256, ImageIO.read(dir.resolve("g.png").toFile()).getWidth());
        assertThrows(IllegalArgumentException.class, () -> Drawing.boxes(new float[3], new int[1], null));
    }
}
