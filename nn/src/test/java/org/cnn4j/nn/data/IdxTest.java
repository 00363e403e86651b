package org.cnn4j.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
    @TempDir
    Path dir;

    static byte[] images(int n, int rows, int cols, int magic) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeInt(magic);
        d.writeInt(n);
        d.writeInt(rows);
        d.writeInt(cols);
        for (int i = 0; i < n * rows * cols; i++) {
            d.writeByte(i * 7 + 3);
        }
        return b.toByteArray();
    }

    static byte[] labels(int n) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeInt(Idx.LABELS_MAGIC);
        d.writeInt(n);
        for (int i = 0; i < n; i++) {
            d.writeByte(i % 10);
        }
        return b.toByteArray();
    }

    Path write(String name, byte[] data, boolean gzip) throws IOException {
        Path p = dir.resolve(name + (gzip ? ".gz" : ""));
        try (OutputStream os = gzip ? new GZIPOutputStream(Files.newOutputStream(p)) : Files.newOutputStream(p)) {
            os.write(data);
        }
        return p;
    }

    @Test
    void readsRawAndGzipTheSame() throws IOException {
        Path ri = write("raw-images", images(12, 4, 3, Idx.IMAGES_MAGIC), false);
        Path rl = write("raw-labels", labels(12), false);
        Path gi = write("gz-images", images(12, 4, 3, Idx.IMAGES_MAGIC), true);
        Path gl = write("gz-labels", labels(12), true);
        ImageDataset a = Idx.read("a", ri, rl, DataSets.DIGITS, 0);
        ImageDataset b = Idx.read("b", gi, gl, DataSets.DIGITS, 0);
        assertEquals(12, a.size());
        assertEquals(1, a.channels());
        assertEquals(4, a.height());
        assertEquals(3, a.width());
        assertArrayEquals(a.pixels(), b.pixels());
        assertArrayEquals(a.labels(), b.labels());
        assertEquals((byte) (5 * 7 + 3), a.pixels()[5]);
        assertEquals(3, a.labels()[3]);
    }

    @Test
    void limitReadsOnlyTheFirstSamples() throws IOException {
        Path gi = write("i", images(20, 2, 2, Idx.IMAGES_MAGIC), true);
        Path gl = write("l", labels(20), true);
        ImageDataset d = Idx.read("d", gi, gl, DataSets.DIGITS, 7);
        assertEquals(7, d.size());
        assertEquals(28, d.pixels().length);
    }

    @Test
    void wrongMagicIsNamed() throws IOException {
        Path i = write("i", images(3, 2, 2, 0x00000802), false);
        Path l = write("l", labels(3), false);
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> Idx.read("d", i, l, DataSets.DIGITS, 0));
        assertTrue(e.getMessage().contains("wrong magic 0x00000802; expected 0x00000803"), e.getMessage());
        DataFormatException e2 = assertThrows(DataFormatException.class,
                () -> Idx.read("d", i, i, DataSets.DIGITS, 0));
        assertTrue(e2.getMessage().contains("expected 0x00000801"), e2.getMessage());
    }

    @Test
    void truncatedFilesAreReported() throws IOException {
        byte[] full = images(5, 3, 3, Idx.IMAGES_MAGIC);
        Path i = write("i", Arrays.copyOf(full, full.length - 4), true);
        Path l = write("l", labels(5), false);
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> Idx.read("d", i, l, DataSets.DIGITS, 0));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        byte[] lab = labels(5);
        Path l2 = write("l2", Arrays.copyOf(lab, 6), false);
        DataFormatException e2 = assertThrows(DataFormatException.class,
                () -> Idx.read("d", i, l2, DataSets.DIGITS, 0));
        assertTrue(e2.getMessage().contains("truncated"), e2.getMessage());
    }

    @Test
    void mismatchedCountsAreReported() throws IOException {
        Path i = write("i", images(6, 2, 2, Idx.IMAGES_MAGIC), false);
        Path l = write("l", labels(5), false);
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> Idx.read("d", i, l, DataSets.DIGITS, 0));
        assertTrue(e.getMessage().contains("holds 6 images but l holds 5 labels"), e.getMessage());
    }

    @Test
    void findsFilesInADataDirectoryAndNamesTheOptionsWhenAbsent() throws IOException {
        write("train-images-idx3-ubyte", images(4, 28, 28, Idx.IMAGES_MAGIC), true);
        write("train-labels-idx1-ubyte", labels(4), true);
        write("t10k-images-idx3-ubyte", images(2, 28, 28, Idx.IMAGES_MAGIC), false);
        write("t10k-labels-idx1-ubyte", labels(2), false);
        ImageDataset train = DataSets.load("fashion-mnist", dir, true, 0, false, s -> { });
        ImageDataset test = DataSets.load("Fashion_MNIST", dir, false, 0, false, s -> { });
        assertEquals(4, train.size());
        assertEquals(2, test.size());
        assertEquals("Ankle boot", train.classNames().get(9));
        Path empty = Files.createDirectory(dir.resolve("empty"));
        IOException e = assertThrows(IOException.class, () -> DataSets.load("mnist", empty, true, 0, false, s -> { }));
        assertTrue(e.getMessage().contains("--data-dir"), e.getMessage());
    }

    @Test
    void splitIsSeededAndDisjoint() throws IOException {
        Path i = write("i", images(50, 2, 2, Idx.IMAGES_MAGIC), false);
        Path l = write("l", labels(50), false);
        ImageDataset d = Idx.read("d", i, l, DataSets.DIGITS, 0);
        ImageDataset.Split a = d.split(40, 7);
        ImageDataset.Split b = d.split(40, 7);
        assertEquals(40, a.train().size());
        assertEquals(10, a.validation().size());
        assertArrayEquals(a.train().pixels(), b.train().pixels());
    }
}
