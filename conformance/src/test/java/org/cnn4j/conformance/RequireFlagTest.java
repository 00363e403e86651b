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
 * "Require instead of skip" is read in one place, {@code org.cnn4j.core.Requirements}: no other source of the
 * repository (main or test, Java or script) reads the property {@code cnn4j.require} or the variable
 * {@code CNN4J_REQUIRE} itself. (Writing them, for a child process or in CI, is fine.)
 */
class RequireFlagTest {
    /** A read of the property or the variable: getProperty/getenv/getBoolean/getProperties().get of either. */
    private static final Pattern READ = Pattern.compile(
            "(getProperty|getenv|getBoolean|Properties\\(\\)\\.get)\\(\\s*\"(cnn4j\\.require|CNN4J_REQUIRE)\"");
    /** A shell script testing the variable (not exporting it). */
    private static final Pattern SHELL_READ = Pattern.compile("\\$\\{?CNN4J_REQUIRE\\b(?!:-)");

    @Test
    void onlyRequirementsReadsTheRequireFlag() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        assertTrue(Files.isRegularFile(root.resolve("pom.xml")), "not the repository root: " + root);
        List<String> bad = new ArrayList<>();
        int files = 0;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(f -> (f.toString().endsWith(".java") || f.toString().endsWith(".sh"))
                    && !f.toString().contains("/target/") && !f.toString().contains("/.git/")
                    && !f.endsWith(Path.of("org", "cnn4j", "core", "Requirements.java"))).toList()) {
                files++;
                String[] lines = Files.readString(p).split("\n");
                for (int i = 0; i < lines.length; i++) {
                    boolean java = p.toString().endsWith(".java");
                    if (java ? READ.matcher(lines[i]).find() : SHELL_READ.matcher(lines[i]).find()) {
                        bad.add(root.relativize(p) + ":" + (i + 1) + ": " + lines[i].trim());
                    }
                }
            }
        }
        assertTrue(files > 100, "found only " + files + " sources under " + root);
        assertEquals(List.of(), bad, "reads the require flag outside org.cnn4j.core.Requirements");
    }
}
