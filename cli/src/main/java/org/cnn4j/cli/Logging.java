package org.cnn4j.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * The command line's log output: the library logs through {@link System.Logger}, which the JDK sends to
 * {@code java.util.logging}; its default console handler writes two lines per record (date and source, then the
 * level and message). Here each record is one line on stderr, {@code warning: <message>} (or {@code error:},
 * {@code info:}), the format the commands use for their own warnings. A JVM given
 * {@code -Djava.util.logging.config.file} keeps its own configuration.
 */
final class Logging {
    private Logging() {
    }

    /** Installs the one-line handler on the root logger (INFO and above), unless the JVM was given a configuration. */
    static void configure() {
        if (System.getProperty("java.util.logging.config.file") != null
                || System.getProperty("java.util.logging.config.class") != null) {
            return;
        }
        configure(System.err);
    }

    static void configure(PrintStream err) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        Handler h = new StreamHandler(err, new OneLine()) {
            @Override
            public synchronized void publish(LogRecord r) {
                super.publish(r);
                flush();
            }
        };
        h.setLevel(Level.INFO);
        root.addHandler(h);
        root.setLevel(Level.INFO);
    }

    /** {@code warning: message}, with the cause's class and message when there is one. */
    static final class OneLine extends Formatter {
        @Override
        public String format(LogRecord r) {
            String level = r.getLevel().intValue() >= Level.SEVERE.intValue() ? "error"
                    : r.getLevel().intValue() >= Level.WARNING.intValue() ? "warning"
                    : r.getLevel().getName().toLowerCase(Locale.ROOT);
            String cause = r.getThrown() == null ? "" : " (" + r.getThrown() + ")";
            return level + ": " + formatMessage(r) + cause + System.lineSeparator();
        }
    }
}
