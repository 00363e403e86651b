package org.cnn4j.nn;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cnn4j.nn.data.DataSets;

/** Where the tests find real data sets. */
public final class TestData {
    private TestData() {
    }

    /**
     * Debian's Fashion-MNIST ({@code apt-get install dataset-fashion-mnist}), or {@code -Dcnn4j.fashionMnist=DIR};
     * the calling test is skipped, saying why, when it is not there.
     */
    public static Path fashionMnist() {
        String dir = System.getProperty("cnn4j.fashionMnist");
        Path path = dir != null ? Path.of(dir) : DataSets.DEBIAN_FASHION_MNIST;
        assumeTrue(Files.isRegularFile(path.resolve("train-images-idx3-ubyte.gz"))
                        || Files.isRegularFile(path.resolve("train-images-idx3-ubyte")),
                "Fashion-MNIST is not installed at " + path
                        + " (apt-get install dataset-fashion-mnist, or -Dcnn4j.fashionMnist=DIR)");
        return path;
    }
}
