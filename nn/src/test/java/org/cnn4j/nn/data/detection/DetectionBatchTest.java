package org.cnn4j.nn.data.detection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Padding to a multiple, NCHW layout, boxes and labels kept per image. */
class DetectionBatchTest {
    static DetectionSample filled(int c, int h, int w, float base, int objects) {
        float[] px = new float[c * h * w];
        for (int i = 0; i < px.length; i++) {
            px[i] = base + i;
        }
        float[] boxes = new float[4 * objects];
        int[] labels = new int[objects];
        for (int k = 0; k < objects; k++) {
            boxes[4 * k + 2] = k + 1;
            boxes[4 * k + 3] = k + 1;
            labels[k] = k;
        }
        return new DetectionSample(c, h, w, px, boxes, labels);
    }

    @Test
    void padsBottomRightToAMultiple() {
        DetectionSample a = filled(2, 30, 50, 1, 2);
        DetectionSample b = filled(2, 45, 20, 10000, 0);
        DetectionBatch batch = DetectionBatch.collate(List.of(a, b), 32);
        assertEquals(2, batch.n());
        assertEquals(2, batch.channels());
        assertEquals(64, batch.height());
        assertEquals(64, batch.width());
        assertEquals(2 * 2 * 64 * 64, batch.pixels().length);
        for (int i = 0; i < 2; i++) {
            DetectionSample s = i == 0 ? a : b;
            for (int c = 0; c < 2; c++) {
                for (int y = 0; y < 64; y++) {
                    for (int x = 0; x < 64; x++) {
                        float expected = y < s.height() && x < s.width()
                                ? s.pixels()[(c * s.height() + y) * s.width() + x] : 0f;
                        assertEquals(expected, batch.pixels()[((i * 2 + c) * 64 + y) * 64 + x], 0f);
                    }
                }
            }
        }
        assertSame(a.boxes(), batch.boxes().get(0));
        assertArrayEquals(new int[] {0, 1}, batch.labels().get(0));
        assertEquals(0, batch.labels().get(1).length);
        assertEquals(0, batch.boxes().get(1).length);
    }

    @Test
    void multipleOneIsTheLargestSizeAndExactMultiplesStay() {
        DetectionBatch one = DetectionBatch.collate(List.of(filled(3, 7, 5, 0, 1), filled(3, 4, 9, 0, 1)), 1);
        assertEquals(7, one.height());
        assertEquals(9, one.width());
        DetectionBatch exact = DetectionBatch.collate(List.of(filled(1, 64, 96, 0, 1)), 32);
        assertEquals(64, exact.height());
        assertEquals(96, exact.width());
    }

    @Test
    void badInputIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> DetectionBatch.collate(List.of(), 32));
        assertThrows(IllegalArgumentException.class,
                () -> DetectionBatch.collate(List.of(filled(1, 4, 4, 0, 0)), 0));
        assertThrows(IllegalArgumentException.class,
                () -> DetectionBatch.collate(List.of(filled(1, 4, 4, 0, 0), filled(3, 4, 4, 0, 0)), 32));
    }
}
