package org.cnn4j.cli;

import org.cnn4j.nn.io.IoErrors;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code cnn4j} command. */
@Command(name = "cnn4j", mixinStandardHelpOptions = true, version = "cnn4j 0.1.0",
        description = "A CNN compute engine for the JVM: train and evaluate the model zoo, run detectors on "
                + "images, print summaries, probe backends, benchmark them.",
        subcommands = {TrainCommand.class, EvalCommand.class, DetectCommand.class, SummaryCommand.class,
                InfoCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        Logging.configure();
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((ex, bad) -> {
            CommandLine cmd = ex.getCommandLine();
            String name = cmd.getCommandSpec().qualifiedName();
            cmd.getErr().println(name + ": " + oneLine(ex.getMessage()) + " (see " + name + " --help)");
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
            cmd.getErr().println("cnn4j: " + oneLine(IoErrors.describe(ex)));
            if (System.getenv("CNN4J_DEBUG") != null) {
                ex.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            Runtime rt = Runtime.getRuntime();
            System.err.println("cnn4j: out of Java heap memory (-Xmx " + (rt.maxMemory() >> 20) + " MiB): "
                    + e.getMessage() + "; use smaller batches or models, or a larger heap (CNN4J_JAVA_OPTS=-Xmx...)");
            return 1;
        }
    }

    /** A message on one line: a list that a message puts on lines of its own is joined with "; ". */
    static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        return s.strip().replaceAll(":\\s*\\R\\s*", ": ").replaceAll("\\s*\\R\\s*", "; ");
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
