package org.cnn4j.nn.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.cnn4j.core.Backend;
import org.cnn4j.core.DeviceMemoryException;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Parameter;
import org.cnn4j.nn.Replicas;
import org.cnn4j.nn.Workspace;
import org.cnn4j.nn.data.ImageDataset;
import org.cnn4j.nn.models.Model;
import org.cnn4j.ops.Axpy;
import org.cnn4j.ops.Fill;
import org.cnn4j.ops.L2Penalty;
import org.cnn4j.ops.Loss;
import org.cnn4j.ops.Scale;

/**
 * Mini-batch training of a {@link Model} with softmax cross-entropy on one-hot targets.
 *
 * <p>Each epoch visits the training set in a seeded random order: epoch {@code e}'s permutation and
 * augmentation draws come from generators keyed by {@code (seed, e)}, and dropout masks from each layer's seeded
 * sequence, so a run resumed from a checkpoint taken after an epoch continues exactly as the uninterrupted run
 * would. Pixels are scaled to [0, 1]. The last batch of an epoch may be smaller.
 *
 * <p>Per step: forward, loss, loss gradient, backward (parameter gradients are overwritten), the optional L2
 * penalty's gradient {@code l2 * w} added to conv and linear weights, then the optimizer step. The reported loss
 * is the data loss (without the penalty).
 *
 * <p>By default each step reads its loss and logits back to the host (a wait for the device per step) for the
 * running loss and accuracy. With {@link Config#readEvery} {@code k != 1} a step reads nothing: the loss is summed
 * on the device (an {@link Axpy} of the batch's mean loss times its size into a one-element sum) and read, with
 * that batch's logits, every k-th step and at the epoch's end, so the epoch's loss covers every sample as before
 * (summed in float over at most k batches, then in double) while its accuracy and confusion matrix cover the
 * batches read ({@link Metrics#predicted()} says how many samples).
 */
public final class Trainer implements AutoCloseable {
    /**
     * Training settings.
     *
     * @param batchSize mini-batch size
     * @param seed      seed of the shuffling and augmentation streams
     * @param l2        L2 penalty coefficient on conv and linear weights (0 for none)
     * @param schedule  learning-rate schedule over epochs
     * @param augment   augmentation of training images, or null for none
     * @param readEvery how often a training step reads its numbers back to the host: 1 (the default) after every
     *                  step (the loss and the logits, for the running loss and accuracy); {@code k > 1} after every
     *                  k-th step and the epoch's last, the loss summed on the device in between and the accuracy
     *                  counted over the batches read; 0 only at the epoch's end. A step that reads nothing waits
     *                  for nothing: a GPU backend queues the next step while this one runs
     */
    public record Config(int batchSize, long seed, double l2, StepLr schedule, Augment augment, int readEvery) {
        /** The system property that sets {@link #readEvery} where a configuration does not name it. */
        public static final String READ_EVERY_PROPERTY = "cnn4j.train.readEvery";

        public Config {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be at least 1 but is " + batchSize);
            }
            if (!(l2 >= 0)) {
                throw new IllegalArgumentException("l2 must be >= 0 but is " + l2);
            }
            if (readEvery < 0) {
                throw new IllegalArgumentException("readEvery must be >= 0 (0: at the epoch's end only) but is "
                        + readEvery);
            }
        }

        /** With {@link #readEvery} from {@code -Dcnn4j.train.readEvery} (default 1: after every step). */
        public Config(int batchSize, long seed, double l2, StepLr schedule, Augment augment) {
            this(batchSize, seed, l2, schedule, augment, readEveryProperty());
        }

        public static Config of(int batchSize, long seed) {
            return new Config(batchSize, seed, 0, StepLr.none(), null);
        }

        /** This configuration reading back every {@code k}-th step (0: at the epoch's end only). */
        public Config withReadEvery(int k) {
            return new Config(batchSize, seed, l2, schedule, augment, k);
        }

        private static int readEveryProperty() {
            String v = System.getProperty(READ_EVERY_PROPERTY);
            if (v == null || v.isBlank()) {
                return 1;
            }
            try {
                return Integer.parseInt(v.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("-D" + READ_EVERY_PROPERTY + "=" + v
                        + " is not a whole number (1: after every step, k: every k-th step, 0: epoch end only)");
            }
        }
    }

    private final Model model;
    private final Optimizer optimizer;
    private final Config config;
    private final Backend backend;
    private final Workspace workspace;
    private final Loss loss = Loss.softmaxCrossEntropy();
    private final double baseLr;
    private final Replicas replicas;
    private boolean replicasAgree;
    private int epochsDone;

    public Trainer(Model model, Optimizer optimizer, Config config) {
        this(model, optimizer, config, Replicas.single());
    }

    /**
     * A trainer that is one of {@code replicas}, data parallel: each replica takes its share of every batch (the
     * batch size is the global one, over all replicas), and gradients are summed over the replicas, weighted by
     * their shares, before the optimizer step, so every replica takes the step one process would take on the whole
     * batch. Before the first step the weights, buffers and optimizer state are set to replica 0's; before each
     * step and each evaluation the buffers (batch-norm running statistics) are, as PyTorch's
     * {@code DistributedDataParallel} does with {@code broadcast_buffers}. Dropout draws other masks on each
     * replica. Metrics are summed over the replicas.
     */
    public Trainer(Model model, Optimizer optimizer, Config config, Replicas replicas) {
        this.model = model;
        this.optimizer = optimizer;
        this.config = config;
        this.backend = model.net().backend();
        this.workspace = new Workspace(backend);
        this.baseLr = optimizer.config().lr();
        this.replicas = java.util.Objects.requireNonNull(replicas, "replicas");
        this.replicasAgree = replicas.size() == 1;
        if (replicas.size() > 1) {
            for (Map.Entry<String, org.cnn4j.nn.Layer> l : model.net().leaves()) {
                if (l.getValue() instanceof org.cnn4j.nn.layers.Dropout d) {
                    d.setReplica(replicas.rank());
                }
            }
            params = List.copyOf(model.net().parameters().values());
            for (int k = 0; k < params.size(); k++) {
                paramIndex.put(params.get(k), k);
            }
            posted = new boolean[params.size()];
            withSharedCopies = model.net().parametersWithSharedCopies();
            model.net().onBackwardDone(this::backwardDone);
        }
    }

    // Data parallel: the gradient sum of this step, started as backward finishes each leaf (null outside a
    // backward, or when synchronised batch norm makes collectives of its own inside the backward).
    private List<Parameter> params = List.of();
    private final Map<Parameter, Integer> paramIndex = new java.util.IdentityHashMap<>();
    private boolean[] posted = new boolean[0];
    private java.util.Set<Parameter> withSharedCopies = java.util.Set.of();
    private Replicas.GradientSum gradientSum;
    private boolean overlap;

    /** A leaf's backward ran: its own parameters' gradients are final (unless shared copies add to them later). */
    private void backwardDone(org.cnn4j.nn.Layer leaf) {
        if (gradientSum == null) {
            return;
        }
        for (Parameter p : leaf.parameters().values()) {
            Integer k = paramIndex.get(p);
            if (k != null && !posted[k] && !withSharedCopies.contains(p)) {
                posted[k] = true;
                gradientSum.ready(p.grad());
            }
        }
    }

    /** The replicas this trainer trains with ({@link Replicas#single()} alone). */
    public Replicas replicas() {
        return replicas;
    }

    public Model model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public Config config() {
        return config;
    }

    /** Epochs completed (the next epoch is {@code epochsDone() + 1}). */
    public int epochsDone() {
        return epochsDone;
    }

    /** Sets the epochs completed, when resuming from a checkpoint. */
    public void setEpochsDone(int n) {
        this.epochsDone = n;
    }

    /** Trains until {@code epochs} epochs are done in total, returning this call's results. */
    public List<EpochResult> fit(ImageDataset train, ImageDataset validation, int epochs, TrainingListener listener) {
        List<EpochResult> out = new ArrayList<>();
        if (epochsDone < epochs && workspace.size() == 0) {
            int batch = Math.min(config.batchSize(), train.size());
            checkStepMemory(replicas.shardEnd(batch) - replicas.shardStart(batch), true);
        }
        while (epochsDone < epochs) {
            out.add(trainEpoch(train, validation, epochs, listener));
        }
        return out;
    }

    /** One epoch: a pass over {@code train}, then an evaluation of {@code validation} (when not null). */
    public EpochResult trainEpoch(ImageDataset train, ImageDataset validation, int epochs,
            TrainingListener listener) {
        checkData(train);
        checkShares(train.size());
        agreeWithReplicas();
        int e = epochsDone;
        optimizer.setLr(config.schedule().lr(baseLr, e));
        listener.epochStarted(e + 1, epochs, train.size());
        int[] order = ImageDataset.permutation(train.size(), new SplittableRandom(streamSeed(config.seed(), 1, e)));
        SplittableRandom augRng = new SplittableRandom(streamSeed(config.seed(), 2, e));
        Metrics.Accumulator acc = new Metrics.Accumulator(model.classes());
        model.net().train(true);
        long t0 = System.nanoTime();
        int bs = config.batchSize();
        float[] scratch = new float[train.height() * train.width()];
        int[] labels = new int[Math.min(bs, train.size())];
        Tensor lossSum = null;
        if (config.readEvery() != 1) {
            lossSum = workspace.get("lossSum", Shape.scalar());
            backend.execute(new Fill.Run(ZERO, lossSum));
        }
        long unread = 0;
        int steps = 0;
        for (int start = 0; start < train.size(); start += bs) {
            int batch = Math.min(bs, train.size() - start);
            // This replica's share of the batch: samples [lo, lo + n) of it (all of it in one process).
            int lo = replicas.shardStart(batch);
            int n = replicas.shardEnd(batch) - lo;
            broadcastBuffers();
            Tensor logits = null;
            Tensor lossT = null;
            if (n > 0) {
                Tensor x = workspace.get("x", batchShape(n, train));
                Tensor t = workspace.get("target", Shape.of(n, model.classes()));
                float[] hx = hostBuffer("x", n * train.sampleSize());
                float[] ht = hostBuffer("target", n * model.classes());
                fill(train, order, start + lo, n, hx, ht, labels);
                if (config.augment() != null) {
                    for (int i = 0; i < batch; i++) {
                        if (i < lo || i >= lo + n) {
                            config.augment().skip(augRng);
                        } else {
                            config.augment().apply(hx, (i - lo) * train.sampleSize(), train.channels(),
                                    train.height(), train.width(), augRng, scratch);
                        }
                    }
                }
                x.copyFrom(hx);
                t.copyFrom(ht);
                logits = model.net().forward(x);
                lossT = workspace.get("loss", Shape.scalar());
                backend.execute(new Loss.Forward(loss, logits, t, lossT));
                Tensor dLogits = workspace.get("dlogits", logits.shape());
                backend.execute(new Loss.Backward(loss, logits, t, dLogits));
                if (n != batch) {
                    // The gradient of this share's part of the whole batch's mean: weighted by n / batch.
                    Tensor share = workspace.get("dlogits-share", logits.shape());
                    backend.execute(new Scale.Run(new Scale((double) n / batch), dLogits, share));
                    dLogits = share;
                }
                if (replicas.size() > 1 && overlap) {
                    gradientSum = replicas.gradientSum();
                }
                model.net().backward(dLogits);
            }
            if (replicas.size() > 1) {
                sumGradients(n);
            }
            if (config.l2() > 0) {
                L2Penalty pen = new L2Penalty(config.l2());
                for (Parameter p : model.net().parameters().values()) {
                    if (p.decays()) {
                        backend.execute(new L2Penalty.Backward(pen, p.value(), p.grad()));
                    }
                }
            }
            optimizer.step();
            steps++;
            if (config.readEvery() == 1) {
                if (n > 0) {
                    float[] hl = hostBuffer("logits", n * model.classes());
                    logits.copyTo(hl);
                    float[] one = hostBuffer("loss", 1);
                    lossT.copyTo(one);
                    acc.add(one[0], hl, labels, 0, n);
                }
                Metrics m = acc.result();
                listener.batchDone(e + 1, start + batch, m.loss(), m.accuracy());
                continue;
            }
            // the batch's loss times its size, summed on the device; read with the logits every readEvery steps
            if (n > 0) {
                backend.execute(new Axpy.Run(new Axpy(n), lossT, lossSum));
                unread += n;
            }
            boolean last = start + batch >= train.size();
            if (last || (config.readEvery() > 0 && steps % config.readEvery() == 0)) {
                float[] one = hostBuffer("loss", 1);
                lossSum.copyTo(one);
                acc.addLossSum(one[0], unread);
                unread = 0;
                backend.execute(new Fill.Run(ZERO, lossSum));
                if (n > 0) {
                    float[] hl = hostBuffer("logits", n * model.classes());
                    logits.copyTo(hl);
                    acc.addPredictions(hl, labels, 0, n);
                }
                Metrics m = acc.result();
                listener.batchDone(e + 1, start + batch, m.loss(), m.accuracy());
            }
        }
        backend.synchronize();
        double seconds = (System.nanoTime() - t0) / 1e9;
        acc.sumOver(replicas);
        Metrics trainMetrics = acc.result();
        Metrics val = validation == null ? null : evaluate(validation);
        epochsDone++;
        EpochResult r = new EpochResult(epochsDone, optimizer.steps(), optimizer.lr(), trainMetrics, val, seconds,
                train.size() / seconds);
        listener.epochDone(r);
        return r;
    }

    /** Loss, accuracy and confusion matrix of the model in inference mode on {@code data}. */
    public Metrics evaluate(ImageDataset data) {
        checkData(data);
        agreeWithReplicas();
        broadcastBuffers();
        model.net().train(false);
        try {
            Metrics.Accumulator acc = new Metrics.Accumulator(model.classes());
            int bs = config.batchSize();
            if (workspace.size() == 0) {
                checkStepMemory(Math.min(bs, data.size()), false);
            }
            // Each replica evaluates its contiguous share of the data set (all of it in one process).
            int first = replicas.shardStart(data.size());
            int end = replicas.shardEnd(data.size());
            int[] labels = new int[Math.max(1, Math.min(bs, end - first))];
            int[] order = new int[data.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            for (int start = first; start < end; start += bs) {
                int n = Math.min(bs, end - start);
                Tensor x = workspace.get("x", batchShape(n, data));
                Tensor t = workspace.get("target", Shape.of(n, model.classes()));
                float[] hx = hostBuffer("x", n * data.sampleSize());
                float[] ht = hostBuffer("target", n * model.classes());
                fill(data, order, start, n, hx, ht, labels);
                x.copyFrom(hx);
                t.copyFrom(ht);
                Tensor logits = model.net().forward(x);
                Tensor lossT = workspace.get("loss", Shape.scalar());
                backend.execute(new Loss.Forward(loss, logits, t, lossT));
                float[] hl = hostBuffer("logits", n * model.classes());
                logits.copyTo(hl);
                float[] one = hostBuffer("loss", 1);
                lossT.copyTo(one);
                acc.add(one[0], hl, labels, 0, n);
            }
            acc.sumOver(replicas);
            return acc.result();
        } finally {
            model.net().train(true);
        }
    }

    /**
     * Checks, before a step allocates anything, that a step of {@code samples} images can fit in the backend's
     * memory: it needs at least every layer's output and, in training, the gradient of every layer's input but
     * the first's (a lower bound: kernels' scratch memory comes on top), against the backend's
     * {@link Backend#memoryLimit() memory limit} less what is allocated already.
     *
     * @throws DeviceMemoryException naming the batch size, the bytes needed and the limit, when they cannot fit
     */
    public void checkStepMemory(int samples, boolean training) {
        long limit = backend.memoryLimit();
        if (limit == Long.MAX_VALUE || samples < 1) {
            return;
        }
        int[] d = model.sample().dims();
        int[] one = new int[d.length + 1];
        one[0] = 1;
        System.arraycopy(d, 0, one, 1, d.length);
        Shape s = Shape.of(one);
        long perSample = s.size() + (training ? 2L : 1L) * model.classes(); // x, target (and the logits' gradient)
        boolean first = true;
        for (org.cnn4j.nn.Trace t : model.net().trace(s)) {
            if (!(t.layer() instanceof org.cnn4j.nn.layers.Flatten)) { // a view: no memory of its own
                perSample += t.output().size() + (training && !first ? t.inputs().getFirst().size() : 0);
            }
            first = false;
        }
        long need = Math.multiplyHigh(perSample, 4L * samples) != 0 ? Long.MAX_VALUE : perSample * 4L * samples;
        long free = Math.max(0, limit - backend.liveBytes());
        if (need > free) {
            throw new DeviceMemoryException(backend.name(), need, free, String.format(java.util.Locale.ROOT,
                    "batch size %d: %,d images per step need at least %,d MiB for %s's %s, over the %,d MiB left "
                            + "of the limit of %,d MiB", config.batchSize(), samples, need >> 20, model.name(),
                    training ? "activations and gradients" : "activations", free >> 20, limit >> 20));
        }
    }

    /**
     * With batch-norm layers synchronised over the replicas, each of their training steps is a collective, so
     * every replica needs a share of every batch, the last included.
     */
    private void checkShares(int samples) {
        if (replicas.size() == 1) {
            return;
        }
        boolean synced = false;
        for (Map.Entry<String, org.cnn4j.nn.Layer> l : model.net().leaves()) {
            synced |= l.getValue() instanceof org.cnn4j.nn.layers.BatchNorm b && b.isSynchronized();
        }
        // Synchronised batch norm makes collectives inside backward: the gradient sums then wait for its end.
        overlap = !synced;
        int bs = Math.min(config.batchSize(), samples);
        int last = samples % config.batchSize();
        if (synced && (bs < replicas.size() || last != 0 && last < replicas.size())) {
            throw new IllegalArgumentException("synchronised batch norm needs a share of every batch on each of "
                    + "the " + replicas.size() + " replicas, but batch size " + config.batchSize() + " over "
                    + samples + " samples leaves a batch of " + (bs < replicas.size() ? bs : last)
                    + "; choose a batch size and data set size that give every replica a sample");
        }
    }

    /** Before the first step: replica 0's weights, buffers and optimizer state on every replica. */
    private void agreeWithReplicas() {
        if (replicasAgree) {
            return;
        }
        List<Tensor> all = new ArrayList<>();
        for (Parameter p : model.net().parameters().values()) {
            all.add(p.value());
        }
        all.addAll(model.net().buffers().values());
        all.addAll(optimizer.state().values());
        replicas.broadcast(all);
        replicasAgree = true;
    }

    /** Replica 0's buffers (batch-norm running statistics) on every replica. */
    private void broadcastBuffers() {
        if (replicas.size() > 1) {
            Map<String, Tensor> b = model.net().buffers();
            if (!b.isEmpty()) {
                replicas.broadcast(List.copyOf(b.values()));
            }
        }
    }

    /**
     * The gradient of the whole batch's mean loss on every replica: the sum over the replicas of their gradients,
     * each already weighted by its share of the batch. The sums of the gradients backward finished early are
     * under way ({@link #backwardDone}); the rest (shared parameters, and all of them without an overlap) are
     * handed over here, in parameter order. A replica without samples this step adds zeros.
     */
    private void sumGradients(int n) {
        Replicas.GradientSum sum = gradientSum != null ? gradientSum : replicas.gradientSum();
        gradientSum = null;
        for (int k = 0; k < params.size(); k++) {
            if (!posted[k]) {
                if (n == 0) {
                    backend.execute(new Fill.Run(ZERO, params.get(k).grad()));
                }
                sum.ready(params.get(k).grad());
            }
        }
        java.util.Arrays.fill(posted, false);
        sum.finish();
    }

    private static final Fill ZERO = new Fill(0);

    private void checkData(ImageDataset d) {
        if (!d.sampleShape().equals(model.sample())) {
            throw new IllegalArgumentException("data set " + d.name() + " has samples " + d.sampleShape()
                    + " but model " + model.name() + " was built for " + model.sample());
        }
        if (d.classes() != model.classes()) {
            throw new IllegalArgumentException("data set " + d.name() + " has " + d.classes()
                    + " classes but model " + model.name() + " has " + model.classes() + " outputs");
        }
    }

    private static Shape batchShape(int n, ImageDataset d) {
        return Shape.of(n, d.channels(), d.height(), d.width());
    }

    private final Map<String, float[]> host = new java.util.HashMap<>();

    /** Host staging arrays, one per role and length, reused across steps. */
    private float[] hostBuffer(String role, int length) {
        float[] a = host.get(role);
        if (a == null || a.length != length) {
            a = new float[length];
            host.put(role, a);
        }
        return a;
    }

    /** Pixels scaled to [0, 1] and one-hot targets of samples {@code order[start .. start+n)}. */
    private static void fill(ImageDataset d, int[] order, int start, int n, float[] x, float[] t, int[] labels) {
        int per = d.sampleSize();
        int c = d.classes();
        byte[] px = d.pixels();
        java.util.Arrays.fill(t, 0f);
        for (int i = 0; i < n; i++) {
            int s = order[start + i];
            int src = s * per;
            int dst = i * per;
            for (int k = 0; k < per; k++) {
                x[dst + k] = (px[src + k] & 0xff) * (1f / 255f);
            }
            labels[i] = d.labels()[s];
            t[i * c + labels[i]] = 1f;
        }
    }

    /** The seed of stream {@code stream} (1 shuffling, 2 augmentation) for 0-based {@code epoch}. */
    static long streamSeed(long seed, int stream, int epoch) {
        long z = seed * 0x9E3779B97F4A7C15L + stream * 0xD1B54A32D192ED03L + epoch * 0x8CB92BA72F3D8DD7L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public void close() {
        workspace.close();
    }
}
