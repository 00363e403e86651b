package org.cnn4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Backends;
import org.cnn4j.core.DeviceMemoryException;
import org.cnn4j.nn.data.DataSets;
import org.cnn4j.nn.data.ImageDataset;
import org.cnn4j.nn.io.IoErrors;
import org.cnn4j.nn.io.SafeTensors;
import org.cnn4j.nn.models.Model;
import org.cnn4j.nn.models.Models;
import org.cnn4j.nn.train.Checkpoint;
import org.cnn4j.nn.train.Metrics;
import org.cnn4j.nn.train.Optimizer;
import org.cnn4j.nn.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cnn4j eval}: accuracy and confusion matrix of a checkpoint on the test set. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a checkpoint on a data set's test images.")
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "a checkpoint written by train")
    Path checkpoint;

    @Option(names = "--model", description = "model (default: the one named in the checkpoint)")
    String model;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "default: ${DEFAULT-VALUE}")
    String dataset;

    @Option(names = "--data-dir", description = "directory with the data set's files")
    Path dataDir;

    @Option(names = "--limit", defaultValue = "0", description = "use only the first N test images (0: all)")
    int limit;

    @Option(names = "--batch", defaultValue = "256", description = "batch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--backend", description = "auto, reference, cpu, opencl, cuda (default: -Dcnn4j.backend, "
            + "else $CNN4J_BACKEND, else auto)")
    String backendName;

    @Option(names = "--no-download", description = "never download the data set")
    boolean noDownload;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Cli.require(spec, limit >= 0, "--limit", limit, "must be 0 (all images) or more");
        Cli.require(spec, batch >= 1, "--batch", batch, "must be at least 1");
        String backendChoice = Cli.backend(spec, backendName);
        Map<String, String> meta;
        try {
            meta = SafeTensors.read(checkpoint).metadata();
        } catch (IOException e) {
            throw new IOException("--checkpoint: cannot read " + IoErrors.describe(e), e);
        }
        if (Detectors.FORMAT.equals(meta.get("format"))) {
            return Detectors.eval(checkpoint, meta, dataDir, limit, batch, !noDownload, backendChoice);
        }
        String name = model != null ? model : meta.get("model");
        if (name == null) {
            throw new IllegalArgumentException(checkpoint + " does not name its model; pass --model");
        }
        ImageDataset test = DataSets.load(dataset, dataDir, false, limit, !noDownload, System.err::println);
        try (Backend backend = Backends.open(backendChoice);
                Model m = Models.create(name, backend, test.sampleShape(), test.classes(), 0);
                Optimizer opt = new Optimizer(backend, Map.of(), Optimizer.Config.defaults(Optimizer.Kind.SGD, 1));
                Trainer t = new Trainer(m, opt, Trainer.Config.of(batch, 0))) {
            Checkpoint.loadWeights(checkpoint, m.net());
            Metrics r;
            try {
                r = t.evaluate(test);
            } catch (DeviceMemoryException e) {
                throw new IllegalStateException("--batch " + batch + " does not fit: " + e.getMessage()
                        + "; use a smaller --batch", e);
            }
            System.out.printf(Locale.ROOT, "%s, epoch %s: loss %.4f accuracy %.2f%% on %d %s images%n", name,
                    meta.getOrDefault("epoch", "?"), r.loss(), 100 * r.accuracy(), r.samples(), test.name());
            double[][] c = r.confusionPercent();
            System.out.println("confusion matrix, % of each true class (rows: true, columns: predicted):");
            for (int i = 0; i < c.length; i++) {
                StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-12s", test.classNames().get(i)));
                for (double v : c[i]) {
                    sb.append(String.format(Locale.ROOT, " %5.1f", v));
                }
                System.out.println(sb);
            }
        }
        return 0;
    }
}
