package org.cnn4j.nn.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CIFAR-10's binary batches ({@code data_batch_1.bin} .. {@code data_batch_5.bin}, {@code test_batch.bin}):
 * records of one label byte (0..9) and 3,072 pixel bytes (1,024 red, 1,024 green, 1,024 blue, each row-major
 * 32 x 32), which is already CHW.
 */
public final class Cifar10 {
    public static final int RECORD = 1 + 3 * 32 * 32;
    public static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");

    private Cifar10() {
    }

    /** The training batches in {@code dir} (or the test batch), the first {@code limit} records (all if {@code limit <= 0}). */
    public static ImageDataset read(Path dir, boolean train, int limit) throws IOException {
        List<Path> files = new ArrayList<>();
        if (train) {
            for (int i = 1; i <= 5; i++) {
                files.add(dir.resolve("data_batch_" + i + ".bin"));
            }
        } else {
            files.add(dir.resolve("test_batch.bin"));
        }
        return read(train ? "cifar-10/train" : "cifar-10/test", files, limit);
    }

    /** Records from {@code files} in order. */
    public static ImageDataset read(String name, List<Path> files, int limit) throws IOException {
        long total = 0;
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new java.io.FileNotFoundException(f + ": CIFAR-10 batch not found");
            }
            long size = Files.size(f);
            if (size == 0 || size % RECORD != 0) {
                throw new DataFormatException(f, "is " + size + " bytes, not a whole number of " + RECORD
                        + "-byte CIFAR-10 records (truncated or not a CIFAR-10 binary batch)");
            }
            total += size / RECORD;
        }
        int n = (int) (limit > 0 ? Math.min(limit, total) : total);
        byte[] px = new byte[n * (RECORD - 1)];
        int[] labels = new int[n];
        byte[] rec = new byte[RECORD];
        int k = 0;
        for (Path f : files) {
            if (k == n) {
                break;
            }
            try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(f), 1 << 16)) {
                while (k < n) {
                    int got = in.readNBytes(rec, 0, RECORD);
                    if (got == 0) {
                        break;
                    }
                    if (got < RECORD) {
                        throw new DataFormatException(f, "ends inside record " + k);
                    }
                    int label = rec[0] & 0xff;
                    if (label >= CLASSES.size()) {
                        throw new DataFormatException(f, "record " + k + " has label " + label
                                + "; CIFAR-10 labels are 0..9 (is this CIFAR-100?)");
                    }
                    labels[k] = label;
                    System.arraycopy(rec, 1, px, k * (RECORD - 1), RECORD - 1);
                    k++;
                }
            }
        }
        return new ImageDataset(name, 3, 32, 32, px, labels, CLASSES);
    }
}
