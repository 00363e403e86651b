package org.cnn4j.nn.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Layer;
import org.cnn4j.nn.Parameter;
import org.cnn4j.nn.io.CheckpointException;
import org.cnn4j.nn.io.SafeTensors;
import org.cnn4j.nn.layers.Dropout;

/**
 * A trainer's complete state in one safetensors file: the model's parameters and buffers under their state-dict
 * names ({@code 0.weight}, {@code 2.running_mean}, so the file also loads as a plain state dict), the optimizer
 * state under {@code optimizer.} ({@code optimizer.0.weight.exp_avg}), and metadata: format, model, epochs done,
 * optimizer steps, learning rate, seed, and the position of every dropout layer's mask sequence. The shuffling
 * and augmentation streams are keyed by (seed, epoch), so these numbers are the whole random state.
 */
public final class Checkpoint {
    /** The format written: {@code /2} files carry a header checksum ({@link SafeTensors#HEADER_CHECKSUM_KEY}). */
    public static final String FORMAT = "cnn4j-checkpoint/2";
    private static final String OPT = "optimizer.";

    private Checkpoint() {
    }

    /** Writes {@code trainer}'s state to {@code file} (atomically). */
    public static void save(Path file, Trainer trainer) throws IOException {
        save(file, trainer, Map.of());
    }

    /**
     * Writes {@code trainer}'s state to {@code file} (atomically), with {@code extra} metadata (for example the
     * data selection and flags of the run, so a resume can check it continues the same run).
     */
    public static void save(Path file, Trainer trainer, Map<String, String> extra) throws IOException {
        Layer net = trainer.model().net();
        Map<String, SafeTensors.Entry> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : net.parameters().entrySet()) {
            tensors.put(e.getKey(), entry(e.getValue().value()));
        }
        for (Map.Entry<String, Tensor> e : net.buffers().entrySet()) {
            tensors.put(e.getKey(), entry(e.getValue()));
        }
        for (Map.Entry<String, Tensor> e : trainer.optimizer().state().entrySet()) {
            tensors.put(OPT + e.getKey(), entry(e.getValue()));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("model", trainer.model().name());
        meta.put("sample_shape", trainer.model().sample().toString());
        meta.put("classes", Integer.toString(trainer.model().classes()));
        meta.put("epoch", Integer.toString(trainer.epochsDone()));
        meta.put("step", Long.toString(trainer.optimizer().steps()));
        meta.put("optimizer", trainer.optimizer().config().kind().name());
        meta.put("lr", Double.toString(trainer.optimizer().lr()));
        meta.put("seed", Long.toString(trainer.config().seed()));
        meta.put("batch", Integer.toString(trainer.config().batchSize()));
        meta.put("l2", Double.toString(trainer.config().l2()));
        meta.put("schedule", trainer.config().schedule().toString());
        meta.put("augment", String.valueOf(trainer.config().augment()));
        meta.put("optimizer_config", trainer.optimizer().config().toString());
        for (Map.Entry<String, String> e : extra.entrySet()) {
            meta.putIfAbsent("run." + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, Layer> e : net.leaves()) {
            if (e.getValue() instanceof Dropout d) {
                meta.put("rng.dropout." + e.getKey(), Long.toString(d.counter()));
                meta.put("rng.dropout_seed." + e.getKey(), Long.toString(d.baseSeed()));
            }
        }
        SafeTensors.write(file, tensors, meta);
    }

    /**
     * Loads {@code file} into {@code trainer}: verifies the file (structure, size, checksums), that it names
     * exactly the model's and optimizer's tensors with the same shapes, and that its epoch, step and random state
     * parse, then copies them in and restores the epoch, step and random state. A file that fails any check
     * changes nothing: the model, optimizer and trainer are as they were.
     */
    public static Map<String, String> load(Path file, Trainer trainer) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        Map<String, String> meta = c.metadata();
        if (meta.get("format") == null) {
            throw new CheckpointException(file, "has no cnn4j metadata (no 'format' entry), so it is not a cnn4j "
                    + "checkpoint and holds no optimizer or training state; to load only its weights (a plain "
                    + "safetensors state dict, such as PyTorch's save_file writes) use Checkpoint.loadWeights");
        }
        if (!FORMAT.equals(meta.get("format")) && !SafeTensors.LEGACY_FORMAT.equals(meta.get("format"))) {
            throw new CheckpointException(file, "format is " + meta.get("format") + ", expected " + FORMAT);
        }
        if (!trainer.model().name().equals(meta.get("model"))) {
            throw new CheckpointException(file, "holds model " + meta.get("model") + " but the trainer has "
                    + trainer.model().name());
        }
        String opt = trainer.optimizer().config().kind().name();
        if (!opt.equals(meta.get("optimizer"))) {
            throw new CheckpointException(file, "holds " + meta.get("optimizer") + " optimizer state but the "
                    + "trainer uses " + opt);
        }
        Layer net = trainer.model().net();
        Map<String, Tensor> targets = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : net.parameters().entrySet()) {
            targets.put(e.getKey(), e.getValue().value());
        }
        targets.putAll(net.buffers());
        for (Map.Entry<String, Tensor> e : trainer.optimizer().state().entrySet()) {
            targets.put(OPT + e.getKey(), e.getValue());
        }
        TreeSet<String> missing = new TreeSet<>(targets.keySet());
        missing.removeAll(c.tensors().keySet());
        TreeSet<String> unexpected = new TreeSet<>(c.tensors().keySet());
        unexpected.removeAll(targets.keySet());
        if (!missing.isEmpty() || !unexpected.isEmpty()) {
            throw new CheckpointException(file, "does not fit the model: missing " + missing + ", unexpected "
                    + unexpected);
        }
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : targets.entrySet()) {
            SafeTensors.Entry s = c.tensors().get(e.getKey());
            if (!s.shape().equals(e.getValue().shape())) {
                wrong.add(e.getKey() + " is " + s.shape() + " in the file, " + e.getValue().shape() + " in the model");
            }
        }
        if (!wrong.isEmpty()) {
            throw new CheckpointException(file, "shapes differ: " + String.join("; ", wrong));
        }
        int epoch = (int) number(file, meta, "epoch", Integer.MAX_VALUE);
        long step = number(file, meta, "step", Long.MAX_VALUE);
        Map<Dropout, long[]> dropoutState = new LinkedHashMap<>();
        for (Map.Entry<String, Layer> e : net.leaves()) {
            if (e.getValue() instanceof Dropout d) {
                if (meta.get("rng.dropout." + e.getKey()) == null || meta.get("rng.dropout_seed." + e.getKey()) == null) {
                    throw new CheckpointException(file, "has no dropout state for layer " + e.getKey());
                }
                dropoutState.put(d, new long[] {number(file, meta, "rng.dropout." + e.getKey(), Long.MAX_VALUE),
                        signed(file, meta, "rng.dropout_seed." + e.getKey())});
            }
        }
        // every check passed: from here on nothing fails on the file's account
        for (Map.Entry<String, Tensor> e : targets.entrySet()) {
            e.getValue().copyFrom(c.tensors().get(e.getKey()).data());
        }
        List<String> differs = new ArrayList<>();
        compare(differs, meta, "seed", Long.toString(trainer.config().seed()));
        compare(differs, meta, "batch", Integer.toString(trainer.config().batchSize()));
        compare(differs, meta, "l2", Double.toString(trainer.config().l2()));
        compare(differs, meta, "schedule", trainer.config().schedule().toString());
        compare(differs, meta, "augment", String.valueOf(trainer.config().augment()));
        compare(differs, meta, "optimizer_config", trainer.optimizer().config().toString());
        if (!differs.isEmpty()) {
            System.getLogger("org.cnn4j").log(System.Logger.Level.WARNING, file + ": resuming with other settings"
                    + " than the checkpoint's run, so the run will not continue exactly: " + String.join("; ", differs));
        }
        trainer.setEpochsDone(epoch);
        trainer.optimizer().setSteps(step);
        for (Map.Entry<Dropout, long[]> e : dropoutState.entrySet()) {
            e.getKey().setCounter(e.getValue()[0]);
            e.getKey().setBaseSeed(e.getValue()[1]);
        }
        return meta;
    }

    /** Loads only the model's parameters and buffers (for evaluation); optimizer state in the file is ignored. */
    public static Map<String, String> loadWeights(Path file, Layer net) throws IOException {
        return loadWeights(file, net, UnaryOperator.identity());
    }

    /**
     * Loads the model's parameters and buffers from any safetensors file, PyTorch's {@code save_file(state_dict)}
     * included: {@code nameInFile} maps each of the model's names ({@code 0.weight}, {@code 4.running_var}) to the
     * file's ({@code conv1.weight}); an {@code nn.Sequential} of the same layers needs the identity. Tensors the
     * model does not name (PyTorch's {@code num_batches_tracked}) are ignored. Every tensor is checked before any
     * is copied, so a mismatch loads nothing.
     */
    public static Map<String, String> loadWeights(Path file, Layer net, UnaryOperator<String> nameInFile)
            throws IOException {
        SafeTensors.Contents contents = SafeTensors.read(file);
        Map<String, Tensor> targets = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : net.parameters().entrySet()) {
            targets.put(e.getKey(), e.getValue().value());
        }
        targets.putAll(net.buffers());
        Map<String, SafeTensors.Entry> found = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : targets.entrySet()) {
            String inFile = nameInFile.apply(e.getKey());
            SafeTensors.Entry s = contents.tensors().get(inFile);
            if (s == null) {
                throw new CheckpointException(file, "has no F32 tensor " + inFile + " for the model's " + e.getKey());
            }
            if (!s.shape().equals(e.getValue().shape())) {
                throw new CheckpointException(file, inFile + " is " + s.shape() + " in the file, "
                        + e.getValue().shape() + " in the model (" + e.getKey() + ")");
            }
            found.put(e.getKey(), s);
        }
        for (Map.Entry<String, Tensor> e : targets.entrySet()) {
            e.getValue().copyFrom(found.get(e.getKey()).data());
        }
        return contents.metadata();
    }

    /** The metadata value {@code key} as a number in [0, max]; a clear error when it is missing or is not. */
    private static long number(Path file, Map<String, String> meta, String key, long max) throws CheckpointException {
        long v = signed(file, meta, key);
        if (v < 0 || v > max) {
            throw new CheckpointException(file, "metadata " + key + " = " + v + " is out of range [0, " + max + "]");
        }
        return v;
    }

    private static long signed(Path file, Map<String, String> meta, String key) throws CheckpointException {
        String s = meta.get(key);
        if (s == null) {
            throw new CheckpointException(file, "has no metadata " + key);
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new CheckpointException(file, "metadata " + key + " = '" + s + "' is not an integer");
        }
    }

    private static void compare(List<String> out, Map<String, String> meta, String key, String now) {
        String then = meta.get(key);
        if (then != null && !then.equals(now)) {
            out.add(key + " was " + then + ", is " + now);
        }
    }

    /** Settings recorded in {@code meta} under {@code run.} that differ from {@code now}, as messages. */
    public static List<String> runDifferences(Map<String, String> meta, Map<String, String> now) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : now.entrySet()) {
            compare(out, meta, "run." + e.getKey(), e.getValue());
        }
        return out;
    }

    private static SafeTensors.Entry entry(Tensor t) {
        return new SafeTensors.Entry(t.shape(), t.toFloatArray());
    }
}
