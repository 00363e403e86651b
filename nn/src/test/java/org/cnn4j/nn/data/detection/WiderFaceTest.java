package org.cnn4j.nn.data.detection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cnn4j.nn.data.DataFormatException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The WIDER FACE reader on a small annotation file in the real format and images written here. */
class WiderFaceTest {
    @TempDir
    Path dir;
    Path images;

    /** As in wider_face_train_bbx_gt.txt: trailing spaces, a 0-face image with its line of zeros. */
    static final String GT = """
            0--Parade/0_Parade_marchingband_1_5.png
            2
            4 5 10 12 0 0 0 0 0 0\s
            20 3 8 8 2 0 0 1 1 0\s
            0--Parade/0_Parade_Parade_0_452.jpg
            0
            0 0 0 0 0 0 0 0 0 0\s
            1--Handshaking/1_Handshaking_Handshaking_1_94.png
            3
            30 25 20 20 0 0 0 0 0 0\s
            5 5 0 7 0 0 0 1 0 0\s
            1 1 3 3 1 1 1 0 2 1\s
            """;

    @BeforeEach
    void images() throws IOException {
        images = dir.resolve("WIDER_train").resolve("images");
        Fixtures.image(images.resolve("0--Parade/0_Parade_marchingband_1_5.png"), 40, 30, "png");
        Fixtures.image(images.resolve("0--Parade/0_Parade_Parade_0_452.jpg"), 48, 32, "jpg");
        Fixtures.grayPng(images.resolve("1--Handshaking/1_Handshaking_Handshaking_1_94.png"), 40, 30);
    }

    Path gt(String text) throws IOException {
        return Fixtures.text(dir.resolve("wider_face_split").resolve("wider_face_train_bbx_gt.txt"), text);
    }

    @Test
    void readsFacesBoxesAndImages() throws IOException {
        WiderFace w = WiderFace.read(gt(GT), images, false);
        assertEquals(3, w.size());
        assertEquals(1, w.classes());
        assertEquals(List.of("face"), w.classNames());
        assertEquals(3, w.channels());
        assertEquals(1, w.degenerate(), "the face with w = 0");
        assertEquals(0, w.invalid());

        DetectionSample a = w.get(0);
        assertEquals(30, a.height());
        assertEquals(40, a.width());
        assertArrayEquals(new float[] {4, 5, 14, 17, 20, 3, 28, 11}, a.boxes());
        assertArrayEquals(new int[] {0, 0}, a.labels());
        // PNG: exact RGB, CHW
        int plane = 30 * 40;
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                int rgb = Fixtures.rgb(x, y);
                int i = y * 40 + x;
                assertEquals(((rgb >> 16) & 0xff) / 255f, a.pixels()[i], 0f);
                assertEquals(((rgb >> 8) & 0xff) / 255f, a.pixels()[plane + i], 0f);
                assertEquals((rgb & 0xff) / 255f, a.pixels()[2 * plane + i], 0f);
            }
        }
        assertEquals(2, w.faces(0).size());
        assertEquals(new WiderFace.Face(20, 3, 8, 8, 2, 0, 0, 1, 1, 0), w.faces(0).get(1));

        DetectionSample b = w.get(1);
        assertEquals(0, b.objects(), "the 0-face image");
        assertEquals(32, b.height());
        assertEquals(48, b.width());
        // JPEG: lossy, close to the written colors on each channel, in R, G, B order
        int bplane = 32 * 48;
        double[] err = new double[3];
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 48; x++) {
                int rgb = Fixtures.rgb(x, y);
                for (int ch = 0; ch < 3; ch++) {
                    err[ch] += Math.abs(((rgb >> (16 - 8 * ch)) & 0xff) / 255f - b.pixels()[ch * bplane + y * 48 + x]);
                }
            }
        }
        for (int ch = 0; ch < 3; ch++) {
            assertTrue(err[ch] / bplane < 0.05, "channel " + ch + ": mean error " + err[ch] / bplane);
        }

        DetectionSample c = w.get(2);
        // the first box clipped to the 40 x 30 image; the degenerate one dropped
        assertArrayEquals(new float[] {30, 25, 40, 30, 1, 1, 4, 4}, c.boxes());
        // a gray image: the same value on the three channels, no gamma change
        for (int ch = 0; ch < 3; ch++) {
            assertEquals((7 + 2 * 9) / 255f, c.pixels()[ch * plane + 9 * 40 + 7], 0f);
        }
        assertEquals(images.resolve("1--Handshaking/1_Handshaking_Handshaking_1_94.png"), w.file(2));
    }

    @Test
    void skipInvalidDropsFlaggedFaces() throws IOException {
        WiderFace w = WiderFace.read(gt(GT), images, true);
        assertEquals(1, w.invalid());
        assertEquals(1, w.degenerate());
        assertArrayEquals(new float[] {4, 5, 14, 17}, w.get(0).boxes());
        assertEquals(2, w.get(2).objects());
    }

    static void assertError(Path file, String text, ThrowingRead read) {
        DataFormatException e = assertThrows(DataFormatException.class, read::run);
        assertEquals(file, e.file());
        assertTrue(e.getMessage().contains(text), "message '" + e.getMessage() + "' should contain '" + text + "'");
    }

    interface ThrowingRead {
        void run() throws IOException;
    }

    @Test
    void malformedFilesNameTheFileTheLineAndWhatWasExpected() throws IOException {
        Path f = gt(GT.replace("\n2\n", "\ntwo\n"));
        assertError(f, "line 2: expected the face count of 0--Parade/0_Parade_marchingband_1_5.png", () ->
                WiderFace.read(f, images, false));
        Path g = gt(GT.replace("20 3 8 8 2 0 0 1 1 0", "20 3 8 8 2 0 0 1 1"));
        assertError(g, "line 4: expected a face of 0--Parade/0_Parade_marchingband_1_5.png: ten integers", () ->
                WiderFace.read(g, images, false));
        Path h = gt(GT.replace("20 3 8 8 2 0 0 1 1 0", "20 3 8 8 2 0 0 7 1 0"));
        assertError(h, "line 4: expected invalid (the 8th field) 0 or 1", () -> WiderFace.read(h, images, false));
        Path cut = gt(GT.substring(0, GT.indexOf("1 1 3 3")));
        assertError(cut, "announces 3 faces, expected 3 face lines but found 2", () ->
                WiderFace.read(cut, images, false));
        Path noCount = gt("0--Parade/0_Parade_marchingband_1_5.png\n");
        assertError(noCount, "expected the face count of", () -> WiderFace.read(noCount, images, false));
        Path number = gt("2\n4 5 10 12 0 0 0 0 0 0\n");
        assertError(number, "line 1: expected an image file name", () -> WiderFace.read(number, images, false));
        Path empty = gt("\n\n");
        assertError(empty, "is empty", () -> WiderFace.read(empty, images, false));
        Path missing = gt(GT.replace("0_Parade_Parade_0_452.jpg", "0_Parade_Parade_0_999.jpg"));
        assertError(missing, "line 5: image " + images.resolve("0--Parade/0_Parade_Parade_0_999.jpg")
                + " does not exist", () -> WiderFace.read(missing, images, false));
        assertError(dir.resolve("nope.txt"), "does not exist", () ->
                WiderFace.read(dir.resolve("nope.txt"), images, false));
    }

    @Test
    void anImageThatCannotBeDecodedFailsAtGetNamingIt() throws IOException {
        WiderFace w = WiderFace.read(gt(GT), images, false);
        Path bad = images.resolve("0--Parade/0_Parade_Parade_0_452.jpg");
        Files.write(bad, new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 1, 2, 3});
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> w.get(1));
        DataFormatException cause = assertInstanceOf(DataFormatException.class, e.getCause());
        assertEquals(bad, cause.file());
    }
}
