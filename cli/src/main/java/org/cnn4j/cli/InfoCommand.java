package org.cnn4j.cli;

import java.util.concurrent.Callable;
import org.cnn4j.core.Backends;
import org.cnn4j.core.Probe;
import picocli.CommandLine.Command;

/** {@code cnn4j info}: what every backend provider reports here. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "List the backends and whether they can start.")
final class InfoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.println("java " + Runtime.version() + " on " + System.getProperty("os.name") + " "
                + System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        String name = Backends.configuredName(null);
        String source = Backends.configuredSource(null);
        System.out.println("selection: " + name + (source.equals("default") ? " (the default; " : " (from " + source
                + "; ") + "--backend, then -D" + Backends.PROPERTY + ", then $" + Backends.ENV + ", then auto: the "
                + "same in every command)");
        for (Probe p : Backends.probeAll()) {
            System.out.println("  " + p);
        }
        return 0;
    }
}
