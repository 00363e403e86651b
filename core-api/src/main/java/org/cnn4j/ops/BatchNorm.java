package org.cnn4j.ops;

import static org.cnn4j.ops.Check.fail;

import java.util.Map;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;

/**
 * Batch normalization over channel axis 1 of {@code [N, C]} (PyTorch's {@code BatchNorm1d}) or
 * {@code [N, C, H, W]} ({@code BatchNorm2d}) input. Statistics are taken per channel over N (and H, W).
 *
 * <pre>
 *   training:  mean = E[x], var = E[(x - mean)^2] (biased), y = (x - mean) / sqrt(var + epsilon) * gamma + beta
 *              runningMean = (1 - momentum) * runningMean + momentum * mean
 *              runningVar  = (1 - momentum) * runningVar  + momentum * var * m / (m - 1)   (unbiased, m = N*H*W)
 *   inference: y = (x - runningMean) / sqrt(runningVar + epsilon) * gamma + beta
 *   inference backward (the statistics are constants): invStd = 1 / sqrt(runningVar + epsilon)
 *              dx = dy * gamma * invStd, dGamma = sum(dy * (x - runningMean) * invStd), dBeta = sum(dy)
 * </pre>
 * PyTorch's defaults are {@code epsilon = 1e-5}, {@code momentum = 0.1}.
 *
 * @param epsilon  added to the variance, positive
 * @param momentum weight of the new batch statistic in the running averages, in [0, 1]
 */
public record BatchNorm(double epsilon, double momentum) {
    public BatchNorm {
        Check.positive("BatchNorm", "epsilon", epsilon);
        Check.range("BatchNorm", "momentum", momentum, 0, 1, false);
    }

    /** PyTorch's defaults: epsilon 1e-5, momentum 0.1. */
    public static BatchNorm defaults() {
        return new BatchNorm(1e-5, 0.1);
    }

    private static Shape channels(String op, Tensor x) {
        Check.rankIn(op, "x", x, 2, 4);
        return Shape.of(x.shape().dim(1));
    }

    /** Normalizes with batch statistics, updates the running averages in place, saves mean and 1/std. */
    public record ForwardTraining(BatchNorm bn, Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
            Tensor runningVar, Tensor y, Tensor savedMean, Tensor savedInvStd) implements Op {
        public ForwardTraining {
            Check.descriptor("BatchNorm.ForwardTraining", "bn", bn);
            String op = "BatchNorm.ForwardTraining";
            Shape c = channels(op, x);
            Shape s = x.shape();
            long m = (long) s.size() / s.dim(1);
            if (m < 2) {
                throw fail(op, "x " + s + " has " + m + " value per channel; training needs more than 1");
            }
            for (var e : Check.operands("gamma", gamma, "beta", beta, "runningMean", runningMean,
                    "runningVar", runningVar, "savedMean", savedMean, "savedInvStd", savedInvStd).entrySet()) {
                Check.shape(op, e.getKey(), e.getValue(), c, "one per channel of x " + s);
            }
            Check.present(op, "gamma", gamma);
            Check.present(op, "beta", beta);
            Check.present(op, "runningMean", runningMean);
            Check.present(op, "runningVar", runningVar);
            Check.present(op, "savedMean", savedMean);
            Check.present(op, "savedInvStd", savedInvStd);
            Check.sameShape(op, "y", y, "x", x);
            Check.dtype(op, Check.operands("x", x, "gamma", gamma, "beta", beta, "runningMean", runningMean,
                    "runningVar", runningVar, "y", y, "savedMean", savedMean, "savedInvStd", savedInvStd));
        }

        @Override
        public DType dtype() {
            return x.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("x", x, "gamma", gamma, "beta", beta, "runningMean", runningMean,
                    "runningVar", runningVar);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("y", y, "runningMean", runningMean, "runningVar", runningVar,
                    "savedMean", savedMean, "savedInvStd", savedInvStd);
        }
    }

    /** Normalizes with the running statistics. */
    public record ForwardInference(BatchNorm bn, Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
            Tensor runningVar, Tensor y) implements Op {
        public ForwardInference {
            Check.descriptor("BatchNorm.ForwardInference", "bn", bn);
            String op = "BatchNorm.ForwardInference";
            Shape c = channels(op, x);
            Check.shape(op, "gamma", gamma, c, "one per channel of x " + x.shape());
            Check.shape(op, "beta", beta, c, "one per channel of x " + x.shape());
            Check.shape(op, "runningMean", runningMean, c, "one per channel of x " + x.shape());
            Check.shape(op, "runningVar", runningVar, c, "one per channel of x " + x.shape());
            Check.sameShape(op, "y", y, "x", x);
            Check.dtype(op, Check.operands("x", x, "gamma", gamma, "beta", beta, "runningMean", runningMean,
                    "runningVar", runningVar, "y", y));
        }

        @Override
        public DType dtype() {
            return x.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("x", x, "gamma", gamma, "beta", beta, "runningMean", runningMean,
                    "runningVar", runningVar);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("y", y);
        }
    }

    /**
     * Gradients of the training-mode forward: {@code dx}, {@code dGamma}, {@code dBeta}, from {@code x},
     * {@code dy} and the mean and 1/std that {@link ForwardTraining} saved.
     */
    public record Backward(BatchNorm bn, Tensor x, Tensor dy, Tensor gamma, Tensor savedMean, Tensor savedInvStd,
            Tensor dx, Tensor dGamma, Tensor dBeta) implements Op {
        public Backward {
            Check.descriptor("BatchNorm.Backward", "bn", bn);
            String op = "BatchNorm.Backward";
            Shape c = channels(op, x);
            Check.sameShape(op, "dy", dy, "x", x);
            Check.sameShape(op, "dx", dx, "x", x);
            Check.shape(op, "gamma", gamma, c, "one per channel of x " + x.shape());
            Check.shape(op, "savedMean", savedMean, c, "one per channel of x " + x.shape());
            Check.shape(op, "savedInvStd", savedInvStd, c, "one per channel of x " + x.shape());
            Check.shape(op, "dGamma", dGamma, c, "one per channel of x " + x.shape());
            Check.shape(op, "dBeta", dBeta, c, "one per channel of x " + x.shape());
            Check.dtype(op, Check.operands("x", x, "dy", dy, "gamma", gamma, "savedMean", savedMean,
                    "savedInvStd", savedInvStd, "dx", dx, "dGamma", dGamma, "dBeta", dBeta));
        }

        @Override
        public DType dtype() {
            return x.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("x", x, "dy", dy, "gamma", gamma, "savedMean", savedMean,
                    "savedInvStd", savedInvStd);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("dx", dx, "dGamma", dGamma, "dBeta", dBeta);
        }
    }

    /**
     * Gradients of the inference-mode forward ({@link ForwardInference}), PyTorch's backward of a module in
     * {@code eval()} mode (fine-tuning with frozen statistics): the running mean and variance are constants, so
     * {@code dx = dy * gamma / sqrt(runningVar + epsilon)}, {@code dGamma = sum(dy * (x - runningMean) /
     * sqrt(runningVar + epsilon))} and {@code dBeta = sum(dy)} per channel.
     */
    public record BackwardInference(BatchNorm bn, Tensor x, Tensor dy, Tensor gamma, Tensor runningMean,
            Tensor runningVar, Tensor dx, Tensor dGamma, Tensor dBeta) implements Op {
        public BackwardInference {
            Check.descriptor("BatchNorm.BackwardInference", "bn", bn);
            String op = "BatchNorm.BackwardInference";
            Shape c = channels(op, x);
            Check.sameShape(op, "dy", dy, "x", x);
            Check.sameShape(op, "dx", dx, "x", x);
            Check.shape(op, "gamma", gamma, c, "one per channel of x " + x.shape());
            Check.shape(op, "runningMean", runningMean, c, "one per channel of x " + x.shape());
            Check.shape(op, "runningVar", runningVar, c, "one per channel of x " + x.shape());
            Check.shape(op, "dGamma", dGamma, c, "one per channel of x " + x.shape());
            Check.shape(op, "dBeta", dBeta, c, "one per channel of x " + x.shape());
            Check.dtype(op, Check.operands("x", x, "dy", dy, "gamma", gamma, "runningMean", runningMean,
                    "runningVar", runningVar, "dx", dx, "dGamma", dGamma, "dBeta", dBeta));
        }

        @Override
        public DType dtype() {
            return x.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("x", x, "dy", dy, "gamma", gamma, "runningMean", runningMean,
                    "runningVar", runningVar);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("dx", dx, "dGamma", dGamma, "dBeta", dBeta);
        }
    }
}
