package org.cnn4j.nn.data.detection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Flip and rescale: boxes move with the image content. */
class DetectionAugmentTest {
    /** A 2-channel 6 x 10 image, pixel value distinct everywhere, with two integer boxes. */
    static DetectionSample sample() {
        int c = 2;
        int h = 6;
        int w = 10;
        float[] px = new float[c * h * w];
        for (int i = 0; i < px.length; i++) {
            px[i] = (i % 97) / 97f;
        }
        return new DetectionSample(c, h, w, px, new float[] {1, 0, 4, 3, 6, 2, 10, 6}, new int[] {3, 0});
    }

    @Test
    void flipMirrorsPixelsAndBoxes() {
        DetectionSample s = sample();
        DetectionSample f = new DetectionAugment(1, 1, 1).apply(s, new SplittableRandom(1));
        assertEquals(6, f.height());
        assertEquals(10, f.width());
        // x1' = W - x2, x2' = W - x1
        assertArrayEquals(new float[] {6, 0, 9, 3, 0, 2, 4, 6}, f.boxes());
        assertArrayEquals(s.labels(), f.labels());
        for (int c = 0; c < 2; c++) {
            for (int y = 0; y < 6; y++) {
                for (int x = 0; x < 10; x++) {
                    assertEquals(s.pixels()[(c * 6 + y) * 10 + x], f.pixels()[(c * 6 + y) * 10 + (9 - x)], 0f);
                }
            }
        }
        // the content inside each box is the same, mirrored: compare sums
        for (int k = 0; k < 2; k++) {
            assertEquals(sum(s, s.box(k)), sum(f, f.box(k)), 1e-4);
        }
        // flipping twice is the identity; the input is not changed
        DetectionSample back = DetectionAugment.transform(f, 6, 10, true);
        assertArrayEquals(s.pixels(), back.pixels());
        assertArrayEquals(s.boxes(), back.boxes());
        assertArrayEquals(new float[] {1, 0, 4, 3, 6, 2, 10, 6}, s.boxes());
    }

    static double sum(DetectionSample s, float[] b) {
        double t = 0;
        for (int c = 0; c < s.channels(); c++) {
            for (int y = (int) b[1]; y < (int) b[3]; y++) {
                for (int x = (int) b[0]; x < (int) b[2]; x++) {
                    t += s.pixels()[(c * s.height() + y) * s.width() + x];
                }
            }
        }
        return t;
    }

    @Test
    void rescaleScalesBoxesAndResamplesPixels() {
        DetectionSample s = sample();
        DetectionSample r = new DetectionAugment(2, 2, 0).apply(s, new SplittableRandom(1));
        assertEquals(12, r.height());
        assertEquals(20, r.width());
        assertArrayEquals(new float[] {2, 0, 8, 6, 12, 4, 20, 12}, r.boxes());
        assertArrayEquals(Images.resizeBilinear(s.pixels(), 2, 6, 10, 12, 20), r.pixels());
        // PyTorch F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False) of a row [a, b]:
        // [a, 0.75a + 0.25b, 0.25a + 0.75b, b]
        float a = s.pixels()[0];
        float b = s.pixels()[1];
        assertEquals(a, r.pixels()[0], 1e-6);
        assertEquals(0.75f * a + 0.25f * b, r.pixels()[1], 1e-6);
        assertEquals(0.25f * a + 0.75f * b, r.pixels()[2], 1e-6);
        // a half-size image averages pixel pairs (sampling points fall half-way between them)
        DetectionSample d = DetectionAugment.transform(s, 3, 5, false);
        float expected = (s.pixels()[0] + s.pixels()[1] + s.pixels()[10] + s.pixels()[11]) / 4;
        assertEquals(expected, d.pixels()[0], 1e-6);
        assertArrayEquals(new float[] {0.5f, 0, 2, 1.5f, 3, 1, 5, 3}, d.boxes());
    }

    @Test
    void randomDrawsStayInRangeAndRepeatFromTheSameSeed() {
        DetectionSample s = sample();
        DetectionAugment aug = new DetectionAugment(0.5, 1.5, 0.5);
        SplittableRandom rng = new SplittableRandom(9);
        int flips = 0;
        for (int i = 0; i < 1000; i++) {
            DetectionSample o = aug.apply(s, rng);
            assertTrue(o.height() >= 3 && o.height() <= 9, "height " + o.height());
            assertTrue(o.width() >= 5 && o.width() <= 15, "width " + o.width());
            float sx = (float) o.width() / 10;
            // box 0 is (1, 0, 4, 3): unflipped x1 = sx, flipped x1 = W' - 4 sx
            if (o.boxes()[0] != sx * 1) {
                flips++;
                assertEquals(o.width() - 4 * sx, o.boxes()[0], 1e-5);
            }
        }
        assertTrue(flips > 430 && flips < 570, flips + " flips of 1000");
        DetectionSample x = aug.apply(s, new SplittableRandom(4));
        DetectionSample y = aug.apply(s, new SplittableRandom(4));
        assertArrayEquals(x.pixels(), y.pixels());
        assertArrayEquals(x.boxes(), y.boxes());
    }

    @Test
    void squaresResizeToOneOfTheSizes() {
        DetectionSample s = sample();
        DetectionAugment aug = DetectionAugment.squares(List.of(16, 24, 32), 0);
        SplittableRandom rng = new SplittableRandom(3);
        boolean[] seen = new boolean[33];
        for (int i = 0; i < 60; i++) {
            DetectionSample o = aug.apply(s, rng);
            assertEquals(o.height(), o.width());
            seen[o.width()] = true;
            float sx = o.width() / 10f;
            float sy = o.height() / 6f;
            assertArrayEquals(new float[] {1 * sx, 0, 4 * sx, 3 * sy, 6 * sx, 2 * sy, 10 * sx, 6 * sy}, o.boxes());
        }
        assertTrue(seen[16] && seen[24] && seen[32]);
    }

    @Test
    void badParametersAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new DetectionAugment(0, 1, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new DetectionAugment(2, 1, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new DetectionAugment(1, 1, 1.5));
        assertThrows(IllegalArgumentException.class, () -> DetectionAugment.squares(List.of(), 0.5));
        assertThrows(IllegalArgumentException.class, () -> DetectionAugment.squares(List.of(0), 0.5));
        assertThrows(IllegalArgumentException.class,
                () -> new DetectionSample(1, 2, 2, new float[4], new float[] {3, 0, 1, 1}, new int[] {0}));
        assertThrows(IllegalArgumentException.class,
                () -> new DetectionSample(1, 2, 2, new float[3], new float[0], new int[0]));
        assertThrows(IllegalArgumentException.class,
                () -> new DetectionSample(1, 2, 2, new float[4], new float[4], new int[] {-1}));
    }
}
