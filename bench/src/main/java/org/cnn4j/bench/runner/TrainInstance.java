package org.cnn4j.bench.runner;

import java.util.LinkedHashMap;
import java.util.Map;
import org.cnn4j.check.Tolerances;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Parameter;
import org.cnn4j.nn.models.Model;
import org.cnn4j.nn.models.Models;
import org.cnn4j.nn.train.Optimizer;
import org.cnn4j.ops.Loss;

/**
 * One training step of a zoo model, as {@link org.cnn4j.nn.train.Trainer} runs it: forward in training mode,
 * softmax cross-entropy against one-hot targets, its gradient, backward, Adam step. The input batch is seeded
 * random values (not a data set), the model built with a fixed seed, so every backend starts from the same
 * weights and, after one step, must have the same loss, logits and parameter gradients.
 */
final class TrainInstance implements Instance {
    /**
     * The loss and the logits of a whole network in float32 against the reference in double: per element and per
     * tensor; a ReLU whose input is within rounding of zero may switch, so the slack is wider than one operator's.
     */
    static final Tolerances.Tolerance NETWORK = new Tolerances.Tolerance(1e-4, 1e-2, 1e-3);

    /**
     * The gradients, by relative L2 error alone, 1%. Measured: on the seed 002 CNN's step the cpu backend's FMA
     * kernel leaves conv1's weight gradient 0.16% off the reference in L2, with 25 of 288 elements more than 1% off
     * (its scalar kernel agrees per element, and every one of the network's operators passes alone). The likely cause
     * is a max-pooling window whose two largest values are within rounding of each other, which sends its gradient
     * to a different element when the forward rounds differently: a legitimate difference a per-element bound
     * would fail, while a wrong layer moves a tensor by far more than 1% (CheckTest plants one).
     */
    static final Tolerances.Tolerance GRADIENT = new Tolerances.Tolerance(0, 0, 1e-2);

    private final Backend be;
    private final Model model;
    private final Optimizer optimizer;
    private final Tensor x;
    private final Tensor target;
    private final Tensor loss;
    private final Tensor dLogits;
    private final Loss fn = Loss.softmaxCrossEntropy();
    private final Loss.Forward lossForward;
    private final Loss.Backward lossBackward;

    TrainInstance(Backend be, String name, Shape sample, int classes, int batch, double lr, long seed) {
        this.be = be;
        this.model = Models.create(name, be, sample, classes, seed);
        Optimizer opt = null;
        Tensor tx = null;
        Tensor tt = null;
        Tensor tl = null;
        Tensor td = null;
        try {
            opt = new Optimizer(be, model.net().parameters(), Optimizer.Config.defaults(Optimizer.Kind.ADAM, lr));
            Shape xs = Shape.of(batch, sample.dim(0), sample.dim(1), sample.dim(2));
            tx = be.fromArray(xs, OpsInstance.Random.uniform(xs.size(), 101));
            tt = be.fromArray(Shape.of(batch, classes), OpsInstance.Random.oneHot(batch, classes, 102));
            tl = be.allocate(Shape.scalar());
            td = be.allocate(Shape.of(batch, classes));
        } catch (RuntimeException e) {
            for (AutoCloseable c : new AutoCloseable[] {opt, tx, tt, tl, td, model}) {
                closeQuietly(c);
            }
            throw e;
        }
        this.optimizer = opt;
        this.x = tx;
        this.target = tt;
        this.loss = tl;
        this.dLogits = td;
        model.net().train(true);
        Tensor logits = model.net().forward(x); // binds the workspace's logits tensor for the loss records
        this.lossForward = new Loss.Forward(fn, logits, target, loss);
        this.lossBackward = new Loss.Backward(fn, logits, target, dLogits);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // already failing
            }
        }
    }

    @Override
    public void run() {
        model.net().forward(x);
        be.execute(lossForward);
        be.execute(lossBackward);
        model.net().backward(dLogits);
        optimizer.step();
    }

    @Override
    public Map<String, Output> outputs() {
        Map<String, Output> out = new LinkedHashMap<>();
        out.put("loss", new Output(loss, Tolerances.of(lossForward)));
        out.put("logits", new Output(lossForward.input(), NETWORK));
        out.put("dlogits", new Output(dLogits, NETWORK));
        for (Map.Entry<String, Parameter> e : model.net().parameters().entrySet()) {
            out.put(e.getKey() + ".grad", new Output(e.getValue().grad(), GRADIENT, true));
        }
        return out;
    }

    @Override
    public void close() {
        optimizer.close();
        x.close();
        target.close();
        loss.close();
        dLogits.close();
        model.close();
    }
}
