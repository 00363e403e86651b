package org.cnn4j.cli;

import java.util.concurrent.Callable;
import org.cnn4j.core.Shape;
import org.cnn4j.nn.MetaBackend;
import org.cnn4j.nn.models.Model;
import org.cnn4j.nn.models.Models;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cnn4j summary --model NAME}: layer table and parameter counts, built without allocating weights. */
@Command(name = "summary", mixinStandardHelpOptions = true,
        description = "Print a model's layers, output shapes and parameter counts.")
final class SummaryCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, completionCandidates = Cli.ModelNames.class,
            description = "one of: ${COMPLETION-CANDIDATES}")
    String model;

    @Option(names = "--input", description = "sample shape C,H,W (default: the model's own, or the data set's)")
    String input;

    @Option(names = "--dataset", description = "take the sample shape from a data set: fashion-mnist, mnist, "
            + "cifar-10")
    String dataset;

    @Option(names = "--classes", description = "number of classes (default: 1000 for AlexNet, else 10)")
    Integer classes;

    @Override
    public Integer call() {
        Shape sample = input != null ? Cli.parseShape(input)
                : dataset != null ? Cli.sampleShape(dataset) : Models.defaultSample(model);
        int k = classes != null ? classes : Models.defaultClasses(model);
        try (MetaBackend meta = new MetaBackend(); Model m = Models.create(model, meta, sample, k, 0)) {
            System.out.println(m.name() + " on " + sample + ", " + k + " classes");
            System.out.print(m.summary().format());
        }
        return 0;
    }
}
