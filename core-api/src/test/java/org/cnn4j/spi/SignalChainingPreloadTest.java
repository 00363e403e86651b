package org.cnn4j.spi;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * The build preloads the test JVM's own {@code libjsig.so} (LD_PRELOAD set by the parent pom from the home of the
 * JDK 25 toolchain, which need not be the JDK Maven runs on): checks that the library really is mapped, and that it
 * is the one of the JDK running the tests.
 */
class SignalChainingPreloadTest {
    @Test
    void theTestJvmsOwnSignalChainingLibraryIsLoaded() throws IOException {
        String preload = System.getenv("LD_PRELOAD");
        assumeTrue(preload != null && preload.contains("libjsig"), "LD_PRELOAD names no libjsig (not run by Maven)");
        Path maps = Path.of("/proc/self/maps");
        assumeTrue(Files.isReadable(maps), "no /proc/self/maps here (not Linux)");
        Path expected = Path.of(System.getProperty("java.home"), "lib", "libjsig.so").toRealPath();
        boolean mapped = Files.readAllLines(maps).stream()
                .anyMatch(line -> line.endsWith(" " + expected) || line.endsWith("\t" + expected));
        assertTrue(mapped, "LD_PRELOAD=" + preload + " but " + expected + " is not mapped in this JVM");
    }
}
