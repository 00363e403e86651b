package org.cnn4j.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every test of the project is replayable: a seed taken from the clock ({@code nanoTime}, {@code
 * currentTimeMillis}) must be printed with the flag that replays it (the file says "replay with -D..."), or the
 * test must use a fixed seed. Reads every test source of the repository.
 */
class TestSeedsTest {
    private static final Pattern CLOCK_SEED = Pattern.compile(
            "(?i)(seed|new (Splittable)?Random\\().*(nanoTime|currentTimeMillis)\\(");
    private static final Pattern REPLAY = Pattern.compile("replay with\\s*\"?\\s*\\+?\\s*\"?\\s*-D");

    @Test
    void noTestIsSeededFromTheClockWithoutPrintingTheReplayFlag() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        assertTrue(Files.isRegularFile(root.resolve("pom.xml")), "not the repository root: " + root);
        List<String> bad = new ArrayList<>();
        int files = 0;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".java") && f.toString().contains("/src/test/")
                    && !f.toString().contains("/target/")).toList()) {
                files++;
                String text = Files.readString(p);
                String[] lines = text.split("\n");
                for (int i = 0; i < lines.length; i++) {
                    if (CLOCK_SEED.matcher(lines[i]).find() && !REPLAY.matcher(text).find()) {
                        bad.add(root.relativize(p) + ":" + (i + 1) + ": " + lines[i].trim());
                    }
                }
            }
        }
        assertTrue(files > 50, "found only " + files + " test sources under " + root);
        assertEquals(List.of(), bad, "seeded from the clock without printing how to replay");
    }
}
