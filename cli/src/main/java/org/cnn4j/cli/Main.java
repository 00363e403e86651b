package org.cnn4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code cnn4j} command. */
@Command(name = "cnn4j", mixinStandardHelpOptions = true, version = "cnn4j 0.1.0",
        description = "A CNN compute engine for the JVM: train and evaluate the model zoo, print summaries, "
                + "probe backends, benchmark them.",
        subcommands = {TrainCommand.class, EvalCommand.class, SummaryCommand.class, InfoCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
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
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
            cmd.getErr().println("cnn4j: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            if (System.getenv("CNN4J_DEBUG") != null) {
                ex.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
