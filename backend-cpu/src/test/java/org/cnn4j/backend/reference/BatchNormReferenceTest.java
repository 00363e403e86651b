package org.cnn4j.backend.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.BatchNorm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** BatchNorm on the reference backend: hand-computed forwards, running statistics, gradient checks. */
class BatchNormReferenceTest extends ReferenceTestSupport {
    // ---- hand-computed values ----------------------------------------------------------------------------

    /**
     * Channel 0 holds (1, 3, 5, 7): mean 4, biased var 20/4 = 5; channel 1 holds (0, 0, 0, 8): mean 2, var
     * (4+4+4+36)/4 = 12. With epsilon 4 the standard deviations are 3 and 4, so xhat is (-1, -1/3, 1/3, 1) and
     * (-1/2, -1/2, -1/2, 3/2); gamma (2, -1) and beta (1, 1/2) give y = (-1, 1/3, 5/3, 3) and (1, 1, 1, -1).
     * Running averages from mean 0, var 1, momentum 0.1: mean (0.4, 0.2), var 0.9 + 0.1 * (5, 12) * 4/3.
     * The same values are laid out as [N=4, C=2] and as [N=2, C=2, H=1, W=2].
     */
    @ParameterizedTest(name = "rank {0}")
    @ValueSource(ints = {2, 4})
    void handComputedTrainingForward(int rank) {
        Shape shape = rank == 2 ? Shape.of(4, 2) : Shape.of(2, 2, 1, 2);
        double[] xv = rank == 2
                ? new double[] {1, 0, 3, 0, 5, 0, 7, 8}
                : new double[] {1, 3, 0, 0, 5, 7, 0, 8};
        double[] expected = rank == 2
                ? new double[] {-1, 1, 1 / 3.0, 1, 5 / 3.0, 1, 3, -1}
                : new double[] {-1, 1 / 3.0, 1, 1, 5 / 3.0, 3, 1, -1};
        Training t = new Training(new BatchNorm(4, 0.1), tensor(shape, xv), 2);
        t.gamma.copyFrom(new double[] {2, -1});
        t.beta.copyFrom(new double[] {1, 0.5});
        t.run();
        assertArrayEquals(expected, t.y.toDoubleArray(), 1e-15, "y");
        assertArrayEquals(new double[] {4, 2}, t.savedMean.toDoubleArray(), 1e-15, "savedMean");
        assertArrayEquals(new double[] {1 / 3.0, 1 / 4.0}, t.savedInvStd.toDoubleArray(), 1e-15, "savedInvStd");
        assertArrayEquals(new double[] {0.4, 0.2}, t.runningMean.toDoubleArray(), 1e-15, "runningMean");
        assertArrayEquals(new double[] {0.9 + 0.1 * 5 * 4 / 3, 0.9 + 0.1 * 12 * 4 / 3},
                t.runningVar.toDoubleArray(), 1e-15, "runningVar");
    }

    /**
     * Two training steps with PyTorch's defaults (momentum 0.1, running mean 0 and var 1 at the start), m = 4
     * values per channel. Batch 1 (1, 3, 5, 7): mean 4, unbiased var 20/3. Batch 2 (2, 4, 4, 10): mean 5,
     * unbiased var (9+1+1+25)/3 = 12. Running mean: 0.9*0 + 0.1*4 = 0.4, then 0.9*0.4 + 0.1*5 = 0.86.
     * Running var: 0.9*1 + 0.1*20/3 = 1.5666..., then 0.9*1.5666... + 0.1*12 = 1.41 + 1.2 = 2.61.
     */
    @ParameterizedTest(name = "rank {0}")
    @ValueSource(ints = {2, 4})
    void runningStatisticsAfterTwoSteps(int rank) {
        Shape shape = rank == 2 ? Shape.of(4, 1) : Shape.of(1, 1, 2, 2);
        Training t = new Training(BatchNorm.defaults(), tensor(shape, 1, 3, 5, 7), 1);
        t.run();
        assertEquals(0.4, t.runningMean.toDoubleArray()[0], 1e-15, "running mean after step 1");
        assertEquals(0.9 + 0.1 * 20 / 3, t.runningVar.toDoubleArray()[0], 1e-15, "running var after step 1");
        t.x.copyFrom(new double[] {2, 4, 4, 10});
        t.run();
        assertEquals(0.86, t.runningMean.toDoubleArray()[0], 1e-15, "running mean after step 2");
        assertEquals(2.61, t.runningVar.toDoubleArray()[0], 1e-14, "running var after step 2");
        // the normalisation itself uses the biased variance: batch 2 has var 36/4 = 9
        double inv = 1 / Math.sqrt(9 + 1e-5);
        assertArrayEquals(new double[] {-3 * inv, -inv, -inv, 5 * inv}, t.y.toDoubleArray(), 1e-15, "y");
    }

    /** Inference: (x - 1) / sqrt(3 + 1) * 2 + 0.5 for x = (3, -1) and (x - 0) / sqrt(0 + 1) * 1 + 0 for (5, 7). */
    @Test
    void handComputedInference() {
        BatchNorm bn = new BatchNorm(1, 0.1);
        Tensor x = tensor(Shape.of(2, 2), 3, 5, -1, 7);
        Tensor y = poisoned(Shape.of(2, 2));
        backend.execute(new BatchNorm.ForwardInference(bn, x, tensor(Shape.of(2), 2, 1), tensor(Shape.of(2), 0.5, 0),
                tensor(Shape.of(2), 1, 0), tensor(Shape.of(2), 3, 0), y));
        assertArrayEquals(new double[] {2.5, 5, -1.5, 7}, y.toDoubleArray(), 1e-15);
    }

    /** dGamma = sum(dy * xhat) and dBeta = sum(dy) for the hand-computed channel (1, 3, 5, 7) above. */
    @Test
    void handComputedParameterGradients() {
        Training t = new Training(new BatchNorm(4, 0.1), tensor(Shape.of(4, 1), 1, 3, 5, 7), 1);
        t.run();
        Tensor dy = tensor(Shape.of(4, 1), 1, 2, 3, 4);
        Tensor dx = poisoned(Shape.of(4, 1));
        Tensor dGamma = poisoned(Shape.of(1));
        Tensor dBeta = poisoned(Shape.of(1));
        backend.execute(new BatchNorm.Backward(t.bn, t.x, dy, t.gamma, t.savedMean, t.savedInvStd, dx, dGamma,
                dBeta));
        // xhat = (-1, -1/3, 1/3, 1): sum(dy * xhat) = -1 - 2/3 + 1 + 4 = 10/3
        assertEquals(10 / 3.0, dGamma.toDoubleArray()[0], 1e-15, "dGamma");
        assertEquals(10, dBeta.toDoubleArray()[0], 0, "dBeta");
        // dx = gamma * invStd / m * (m*dy - 10 - xhat * 10/3) with gamma 1, invStd 1/3, m 4
        double[] xhat = {-1, -1 / 3.0, 1 / 3.0, 1};
        double[] expected = new double[4];
        for (int i = 0; i < 4; i++) {
            expected[i] = (4 * (i + 1) - 10 - xhat[i] * 10 / 3.0) / 12;
        }
        assertArrayEquals(expected, dx.toDoubleArray(), 1e-15, "dx");
    }

    /**
     * Training forward (with the in-place running averages), inference and backward in float32 are the float64
     * results rounded once (seed 13).
     */
    @Test
    void float32IsFloat64RoundedOnceSeed13() {
        Random rnd = new Random(13);
        Shape xs = Shape.of(3, 4, 2, 5);
        Shape cs = Shape.of(4);
        BatchNorm bn = BatchNorm.defaults();
        double[] xv = Float32Parity.randomFloats(rnd, xs.size());
        double[] dyv = Float32Parity.randomFloats(rnd, xs.size());
        double[] gv = Float32Parity.randomFloats(rnd, 4);
        double[] bv = Float32Parity.randomFloats(rnd, 4);
        double[] mv = Float32Parity.randomFloats(rnd, 4);
        double[] vv = {0.5f, 1.25f, 2, 0.75f};
        double[] isv = {1.5f, 0.25f, 1, 3};
        Float32Parity.check("BatchNorm, seed 13", d -> {
            Tensor x = tensor(xs, d, xv);
            Tensor gamma = tensor(cs, d, gv);
            Tensor beta = tensor(cs, d, bv);
            Tensor runningMean = tensor(cs, d, mv);
            Tensor runningVar = tensor(cs, d, vv);
            Tensor y = zeros(xs, d);
            Tensor savedMean = zeros(cs, d);
            Tensor savedInvStd = zeros(cs, d);
            Tensor yInference = zeros(xs, d);
            Tensor dx = zeros(xs, d);
            Tensor dGamma = zeros(cs, d);
            Tensor dBeta = zeros(cs, d);
            backend.execute(new BatchNorm.ForwardInference(bn, x, gamma, beta, runningMean, runningVar, yInference));
            backend.execute(new BatchNorm.Backward(bn, x, tensor(xs, d, dyv), gamma, tensor(cs, d, mv),
                    tensor(cs, d, isv), dx, dGamma, dBeta));
            backend.execute(new BatchNorm.ForwardTraining(bn, x, gamma, beta, runningMean, runningVar, y, savedMean,
                    savedInvStd));
            return List.of(yInference, dx, dGamma, dBeta, y, savedMean, savedInvStd, runningMean, runningVar);
        });
    }

    // ---- gradient checks -------------------------------------------------------------------------------

    /** One batch normalization to check on input {@code shape}. */
    record Case(String name, long seed, Shape shape, double epsilon) {
        @Override
        public String toString() {
            return name + " (seed " + seed + "): x " + shape + ", epsilon " + epsilon;
        }
    }

    static Stream<Case> cases() {
        List<Case> list = new ArrayList<>(List.of(
                new Case("[N, C]", 101, Shape.of(4, 3), 1e-5),
                new Case("[N, C] two per channel", 102, Shape.of(2, 5), 1e-5),
                new Case("[N, C] one channel, large epsilon", 103, Shape.of(7, 1), 0.5),
                new Case("[N, C, H, W]", 104, Shape.of(2, 3, 4, 5), 1e-5),
                new Case("[N, C, H, W] batch 1", 105, Shape.of(1, 2, 3, 3), 1e-3),
                new Case("[N, C, H, W] 1x1 images", 106, Shape.of(3, 4, 1, 1), 1e-5),
                new Case("[N, C, H, W] two values per channel", 107, Shape.of(1, 4, 1, 2), 1e-5)));
        for (long seed = 1; seed <= 6; seed++) {
            Random r = new Random(seed);
            Shape s = r.nextBoolean()
                    ? Shape.of(2 + r.nextInt(6), 1 + r.nextInt(5))
                    : Shape.of(1 + r.nextInt(3), 1 + r.nextInt(4), 1 + r.nextInt(4), 2 + r.nextInt(3));
            list.add(new Case("random", seed, s, r.nextBoolean() ? 1e-5 : 0.1));
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientsMatchFiniteDifferences(Case t) {
        Random rnd = new Random(t.seed);
        int c = t.shape.dim(1);
        Training f = new Training(new BatchNorm(t.epsilon, 0.1), tensor(t.shape, GradCheck.random(rnd,
                t.shape.size())), c);
        f.gamma.copyFrom(GradCheck.random(rnd, c));
        f.beta.copyFrom(GradCheck.random(rnd, c));
        double[] r = GradCheck.random(rnd, t.shape.size());
        f.run();
        Tensor dx = poisoned(t.shape);
        Tensor dGamma = poisoned(Shape.of(c));
        Tensor dBeta = poisoned(Shape.of(c));
        backend.execute(new BatchNorm.Backward(f.bn, f.x, tensor(t.shape, r), f.gamma, f.savedMean,
                f.savedInvStd, dx, dGamma, dBeta));
        GradCheck.check(t.toString(), List.of(f.x, f.gamma, f.beta), List.of(dx, dGamma, dBeta), () -> {
            f.run();
            return GradCheck.dot(f.y, r);
        }, rnd, 200);
    }

    // ---- inference-mode backward (running statistics as constants) ------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void inferenceGradientsMatchFiniteDifferences(Case t) {
        Random rnd = new Random(t.seed + 1000);
        int c = t.shape.dim(1);
        Shape cs = Shape.of(c);
        BatchNorm bn = new BatchNorm(t.epsilon, 0.1);
        Tensor x = tensor(t.shape, GradCheck.random(rnd, t.shape.size()));
        Tensor gamma = tensor(cs, GradCheck.random(rnd, c));
        Tensor beta = tensor(cs, GradCheck.random(rnd, c));
        Tensor runMean = tensor(cs, GradCheck.random(rnd, c));
        double[] var = GradCheck.random(rnd, c);
        for (int k = 0; k < c; k++) {
            var[k] = 0.2 + Math.abs(var[k]);
        }
        Tensor runVar = tensor(cs, var);
        double[] r = GradCheck.random(rnd, t.shape.size());
        Tensor y = poisoned(t.shape);
        Tensor dx = poisoned(t.shape);
        Tensor dGamma = poisoned(cs);
        Tensor dBeta = poisoned(cs);
        backend.execute(new BatchNorm.BackwardInference(bn, x, tensor(t.shape, r), gamma, runMean, runVar, dx,
                dGamma, dBeta));
        GradCheck.check("inference " + t, List.of(x, gamma, beta), List.of(dx, dGamma, dBeta), () -> {
            backend.execute(new BatchNorm.ForwardInference(bn, x, gamma, beta, runMean, runVar, y));
            return GradCheck.dot(y, r);
        }, rnd, 200);
    }

    /**
     * PyTorch 1.13, float64: {@code BatchNorm2d(2)} in {@code eval()} with weight (1.5, -0.75), bias (0.1, 0.2),
     * running mean (0.3, -0.4), running var (2, 0.5) (all float64), x as below and dy = 0.25 * arange(16) - 1.5.
     */
    @Test
    void inferenceBackwardMatchesTorch() {
        Shape xs = Shape.of(2, 2, 2, 2);
        Shape cs = Shape.of(2);
        Tensor x = tensor(xs, 0.5, -1.0, 2.0, 0.25, 1.5, 3.0, -0.5, 0.75, -2.0, 1.0, 0.0, 1.25, 2.5, -1.5, 0.5, 1.0);
        double[] g = new double[16];
        for (int i = 0; i < 16; i++) {
            g[i] = 0.25 * i - 1.5;
        }
        Tensor dx = poisoned(xs);
        Tensor dGamma = poisoned(cs);
        Tensor dBeta = poisoned(cs);
        backend.execute(new BatchNorm.BackwardInference(BatchNorm.defaults(), x, tensor(xs, g), tensor(cs, 1.5, -0.75),
                tensor(cs, 0.3, -0.4), tensor(cs, 2.0, 0.5), dx, dGamma, dBeta));
        assertArrayEquals(new double[] {-1.5909862802090033, -1.3258219001741693, -1.0606575201393356,
            -0.7954931401045017, 0.5303247826686, 0.2651623913343, -0.0, -0.2651623913343, 0.5303287600696678,
            0.7954931401045017, 1.0606575201393356, 1.3258219001741693, -1.5909743480057998, -1.8561367393401,
            -2.1212991306744, -2.3864615220087}, dx.toDoubleArray(), 1e-13, "dx");
        assertArrayEquals(new double[] {-0.05303287600696682, 8.290744102385782}, dGamma.toDoubleArray(), 1e-13,
                "dGamma");
        assertArrayEquals(new double[] {-1.0, 7.0}, dBeta.toDoubleArray(), 1e-13, "dBeta");
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    /** The tensors of one training-mode forward; running statistics start at PyTorch's 0 and 1. */
    private final class Training {
        final BatchNorm bn;
        final Tensor x, gamma, beta, runningMean, runningVar, y, savedMean, savedInvStd;

        Training(BatchNorm bn, Tensor x, int channels) {
            this.bn = bn;
            this.x = x;
            Shape c = Shape.of(channels);
            double[] ones = new double[channels];
            Arrays.fill(ones, 1);
            gamma = tensor(c, ones);
            beta = tensor(c, new double[channels]);
            runningMean = tensor(c, new double[channels]);
            runningVar = tensor(c, ones);
            y = poisoned(x.shape());
            savedMean = poisoned(c);
            savedInvStd = poisoned(c);
        }

        void run() {
            backend.execute(new BatchNorm.ForwardTraining(bn, x, gamma, beta, runningMean, runningVar, y, savedMean,
                    savedInvStd));
        }
    }
}
