package org.cnn4j.cli.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressListenerTest {
    @Test
    void offATerminalItPrintsAPlainLineEveryFewSecondsAndNoCarriageReturn() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        AtomicLong now = new AtomicLong(1_000_000_000L);
        ProgressListener p = new ProgressListener(new PrintStream(b, true, StandardCharsets.UTF_8),
                ProgressListener.Mode.LINES, Duration.ofSeconds(5), now::get);
        p.epochStarted(1, 3, 1200);
        for (int i = 1; i <= 12; i++) { // one batch of 100 images a second
            now.addAndGet(1_000_000_000L);
            p.batchDone(1, 100L * i, 0.5, 0.8);
        }
        p.epochDone(null);
        String out = b.toString(StandardCharsets.UTF_8);
        assertFalse(out.contains("\r"), out);
        List<String> lines = out.lines().toList();
        assertEquals(2, lines.size(), out);
        assertEquals("epoch 1/3: 500/1200 images (42%), 100.0 img/s, loss 0.5000 acc 80.00%, about 7 s left",
                lines.get(0));
        assertTrue(lines.get(1).startsWith("epoch 1/3: 1000/1200 images (83%)"), out);
    }

    @Test
    void theModeFollowsThePropertyThenTheConsole() {
        assertEquals(ProgressListener.Mode.BAR, ProgressListener.mode("bar", null));
        assertEquals(ProgressListener.Mode.LINES, ProgressListener.mode(" Lines ", System.console()));
        assertEquals(ProgressListener.Mode.LINES, ProgressListener.mode(null, null));
        // Surefire's test JVM has no terminal: a console, if any, is not interactive.
        assertEquals(ProgressListener.Mode.LINES, ProgressListener.mode(null, System.console()));
        assertEquals(ProgressListener.Mode.LINES, new ProgressListener().mode());
    }
}
