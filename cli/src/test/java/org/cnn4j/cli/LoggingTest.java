package org.cnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Handler;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class LoggingTest {
    @Test
    void theLibrarysWarningsAreOneLineInTheCommandsFormat() {
        Logger root = Logger.getLogger("");
        Handler[] before = root.getHandlers();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try {
            Logging.configure(new PrintStream(b, true, StandardCharsets.UTF_8));
            System.getLogger("org.cnn4j").log(System.Logger.Level.WARNING, "backend 'x' closed with 1 tensor(s)");
            System.getLogger("org.cnn4j").log(System.Logger.Level.DEBUG, "not shown");
            System.getLogger("org.cnn4j").log(System.Logger.Level.ERROR, "it broke", new IllegalStateException("why"));
        } finally {
            for (Handler h : root.getHandlers()) {
                root.removeHandler(h);
            }
            for (Handler h : before) {
                root.addHandler(h);
            }
        }
        assertEquals("warning: backend 'x' closed with 1 tensor(s)" + System.lineSeparator()
                + "error: it broke (java.lang.IllegalStateException: why)" + System.lineSeparator(),
                b.toString(StandardCharsets.UTF_8));
    }
}
