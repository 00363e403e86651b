package org.cnn4j.nn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data files that are not what they claim: every one must be a {@link DataFormatException} that names the file,
 * never an {@code EOFException}, a {@code ZipException}, an {@code OutOfMemoryError} or a data set of garbage.
 */
class BadDataFilesTest {
    @TempDir
    Path dir;

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(b)) {
            g.write(data);
        }
        return b.toByteArray();
    }

    Path write(String name, byte[] data) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, data);
        return p;
    }

    static void assertNames(DataFormatException e, Path file, String text) {
        assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
        assertTrue(e.getMessage().contains(text), "should say '" + text + "': " + e.getMessage());
    }

    /** Gzip images cut at every length, header and deflate stream and trailer included. */
    @Test
    void gzipCutAnywhereIsDataFormatException() throws IOException {
        byte[] raw = IdxTest.images(7, 5, 4, Idx.IMAGES_MAGIC);
        byte[] gz = gzip(raw);
        Path l = write("labels", IdxTest.labels(7));
        for (int cut = 0; cut < gz.length; cut++) {
            Path i = write("images-" + cut + ".gz", Arrays.copyOf(gz, cut));
            DataFormatException e = assertThrows(DataFormatException.class,
                    () -> Idx.read("d", i, l, DataSets.DIGITS, 0), "gzip cut at byte " + cut + " of " + gz.length);
            assertTrue(e.getMessage().contains(i.getFileName().toString()), e.getMessage());
        }
        Path whole = write("images.gz", gz);
        assertEquals(7, Idx.read("d", whole, l, DataSets.DIGITS, 0).size());
    }

    /** Labels cut at every length, raw. */
    @Test
    void rawLabelsCutAnywhereIsDataFormatException() throws IOException {
        byte[] lab = IdxTest.labels(9);
        Path i = write("images", IdxTest.images(9, 2, 2, Idx.IMAGES_MAGIC));
        for (int cut = 0; cut < lab.length; cut++) {
            Path l = write("labels-" + cut, Arrays.copyOf(lab, cut));
            assertThrows(DataFormatException.class, () -> Idx.read("d", i, l, DataSets.DIGITS, 0),
                    "labels cut at byte " + cut);
        }
    }

    /** A corrupted deflate stream (one byte flipped in the middle) and a wrong CRC are errors, not garbage. */
    @Test
    void corruptedGzipIsDataFormatException() throws IOException {
        byte[] raw = IdxTest.images(40, 6, 6, Idx.IMAGES_MAGIC);
        byte[] gz = gzip(raw);
        Path l = write("labels", IdxTest.labels(40));
        byte[] crc = gz.clone();
        crc[crc.length - 6] ^= 0x5a; // the CRC-32 of the trailer
        Path ic = write("crc.gz", crc);
        assertNames(assertThrows(DataFormatException.class, () -> Idx.read("d", ic, l, DataSets.DIGITS, 0)), ic,
                "corrupted");
        int failed = 0;
        for (int at = 10; at < gz.length - 8; at++) {
            byte[] bad = gz.clone();
            bad[at] ^= (byte) 0xff;
            Path ib = write("flip.gz", bad);
            try {
                ImageDataset d = Idx.read("d", ib, l, DataSets.DIGITS, 0);
                // a flip that still inflates to the same bytes is the only acceptable outcome
                assertTrue(Arrays.equals(Arrays.copyOfRange(raw, 16, raw.length), d.pixels()),
                        "a flipped byte at " + at + " loaded different pixels without an error");
            } catch (DataFormatException e) {
                failed++;
            }
        }
        assertTrue(failed > (gz.length - 18) / 2, "only " + failed + " flips detected");
    }

    @Test
    void headerSizesWhoseProductOverflowsAreRefusedBeforeAllocating() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeInt(Idx.IMAGES_MAGIC);
        d.writeInt(3);
        d.writeInt(65536);
        d.writeInt(65536); // 65536 * 65536 wraps to 0 as an int
        d.write(new byte[12]);
        Path i = write("huge", b.toByteArray());
        Path l = write("labels", IdxTest.labels(3));
        assertNames(assertThrows(DataFormatException.class, () -> Idx.read("d", i, l, DataSets.DIGITS, 0)), i,
                "more than 2^31-1");
        Path gi = write("huge.gz", gzip(b.toByteArray()));
        assertNames(assertThrows(DataFormatException.class, () -> Idx.read("d", gi, l, DataSets.DIGITS, 0)), gi,
                "more than 2^31-1");
    }

    /** A header announcing far more samples than the file holds costs nothing: no huge allocation first. */
    @Test
    void aLyingCountIsTruncationNotOutOfMemory() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeInt(Idx.LABELS_MAGIC);
        d.writeInt(Integer.MAX_VALUE - 16);
        d.write(new byte[100]);
        Path l = write("labels.gz", gzip(b.toByteArray()));
        Path i = write("images", IdxTest.images(3, 2, 2, Idx.IMAGES_MAGIC));
        assertNames(assertThrows(DataFormatException.class, () -> Idx.read("d", i, l, DataSets.DIGITS, 0)), l,
                "truncated");
        Path lr = write("labels-raw", b.toByteArray());
        assertNames(assertThrows(DataFormatException.class, () -> Idx.read("d", i, lr, DataSets.DIGITS, 0)), lr,
                "truncated");
    }

    @Test
    void trailingBytesAndCountsThatDisagree() throws IOException {
        byte[] im = IdxTest.images(4, 2, 2, Idx.IMAGES_MAGIC);
        Path i = write("images", Arrays.copyOf(im, im.length + 3));
        Path l = write("labels", IdxTest.labels(4));
        assertNames(assertThrows(DataFormatException.class, () -> Idx.read("d", i, l, DataSets.DIGITS, 0)), i,
                "bytes after");
        Path gi = write("images.gz", gzip(Arrays.copyOf(im, im.length + 3)));
        assertNames(assertThrows(DataFormatException.class, () -> Idx.read("d", gi, l, DataSets.DIGITS, 0)), gi,
                "bytes after");
        Path l5 = write("labels5", IdxTest.labels(5));
        Path i4 = write("images4", im);
        assertNames(assertThrows(DataFormatException.class, () -> Idx.read("d", i4, l5, DataSets.DIGITS, 0)), i4,
                "holds 4 images but labels5 holds 5 labels");
    }

    @Test
    void wrongMagicInEitherFileAndSwappedFiles() throws IOException {
        Path i = write("images", IdxTest.images(4, 2, 2, Idx.IMAGES_MAGIC));
        Path l = write("labels", IdxTest.labels(4));
        assertNames(assertThrows(DataFormatException.class, () -> Idx.read("d", l, i, DataSets.DIGITS, 0)), i,
                "wrong magic");
        Path bad = write("bad", IdxTest.images(4, 2, 2, 0x00000903));
        assertNames(assertThrows(DataFormatException.class, () -> Idx.read("d", bad, l, DataSets.DIGITS, 0)), bad,
                "wrong magic 0x00000903");
        Path cifar = write("cifar.bin", new byte[2 * Cifar10.RECORD]);
        assertNames(assertThrows(DataFormatException.class, () -> Idx.read("d", i, cifar, DataSets.DIGITS, 0)),
                cifar, "wrong magic");
    }

    @Test
    void cifarBatchesOfTheWrongSizeOrContent() throws IOException {
        byte[] two = new byte[2 * Cifar10.RECORD];
        two[Cifar10.RECORD] = 9;
        Path ok = write("ok.bin", two);
        assertEquals(2, Cifar10.read("c", List.of(ok), 0).size());
        for (int cut : new int[] {0, 1, Cifar10.RECORD - 1, Cifar10.RECORD + 5, 2 * Cifar10.RECORD - 1}) {
            Path p = write("cut-" + cut + ".bin", Arrays.copyOf(two, cut));
            assertNames(assertThrows(DataFormatException.class, () -> Cifar10.read("c", List.of(ok, p), 0)), p,
                    "bytes");
        }
        Path idx = write("idx.bin", IdxTest.images(3, 28, 28, Idx.IMAGES_MAGIC));
        assertThrows(DataFormatException.class, () -> Cifar10.read("c", List.of(idx), 0));
        Path gz = write("gz.bin", gzip(two));
        assertThrows(DataFormatException.class, () -> Cifar10.read("c", List.of(gz), 0));
    }
}
