package org.cnn4j.nn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSetsTest {
    @TempDir
    Path cache;
    private String before;

    @BeforeEach
    void useTemporaryCache() {
        before = System.getProperty("cnn4j.cache");
        System.setProperty("cnn4j.cache", cache.toString());
    }

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty("cnn4j.cache");
        } else {
            System.setProperty("cnn4j.cache", before);
        }
    }

    @Test
    void namesAreCanonical() {
        assertEquals("fashion-mnist", DataSets.canonical("Fashion_MNIST"));
        assertEquals("cifar-10", DataSets.canonical("cifar10"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataSets.canonical("svhn"));
        assertTrue(e.getMessage().contains("fashion-mnist, mnist, cifar-10"), e.getMessage());
    }

    @Test
    void withoutFilesOrDownloadTheErrorListsTheOptions() {
        IOException e = assertThrows(IOException.class, () -> DataSets.load("mnist", null, true, 0, false, s -> { }));
        String m = e.getMessage();
        assertTrue(m.contains("looked in " + cache.resolve("mnist")), m);
        assertTrue(m.contains("--data-dir"), m);
        assertTrue(m.contains("put them in " + cache.resolve("mnist")), m);
        assertTrue(m.contains("network access"), m);
    }

    @Test
    void theCacheDirectoryIsSearched() throws IOException {
        Path d = Files.createDirectories(cache.resolve("cifar-10").resolve("cifar-10-batches-bin"));
        byte[] rec = new byte[Cifar10.RECORD * 2];
        rec[Cifar10.RECORD] = 7;
        for (int i = 1; i <= 5; i++) {
            Files.write(d.resolve("data_batch_" + i + ".bin"), rec);
        }
        Files.write(d.resolve("test_batch.bin"), rec);
        ImageDataset train = DataSets.load("cifar-10", null, true, 0, false, s -> { });
        assertEquals(10, train.size());
        assertEquals(7, train.labels()[1]);
    }

    @Test
    void debianFashionMnistIsFoundWhenInstalledAndMatchesTheChecksums() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(DataSets.present("fashion-mnist", DataSets.DEBIAN_FASHION_MNIST),
                "dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)");
        ImageDataset test = DataSets.load("fashion-mnist", null, false, 5, false, s -> { });
        assertEquals(5, test.size());
        assertEquals(28, test.height());
        assertEquals(9, test.labels()[0], "the first test image is an ankle boot");
        for (DataSets.Remote r : DataSets.remotes("fashion-mnist")) {
            assertEquals(r.sha256(), DataSets.sha256(DataSets.DEBIAN_FASHION_MNIST.resolve(r.file()), true), r.file());
        }
    }

    @Test
    void checksumsOfContentIgnoreTheCompression() throws IOException {
        Path a = cache.resolve("a.gz");
        Path b = cache.resolve("b.gz");
        byte[] data = "the same bytes".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (var os = new java.util.zip.GZIPOutputStream(Files.newOutputStream(a))) {
            os.write(data);
        }
        try (var os = new java.util.zip.GZIPOutputStream(Files.newOutputStream(b), 512)) {
            os.write(data, 0, 4);
            os.flush();
            os.write(data, 4, data.length - 4);
        }
        assertEquals(DataSets.sha256(a, true), DataSets.sha256(b, true));
        assertEquals("6c6c4f6a4ff38b59339c0f3ec8b1e0fb6d4f47ae6e1d6c5a21c7b8d0e96a8a17".length(),
                DataSets.sha256(a, false).length());
    }
}
