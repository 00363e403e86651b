package org.cnn4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.cnn4j.cli.report.JsonLog;
import org.cnn4j.cli.report.Plots;
import org.cnn4j.cli.report.ProgressListener;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Backends;
import org.cnn4j.core.DeviceMemoryException;
import org.cnn4j.distributed.DataParallel;
import org.cnn4j.distributed.LaunchEnvironment;
import org.cnn4j.distributed.ProcessGroup;
import org.cnn4j.distributed.ProcessGroups;
import org.cnn4j.nn.Init;
import org.cnn4j.nn.Replicas;
import org.cnn4j.nn.data.DataSets;
import org.cnn4j.nn.data.ImageDataset;
import org.cnn4j.nn.io.IoErrors;
import org.cnn4j.nn.layers.BatchNorm;
import org.cnn4j.nn.models.Model;
import org.cnn4j.nn.models.Models;
import org.cnn4j.nn.train.Augment;
import org.cnn4j.nn.train.Checkpoint;
import org.cnn4j.nn.train.CheckpointWriter;
import org.cnn4j.nn.train.DirectoryLock;
import org.cnn4j.nn.train.EpochResult;
import org.cnn4j.nn.train.Metrics;
import org.cnn4j.nn.train.Optimizer;
import org.cnn4j.nn.train.StepLr;
import org.cnn4j.nn.train.Trainer;
import org.cnn4j.nn.train.TrainingListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cnn4j train}: trains a zoo model on a data set, with checkpoints, JSON epoch lines and charts. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train a model of the zoo on a data set.")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "lenet5", completionCandidates = Cli.ModelNames.class,
            description = "model (default: ${DEFAULT-VALUE}): ${COMPLETION-CANDIDATES}")
    String model;

    @Option(names = "--dataset", defaultValue = "fashion-mnist",
            description = "fashion-mnist, mnist or cifar-10 (default: ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--epochs", defaultValue = "5", description = "epochs in total (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch", defaultValue = "64", description = "mini-batch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--optimizer", defaultValue = "adam", description = "sgd, adagrad, rmsprop or adam "
            + "(default: ${DEFAULT-VALUE})")
    String optimizer;

    @Option(names = "--lr", description = "learning rate (default: 0.01 for sgd and adagrad, 0.002 for adam, "
            + "0.001 for rmsprop)")
    Double lr;

    @Option(names = "--momentum", defaultValue = "0", description = "SGD momentum (seed 001: 0.9)")
    double momentum;

    @Option(names = "--weight-decay", defaultValue = "0", description = "optimizer weight decay on every "
            + "parameter (seed 001: 0.0005)")
    double weightDecay;

    @Option(names = "--lr-decay", defaultValue = "0", description = "AdaGrad's learning-rate decay: step t uses "
            + "lr / (1 + (t - 1) * decay), as torch.optim.Adagrad's lr_decay (default: ${DEFAULT-VALUE})")
    double lrDecay;

    @Option(names = "--l2", defaultValue = "0", description = "L2 penalty on conv and linear weights")
    double l2;

    @Option(names = "--lr-step", defaultValue = "0", description = "epochs between learning-rate decays (0: none)")
    int lrStep;

    @Option(names = "--lr-gamma", defaultValue = "0.1", description = "learning-rate decay factor "
            + "(default: ${DEFAULT-VALUE}, seed 003's /10)")
    double lrGamma;

    @Option(names = "--seed", defaultValue = "1", description = "seed of initialisation, shuffling, augmentation "
            + "and dropout (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--init", description = "weight initialisation: default, kaiming-uniform, kaiming-normal, "
            + "xavier-uniform, xavier-normal (default: the model's)")
    String init;

    @Option(names = "--augment", description = "standard, none, or crop=N,flip=P,brightness=B (seed 001)")
    String augment;

    @Option(names = "--data-dir", description = "directory with the data set's files")
    Path dataDir;

    @Option(names = "--no-download", description = "never download the data set")
    boolean noDownload;

    @Option(names = "--limit", defaultValue = "0", description = "use only the first N training images (0: all)")
    int limit;

    @Option(names = "--validation", defaultValue = "0.2", description = "validation share of the training images "
            + "(default: ${DEFAULT-VALUE}: 48,000/12,000 of Fashion-MNIST as in seed 002; 0: none)")
    double validation;

    @Option(names = "--test-limit", defaultValue = "0", description = "evaluate on the first N test images "
            + "after training (0: all; -1: skip)")
    int testLimit;

    @Option(names = "--checkpoint-dir", description = "write epoch-N.safetensors here after every epoch")
    Path checkpointDir;

    @Option(names = "--resume", description = "checkpoint to continue from")
    Path resume;

    @Option(names = "--out-dir", description = "write epochs.jsonl, curves.png and confusion.png here "
            + "(default: the checkpoint directory, else runs/<model>-<dataset>)")
    Path outDir;

    @Option(names = "--backend", description = "auto, reference, cpu, opencl, cuda (default: -Dcnn4j.backend, "
            + "else $CNN4J_BACKEND, else auto)")
    String backendName;

    @Option(names = "--distributed", arity = "0..1", fallbackValue = "auto", description = "train data parallel "
            + "over the processes of an MPI launch (mpirun -np N ./cnn4j train --distributed ...): auto, mpi, nccl "
            + "or single (default when given without a value: auto); --batch is the global batch")
    String distributed;

    @Option(names = "--sync-batch-norm", description = "with --distributed: batch norm normalises with the "
            + "statistics of the whole batch over all processes (PyTorch's SyncBatchNorm), not each process's share")
    boolean syncBatchNorm;

    @Option(names = "--no-progress", description = "no progress bar")
    boolean noProgress;

    @Option(names = "--json", description = "print one JSON line per epoch on stdout, as in epochs.jsonl (the "
            + "human-readable lines then go to stderr)")
    boolean json;

    @Spec
    CommandSpec spec;

    /** Every option checked before anything is read or written; a bad one is a usage error naming it. */
    private Optimizer.Kind validate() {
        Cli.require(spec, epochs >= 1, "--epochs", epochs, "must be at least 1 (the total number of epochs)");
        Cli.require(spec, batch >= 1, "--batch", batch, "must be at least 1");
        Cli.require(spec, limit >= 0, "--limit", limit, "must be 0 (all images) or more");
        Cli.require(spec, validation >= 0 && validation < 1, "--validation", validation, "must be in [0, 1)");
        Cli.require(spec, testLimit >= -1, "--test-limit", testLimit, "must be -1 (skip), 0 (all) or more");
        Cli.require(spec, lr == null || lr > 0 && Double.isFinite(lr), "--lr", lr, "must be positive");
        Cli.require(spec, momentum >= 0 && Double.isFinite(momentum), "--momentum", momentum, "must be 0 or more");
        Cli.require(spec, weightDecay >= 0 && Double.isFinite(weightDecay), "--weight-decay", weightDecay,
                "must be 0 or more");
        Cli.require(spec, l2 >= 0 && Double.isFinite(l2), "--l2", l2, "must be 0 or more");
        Cli.require(spec, lrDecay >= 0 && Double.isFinite(lrDecay), "--lr-decay", lrDecay, "must be 0 or more");
        Cli.require(spec, lrStep >= 0, "--lr-step", lrStep, "must be 0 (no decay) or more");
        Cli.require(spec, lrGamma > 0 && lrGamma <= 1, "--lr-gamma", lrGamma, "must be in (0, 1]");
        Cli.require(spec, !syncBatchNorm || distributed != null, "--sync-batch-norm", true,
                "needs --distributed (it synchronises the processes of a data-parallel run)");
        if (detector()) {
            Cli.require(spec, Detectors.DATASETS.contains(dataset.trim().toLowerCase(java.util.Locale.ROOT)),
                    "--dataset", dataset, "a detector trains on " + String.join(", ", Detectors.DATASETS));
            Cli.require(spec, resume == null, "--resume", resume, "detectors do not resume yet; start a new run");
            Cli.require(spec, distributed == null, "--distributed", distributed,
                    "detectors train in one process; leave --distributed out");
            Cli.parse(spec, "--augment", augment, () -> Detectors.augment(augment, dataset.trim().toLowerCase(
                    java.util.Locale.ROOT)));
        } else {
            Cli.parse(spec, "--dataset", dataset, () -> DataSets.canonical(dataset));
        }
        if (init != null) {
            Cli.parse(spec, "--init", init, () -> Init.parse(init));
        }
        return Cli.parse(spec, "--optimizer", optimizer, () -> Optimizer.Kind.parse(optimizer));
    }

    private boolean detector() {
        return Models.DETECTORS.contains(Models.canonicalName(model));
    }

    @Override
    public Integer call() throws IOException {
        Optimizer.Kind kind = validate();
        String backendChoice = Cli.backend(spec, backendName);
        String ds = detector() ? dataset.trim().toLowerCase(java.util.Locale.ROOT) : DataSets.canonical(dataset);
        Path out = outDir != null ? outDir : checkpointDir != null ? checkpointDir : Path.of("runs", model + "-" + ds);
        // Of a data-parallel run, rank 0 alone writes files and reports; the launcher says which rank this is.
        boolean writer = distributed == null
                || LaunchEnvironment.detect().map(l -> l.rank() == 0).orElse(true);
        // the run's directories are this run's, and writable, before anything is loaded or trained
        try (DirectoryLock checkpointLock = checkpointDir == null || !writer ? null
                        : Cli.lock("--checkpoint-dir", checkpointDir);
                DirectoryLock outLock = !writer || checkpointDir != null && sameDirectory(out, checkpointDir) ? null
                        : Cli.lock("--out-dir", out);
                Backend backend = Backends.open(backendChoice);
                ProcessGroup group = distributed == null ? null : openGroup(backend)) {
            if (detector()) {
                return Detectors.train(this, kind, backend, out, json ? System.err : System.out);
            }
            if (group == null || group.worldSize() == 1) {
                return train(kind, backend, ds, out, checkpointLock, Replicas.single());
            }
            try {
                return train(kind, backend, ds, out, checkpointLock, DataParallel.over(group));
            } catch (IOException | RuntimeException | Error e) {
                // The other ranks would wait for this one in the next collective: end the job with the reason.
                group.abort("cnn4j train: rank " + group.rank() + " of " + group.worldSize() + ": "
                        + (e.getMessage() != null ? e.getMessage() : e.toString()));
                throw e;
            }
        }
    }

    private ProcessGroup openGroup(Backend backend) {
        try {
            return ProcessGroups.open(distributed, backend);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--distributed " + distributed + ": "
                    + e.getMessage());
        }
    }

    private static boolean sameDirectory(Path a, Path b) {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    private int train(Optimizer.Kind kind, Backend backend, String ds, Path out, DirectoryLock checkpointLock,
            Replicas replicas) throws IOException {
        boolean writer = replicas.isWriter();
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        PrintStream err = writer ? System.err : quiet;
        // stdout holds one kind of line: the human-readable report, or with --json the epochs' JSON lines.
        PrintStream human = !writer ? quiet : json ? System.err : System.out;
        if (!writer) {
            replicas.barrier(); // after rank 0 has loaded (and downloaded) the data
        }
        ImageDataset all = DataSets.load(ds, dataDir, true, limit, !noDownload && writer, err::println);
        if (writer) {
            replicas.barrier();
        }
        ImageDataset train = all;
        ImageDataset val = null;
        if (validation > 0) {
            int nTrain = (int) Math.round(all.size() * (1 - validation));
            ImageDataset.Split s = all.split(nTrain, seed);
            train = s.train();
            val = s.validation();
        }
        Optimizer.Config oc = Optimizer.Config.defaults(kind, lr != null ? lr : Cli.defaultLr(kind))
                .withMomentum(momentum).withWeightDecay(weightDecay).withLrDecay(lrDecay);
        Augment aug = augment == null ? null : Augment.parse(augment, all.height());
        if (aug != null && ds.equals("mnist") && aug.flipProbability() > 0
                && augment.trim().equalsIgnoreCase("standard")) {
            aug = new Augment(aug.cropPadding(), 0, aug.brightness()); // a mirrored digit is another digit
        }
        Trainer.Config tc = new Trainer.Config(batch, seed, l2, new StepLr(lrStep, lrGamma), aug);
        try (Model m = Models.create(model, backend, all.sampleShape(), all.classes(), seed,
                        init != null ? Init.parse(init) : Models.defaultInit(model));
                Optimizer opt = new Optimizer(backend, m.net().parameters(), oc);
                Trainer trainer = new Trainer(m, opt, tc, replicas)) {
            int synced = syncBatchNorm ? BatchNorm.synchronize(m.net(), replicas) : 0;
            human.printf(Locale.ROOT, "%s on %s (%d train, %d validation images), backend %s (%s), %s lr %g, "
                    + "batch %d, %,d parameters%n", m.name(), ds, train.size(), val == null ? 0 : val.size(),
                    backend.name(), backend.device(), kind.name().toLowerCase(Locale.ROOT), oc.lr(), batch,
                    m.summary().trainable());
            if (replicas.size() > 1) {
                human.println("data parallel: " + replicas + ", " + (batch / replicas.size()) + " to "
                        + ((batch + replicas.size() - 1) / replicas.size()) + " images per replica and step"
                        + (syncBatchNorm ? ", " + synced + " batch-norm layers synchronised" : ""));
            }
            java.util.Map<String, String> run = new java.util.LinkedHashMap<>();
            run.put("dataset", ds);
            run.put("limit", Integer.toString(limit));
            run.put("validation", Double.toString(validation));
            run.put("data", train.size() + "+" + (val == null ? 0 : val.size()));
            if (resume != null) {
                java.util.Map<String, String> meta;
                try {
                    meta = Checkpoint.load(resume, trainer);
                } catch (IOException e) {
                    throw new IOException("--resume: cannot resume from " + IoErrors.describe(e), e);
                }
                for (String d : Checkpoint.runDifferences(meta, run)) {
                    err.println("warning: " + d + " (the resumed run will not repeat the original exactly)");
                }
                human.println("resumed from " + resume + " after epoch " + trainer.epochsDone());
            }
            PrintStream jsonFile = null;
            try {
                TrainingListener progress = noProgress || !writer ? new TrainingListener() { }
                        : new ProgressListener();
                TrainingListener jsonOut = json && writer ? new JsonLog(System.out) : new TrainingListener() { };
                TrainingListener files = new TrainingListener() { };
                if (out != null && writer) {
                    Files.createDirectories(out);
                    jsonFile = new PrintStream(Files.newOutputStream(out.resolve("epochs.jsonl"),
                            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND),
                            true, java.nio.charset.StandardCharsets.UTF_8);
                    files = TrainingListener.of(new JsonLog(jsonFile), new Plots(out, all.classNames()));
                }
                TrainingListener report = new TrainingListener() {
                    @Override
                    public void epochDone(EpochResult r) {
                        ProgressListener.print(human, r);
                    }
                };
                TrainingListener checkpoints = checkpointLock == null ? new TrainingListener() { }
                        : new CheckpointWriter(checkpointLock, trainer, f -> human.println("checkpoint " + f), run);
                try {
                    trainer.fit(train, val, epochs, TrainingListener.of(progress, jsonOut, files, report, checkpoints));
                } catch (DeviceMemoryException e) {
                    throw batchTooLarge(e);
                } catch (OutOfMemoryError e) {
                    throw heapExhausted(e);
                }
            } finally {
                if (jsonFile != null) {
                    jsonFile.close();
                }
            }
            if (testLimit >= 0) {
                ImageDataset test = DataSets.load(ds, dataDir, false, testLimit, !noDownload, err::println);
                Metrics t;
                try {
                    t = trainer.evaluate(test);
                } catch (DeviceMemoryException e) {
                    throw batchTooLarge(e);
                } catch (OutOfMemoryError e) {
                    throw heapExhausted(e);
                }
                human.printf(Locale.ROOT, "test: loss %.4f accuracy %.2f%% on %d images%n", t.loss(),
                        100 * t.accuracy(), t.samples());
                printConfusion(human, t.confusionPercent(), all.classNames());
            }
            if (!writer) {
                return 0;
            }
            human.println("plots: " + out.resolve("curves.png") + ", " + out.resolve("confusion.png")
                    + "; one JSON line per epoch: " + out.resolve("epochs.jsonl"));
        }
        return 0;
    }

    private IllegalStateException batchTooLarge(DeviceMemoryException e) {
        return new IllegalStateException("--batch " + batch + " does not fit: " + e.getMessage()
                + "; use a smaller --batch", e);
    }

    private IllegalStateException heapExhausted(OutOfMemoryError e) {
        Runtime rt = Runtime.getRuntime();
        return new IllegalStateException("--batch " + batch + " does not fit: out of Java heap memory (-Xmx "
                + (rt.maxMemory() >> 20) + " MiB; " + e.getMessage() + "); use a smaller --batch or a larger heap "
                + "(CNN4J_JAVA_OPTS=-Xmx...)");
    }

    /** The test confusion matrix in percent of each true class (rows), as the seeds print it. */
    private static void printConfusion(PrintStream err, double[][] percent, java.util.List<String> names) {
        err.println("confusion matrix (% of each true class; rows: true, columns: predicted):");
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-15s", ""));
        for (int j = 0; j < percent.length; j++) {
            head.append(String.format(Locale.ROOT, "%7d", j));
        }
        err.println(head);
        for (int i = 0; i < percent.length; i++) {
            String name = i < names.size() ? names.get(i) : Integer.toString(i);
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-15s",
                    i + " " + (name.length() > 12 ? name.substring(0, 12) : name)));
            for (double v : percent[i]) {
                row.append(String.format(Locale.ROOT, "%7.1f", v));
            }
            err.println(row);
        }
    }
}
