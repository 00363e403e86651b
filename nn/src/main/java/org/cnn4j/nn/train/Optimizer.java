package org.cnn4j.nn.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Parameter;
import org.cnn4j.ops.Adagrad;
import org.cnn4j.ops.Adam;
import org.cnn4j.ops.RmsProp;
import org.cnn4j.ops.Sgd;

/**
 * An optimizer over a model's parameters, with PyTorch's update rules (the operator records {@link Sgd},
 * {@link Adagrad}, {@link RmsProp}, {@link Adam} document them). Its state tensors live on the parameters'
 * backend and are named as in PyTorch's optimizer state ({@code 0.weight.momentum_buffer}, {@code exp_avg},
 * {@code exp_avg_sq}, {@code sum}, {@code square_avg}), so a checkpoint can hold them.
 */
public final class Optimizer implements AutoCloseable {
    /** The update rules. */
    public enum Kind {
        SGD, ADAGRAD, RMSPROP, ADAM;

        /**
         * The rule called {@code s} (any case; {@code rms-prop} as {@code rmsprop}).
         *
         * @throws IllegalArgumentException naming the choices when {@code s} is none of them
         */
        public static Kind parse(String s) {
            String n = s.trim().toUpperCase(Locale.ROOT).replace("-", "");
            for (Kind k : values()) {
                if (k.name().equals(n)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("optimizer '" + s + "' is unknown; choose one of "
                    + String.join(", ", java.util.Arrays.stream(values())
                            .map(k -> k.name().toLowerCase(Locale.ROOT)).toList()));
        }
    }

    /**
     * Hyper-parameters; unused ones are ignored by a rule.
     *
     * @param kind        the rule
     * @param lr          learning rate
     * @param momentum    SGD momentum
     * @param nesterov    SGD Nesterov momentum
     * @param weightDecay L2 coefficient added to every gradient (PyTorch's {@code weight_decay})
     * @param beta1       Adam's first-moment decay
     * @param beta2       Adam's second-moment decay
     * @param alpha       RMSProp's smoothing constant
     * @param epsilon     denominator term (Adam, RMSProp, AdaGrad)
     * @param lrDecay     AdaGrad's learning-rate decay ({@code lr_decay}, default 0): step t uses
     *                    {@code lr / (1 + (t - 1) * lrDecay)}
     */
    public record Config(Kind kind, double lr, double momentum, boolean nesterov, double weightDecay, double beta1,
            double beta2, double alpha, double epsilon, double lrDecay) {
        /** Without AdaGrad learning-rate decay ({@code lr_decay = 0}). */
        public Config(Kind kind, double lr, double momentum, boolean nesterov, double weightDecay, double beta1,
                double beta2, double alpha, double epsilon) {
            this(kind, lr, momentum, nesterov, weightDecay, beta1, beta2, alpha, epsilon, 0);
        }

        /** PyTorch's defaults for {@code kind} at learning rate {@code lr}. */
        public static Config defaults(Kind kind, double lr) {
            return switch (kind) {
                case SGD -> new Config(kind, lr, 0, false, 0, 0.9, 0.999, 0.99, 1e-8);
                case ADAGRAD -> new Config(kind, lr, 0, false, 0, 0.9, 0.999, 0.99, 1e-10);
                case RMSPROP -> new Config(kind, lr, 0, false, 0, 0.9, 0.999, 0.99, 1e-8);
                case ADAM -> new Config(kind, lr, 0, false, 0, 0.9, 0.999, 0.99, 1e-8);
            };
        }

        public Config withMomentum(double m) {
            return new Config(kind, lr, m, nesterov, weightDecay, beta1, beta2, alpha, epsilon, lrDecay);
        }

        public Config withWeightDecay(double wd) {
            return new Config(kind, lr, momentum, nesterov, wd, beta1, beta2, alpha, epsilon, lrDecay);
        }

        /**
         * The record's form, with {@code lrDecay} only when it is not 0: checkpoints keep this string and compare
         * it on resume, so a run without decay reads as it did before the parameter existed.
         */
        @Override
        public String toString() {
            return "Config[kind=" + kind + ", lr=" + lr + ", momentum=" + momentum + ", nesterov=" + nesterov
                    + ", weightDecay=" + weightDecay + ", beta1=" + beta1 + ", beta2=" + beta2 + ", alpha=" + alpha
                    + ", epsilon=" + epsilon + (lrDecay != 0 ? ", lrDecay=" + lrDecay : "") + "]";
        }

        /** AdaGrad's {@code lr_decay} (ignored by the other rules). */
        public Config withLrDecay(double d) {
            return new Config(kind, lr, momentum, nesterov, weightDecay, beta1, beta2, alpha, epsilon, d);
        }
    }

    private final Backend backend;
    private final Config config;
    private final List<Map.Entry<String, Parameter>> params;
    private final Map<String, Tensor> state = new LinkedHashMap<>();
    /** The parameters' values and gradients, in order, and their state by name: the lists of each step. */
    private final List<Tensor> values;
    private final List<Tensor> grads;
    private final Map<String, List<Tensor>> stateLists = new java.util.HashMap<>();
    private double lr;
    private long steps;

    public Optimizer(Backend backend, Map<String, Parameter> parameters, Config config) {
        this.backend = backend;
        this.config = config;
        this.params = List.copyOf(parameters.entrySet());
        this.values = params.stream().map(e -> e.getValue().value()).toList();
        this.grads = params.stream().map(e -> e.getValue().grad()).toList();
        this.lr = config.lr();
        try {
            for (Map.Entry<String, Parameter> e : params) {
                for (String s : stateNames()) {
                    state.put(e.getKey() + "." + s, backend.allocate(e.getValue().shape()));
                }
            }
        } catch (RuntimeException ex) {
            close();
            throw ex;
        }
        // Validate the hyper-parameters once, with the operator records' own checks.
        record(lr, 1);
    }

    private List<String> stateNames() {
        return switch (config.kind()) {
            case SGD -> config.momentum() != 0 ? List.of("momentum_buffer") : List.of();
            case ADAGRAD -> List.of("sum");
            case RMSPROP -> List.of("square_avg");
            case ADAM -> List.of("exp_avg", "exp_avg_sq");
        };
    }

    private Object record(double rate, long step) {
        return switch (config.kind()) {
            case SGD -> new Sgd(rate, config.momentum(), config.weightDecay(), config.nesterov());
            case ADAGRAD -> new Adagrad(rate, config.epsilon(), config.weightDecay(), config.lrDecay(), step);
            case RMSPROP -> new RmsProp(rate, config.alpha(), config.epsilon(), config.weightDecay());
            case ADAM -> new Adam(rate, config.beta1(), config.beta2(), config.epsilon(), config.weightDecay(), step);
        };
    }

    public Config config() {
        return config;
    }

    /** The current learning rate (a schedule changes it). */
    public double lr() {
        return lr;
    }

    public void setLr(double lr) {
        this.lr = lr;
    }

    /** Number of steps taken (Adam's bias correction and AdaGrad's learning-rate decay use it). */
    public long steps() {
        return steps;
    }

    public void setSteps(long steps) {
        this.steps = steps;
    }

    /** The state tensors by name (for checkpoints). */
    public Map<String, Tensor> state() {
        return java.util.Collections.unmodifiableMap(state);
    }

    /**
     * One update of every parameter from its gradient: one multi-tensor operator call ({@link Sgd.Steps},
     * {@link Adagrad.Steps}, {@link RmsProp.Steps}, {@link Adam.Steps}) over all parameters, which a GPU backend
     * runs as one launch per 16 tensors; element for element the update of the single-tensor step.
     */
    public void step() {
        steps++;
        if (params.isEmpty()) {
            return;
        }
        Object rule = record(lr, steps);
        switch (rule) {
            case Sgd s -> backend.execute(new Sgd.Steps(s, values, grads, s.momentum() != 0
                    ? stateList("momentum_buffer") : null));
            case Adagrad a -> backend.execute(new Adagrad.Steps(a, values, grads, stateList("sum")));
            case RmsProp r -> backend.execute(new RmsProp.Steps(r, values, grads, stateList("square_avg")));
            case Adam a -> backend.execute(new Adam.Steps(a, values, grads, stateList("exp_avg"),
                    stateList("exp_avg_sq")));
            default -> throw new IllegalStateException("unknown rule " + rule);
        }
    }

    /** The state tensors called {@code name} of every parameter, in the parameters' order. */
    private List<Tensor> stateList(String name) {
        return stateLists.computeIfAbsent(name, n -> params.stream().map(e -> state.get(e.getKey() + "." + n))
                .toList());
    }

    @Override
    public void close() {
        for (Tensor t : state.values()) {
            t.close();
        }
        state.clear();
        stateLists.clear();
    }
}
