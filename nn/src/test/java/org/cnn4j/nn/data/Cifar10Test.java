package org.cnn4j.nn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10Test {
    @TempDir
    Path dir;

    static byte[] batch(int n, int firstLabel) {
        byte[] b = new byte[n * Cifar10.RECORD];
        for (int r = 0; r < n; r++) {
            b[r * Cifar10.RECORD] = (byte) ((firstLabel + r) % 10);
            for (int k = 1; k < Cifar10.RECORD; k++) {
                b[r * Cifar10.RECORD + k] = (byte) (r + k);
            }
        }
        return b;
    }

    @Test
    void readsRecordsInChwOrderAcrossBatches() throws IOException {
        for (int i = 1; i <= 5; i++) {
            Files.write(dir.resolve("data_batch_" + i + ".bin"), batch(3, i));
        }
        Files.write(dir.resolve("test_batch.bin"), batch(2, 0));
        ImageDataset train = Cifar10.read(dir, true, 0);
        assertEquals(15, train.size());
        assertEquals(3, train.channels());
        assertEquals(32, train.height());
        assertEquals(1, train.labels()[0]);
        assertEquals(2, train.labels()[3]);
        assertEquals((byte) (1 + 1024), train.pixels()[1024]);
        assertEquals(2, Cifar10.read(dir, false, 0).size());
        assertEquals(4, Cifar10.read(dir, true, 4).size());
        assertTrue(DataSets.present("cifar-10", dir));
    }

    @Test
    void truncatedBatchIsReported() throws IOException {
        byte[] b = batch(2, 0);
        Path f = dir.resolve("x.bin");
        Files.write(f, java.util.Arrays.copyOf(b, b.length - 100));
        DataFormatException e = assertThrows(DataFormatException.class, () -> Cifar10.read("x", List.of(f), 0));
        assertTrue(e.getMessage().contains("not a whole number of 3073-byte"), e.getMessage());
    }

    @Test
    void labelOutOfRangeIsReported() throws IOException {
        byte[] b = batch(2, 0);
        b[Cifar10.RECORD] = 42;
        Path f = dir.resolve("x.bin");
        Files.write(f, b);
        DataFormatException e = assertThrows(DataFormatException.class, () -> Cifar10.read("x", List.of(f), 0));
        assertTrue(e.getMessage().contains("label 42"), e.getMessage());
    }
}
