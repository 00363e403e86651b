package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ActivationReferenceTest.assertArrayClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Adagrad;
import org.cnn4j.ops.Adam;
import org.cnn4j.ops.RmsProp;
import org.cnn4j.ops.Sgd;
import org.junit.jupiter.api.Test;

/**
 * Optimizer steps on the reference against steps worked by hand. Each parameter is the pair (p, -p) with the
 * gradient (g, -g), so the second element must always be the negated first.
 */
class OptimizerReferenceTest {
    private static final Shape PAIR = Shape.of(2);
    private static final double TOL = 1e-12;

    private static double[] pair(double v) {
        return new double[] {v, -v};
    }

    @Test
    void plainSgd() {
        // p = 1, g = 0.5, lr = 0.1: p = 1 - 0.05 = 0.95; again: 0.95 - 0.05 = 0.9
        try (RefScratch ref = new RefScratch()) {
            Tensor p = ref.f64(PAIR, pair(1));
            Tensor g = ref.f64(PAIR, pair(0.5));
            ref.run(new Sgd.Step(Sgd.plain(0.1), p, g, null));
            assertArrayClose(pair(0.95), p.toDoubleArray(), TOL);
            ref.run(new Sgd.Step(Sgd.plain(0.1), p, g, null));
            assertArrayClose(pair(0.9), p.toDoubleArray(), TOL);
            assertArrayClose(pair(0.5), g.toDoubleArray(), 0);
        }
    }

    @Test
    void sgdMomentumTwoSteps() {
        // lr 0.1, momentum 0.9, g = 0.5 both steps:
        // step 1: buf = 0.9 * 0 + 0.5 = 0.5,   p = 1 - 0.1 * 0.5 = 0.95
        // step 2: buf = 0.9 * 0.5 + 0.5 = 0.95, p = 0.95 - 0.1 * 0.95 = 0.855
        Sgd sgd = new Sgd(0.1, 0.9, 0, false);
        try (RefScratch ref = new RefScratch()) {
            Tensor p = ref.f64(PAIR, pair(1));
            Tensor g = ref.f64(PAIR, pair(0.5));
            Tensor buf = ref.zeros(PAIR);
            ref.run(new Sgd.Step(sgd, p, g, buf));
            assertArrayClose(pair(0.5), buf.toDoubleArray(), TOL);
            assertArrayClose(pair(0.95), p.toDoubleArray(), TOL);
            ref.run(new Sgd.Step(sgd, p, g, buf));
            assertArrayClose(pair(0.95), buf.toDoubleArray(), TOL);
            assertArrayClose(pair(0.855), p.toDoubleArray(), TOL);
        }
    }

    @Test
    void sgdNesterovTwoSteps() {
        // lr 0.1, momentum 0.9, nesterov, g = 0.5 both steps:
        // step 1: buf = 0.5,  update g + 0.9 buf = 0.5 + 0.45 = 0.95,   p = 1 - 0.095 = 0.905
        // step 2: buf = 0.95, update 0.5 + 0.9 * 0.95 = 1.355,           p = 0.905 - 0.1355 = 0.7695
        Sgd sgd = new Sgd(0.1, 0.9, 0, true);
        try (RefScratch ref = new RefScratch()) {
            Tensor p = ref.f64(PAIR, pair(1));
            Tensor g = ref.f64(PAIR, pair(0.5));
            Tensor buf = ref.zeros(PAIR);
            ref.run(new Sgd.Step(sgd, p, g, buf));
            assertArrayClose(pair(0.905), p.toDoubleArray(), TOL);
            ref.run(new Sgd.Step(sgd, p, g, buf));
            assertArrayClose(pair(0.95), buf.toDoubleArray(), TOL);
            assertArrayClose(pair(0.7695), p.toDoubleArray(), TOL);
        }
    }

    @Test
    void sgdWeightDecay() {
        // p = 2, g = 0.5, weight decay 0.01, lr 0.1: g' = 0.5 + 0.02 = 0.52, p = 2 - 0.052 = 1.948
        try (RefScratch ref = new RefScratch()) {
            Tensor p = ref.f64(PAIR, pair(2));
            Tensor g = ref.f64(PAIR, pair(0.5));
            ref.run(new Sgd.Step(new Sgd(0.1, 0, 0.01, false), p, g, null));
            assertArrayClose(pair(1.948), p.toDoubleArray(), TOL);
            assertArrayClose(pair(0.5), g.toDoubleArray(), 0);
        }
    }

    @Test
    void sgdWeightDecayWithMomentum() {
        // p = 2, g = 0.5, weight decay 0.01, momentum 0.9, lr 0.1:
        // step 1: g' = 0.52,                 buf = 0.52,                  p = 2 - 0.052 = 1.948
        // step 2: g' = 0.5 + 0.01948 = 0.51948, buf = 0.468 + 0.51948 = 0.98748, p = 1.948 - 0.098748 = 1.849252
        Sgd sgd = new Sgd(0.1, 0.9, 0.01, false);
        try (RefScratch ref = new RefScratch()) {
            Tensor p = ref.f64(PAIR, pair(2));
            Tensor g = ref.f64(PAIR, pair(0.5));
            Tensor buf = ref.zeros(PAIR);
            ref.run(new Sgd.Step(sgd, p, g, buf));
            assertArrayClose(pair(1.948), p.toDoubleArray(), TOL);
            ref.run(new Sgd.Step(sgd, p, g, buf));
            assertArrayClose(pair(0.98748), buf.toDoubleArray(), TOL);
            assertArrayClose(pair(1.849252), p.toDoubleArray(), TOL);
        }
    }

    @Test
    void adagradTwoSteps() {
        // lr 0.1, eps 1e-10, p = 1, g = 0.5 both steps:
        // step 1: sum = 0.25, p = 1 - 0.1 * 0.5 / (0.5 + 1e-10) = 0.90000000002
        // step 2: sum = 0.5,  p = 0.9 - 0.05 / sqrt(0.5) = 0.9 - 0.0707106781 = 0.8292893219113453
        Adagrad adagrad = new Adagrad(0.1, 1e-10, 0);
        try (RefScratch ref = new RefScratch()) {
            Tensor p = ref.f64(PAIR, pair(1));
            Tensor g = ref.f64(PAIR, pair(0.5));
            Tensor sum = ref.zeros(PAIR);
            ref.run(new Adagrad.Step(adagrad, p, g, sum));
            assertArrayClose(new double[] {0.25, 0.25}, sum.toDoubleArray(), TOL);
            assertArrayClose(pair(0.90000000002), p.toDoubleArray(), TOL);
            ref.run(new Adagrad.Step(adagrad, p, g, sum));
            assertArrayClose(new double[] {0.5, 0.5}, sum.toDoubleArray(), TOL);
            assertArrayClose(pair(0.8292893219113453), p.toDoubleArray(), TOL);
        }
    }

    @Test
    void rmsPropTwoSteps() {
        // lr 0.01, alpha 0.99, eps 1e-8, p = 1, g = 0.5 both steps:
        // step 1: v = 0.01 * 0.25 = 0.0025, sqrt 0.05,   p = 1 - 0.01 * 0.5 / (0.05 + 1e-8) = 0.900000019999996
        // step 2: v = 0.99 * 0.0025 + 0.0025 = 0.004975, sqrt 0.0705336799,
        //         p = 0.9000000200 - 0.005 / 0.0705336899 = 0.8291119095494123
        RmsProp rms = new RmsProp(0.01, 0.99, 1e-8, 0);
        try (RefScratch ref = new RefScratch()) {
            Tensor p = ref.f64(PAIR, pair(1));
            Tensor g = ref.f64(PAIR, pair(0.5));
            Tensor v = ref.zeros(PAIR);
            ref.run(new RmsProp.Step(rms, p, g, v));
            assertArrayClose(new double[] {0.0025, 0.0025}, v.toDoubleArray(), TOL);
            assertArrayClose(pair(0.900000019999996), p.toDoubleArray(), TOL);
            ref.run(new RmsProp.Step(rms, p, g, v));
            assertArrayClose(new double[] {0.004975, 0.004975}, v.toDoubleArray(), TOL);
            assertArrayClose(pair(0.8291119095494123), p.toDoubleArray(), TOL);
        }
    }

    @Test
    void adamTwoStepsWithBiasCorrection() {
        // lr 0.1, betas 0.9 / 0.999, eps 1e-8, p = 1; g = 0.5 then 0.25:
        // step 1: m = 0.05, v = 0.00025; m / (1 - 0.9) = 0.5, v / (1 - 0.999) = 0.25, sqrt 0.5;
        //         p = 1 - 0.1 * 0.5 / (0.5 + 1e-8) = 0.9000000019999999
        //         (without the correction it would be 1 - 0.1 * 0.05 / 0.0158 = 0.68377)
        // step 2: m = 0.045 + 0.025 = 0.07, v = 0.00024975 + 0.0000625 = 0.00031225;
        //         m / (1 - 0.81) = 0.3684210526, v / (1 - 0.998001) = 0.1562031016, sqrt 0.3952253807;
        //         p = 0.9000000020 - 0.1 * 0.3684210526 / 0.3952253907 = 0.8067820404774622
        try (RefScratch ref = new RefScratch()) {
            Tensor p = ref.f64(PAIR, pair(1));
            Tensor g = ref.f64(PAIR, pair(0.5));
            Tensor m = ref.zeros(PAIR);
            Tensor v = ref.zeros(PAIR);
            ref.run(new Adam.Step(Adam.defaults(0.1, 1), p, g, m, v));
            assertArrayClose(pair(0.05), m.toDoubleArray(), TOL);
            assertArrayClose(new double[] {0.00025, 0.00025}, v.toDoubleArray(), TOL);
            assertArrayClose(pair(0.9000000019999999), p.toDoubleArray(), TOL);
            Tensor g2 = ref.f64(PAIR, pair(0.25));
            ref.run(new Adam.Step(Adam.defaults(0.1, 2), p, g2, m, v));
            assertArrayClose(pair(0.07), m.toDoubleArray(), TOL);
            assertArrayClose(new double[] {0.00031225, 0.00031225}, v.toDoubleArray(), TOL);
            assertArrayClose(pair(0.8067820404774622), p.toDoubleArray(), TOL);
        }
    }

    @Test
    void weightDecayIsAddedToTheGradientOfAdaptiveSteps() {
        // p = 1, grad = 0.4, weight decay 0.1: g = 0.4 + 0.1 * 1 = 0.5, the first steps above again
        try (RefScratch ref = new RefScratch()) {
            Tensor g = ref.f64(PAIR, pair(0.4));
            Tensor p1 = ref.f64(PAIR, pair(1));
            ref.run(new Adagrad.Step(new Adagrad(0.1, 1e-10, 0.1), p1, g, ref.zeros(PAIR)));
            assertArrayClose(pair(0.90000000002), p1.toDoubleArray(), TOL);
            Tensor p2 = ref.f64(PAIR, pair(1));
            ref.run(new RmsProp.Step(new RmsProp(0.01, 0.99, 1e-8, 0.1), p2, g, ref.zeros(PAIR)));
            assertArrayClose(pair(0.900000019999996), p2.toDoubleArray(), TOL);
            Tensor p3 = ref.f64(PAIR, pair(1));
            ref.run(new Adam.Step(new Adam(0.1, 0.9, 0.999, 1e-8, 0.1, 1), p3, g, ref.zeros(PAIR), ref.zeros(PAIR)));
            assertArrayClose(pair(0.9000000019999999), p3.toDoubleArray(), TOL);
            assertArrayClose(pair(0.4), g.toDoubleArray(), 0);
        }
    }

    /**
     * PyTorch 1.13, float64: {@code Adagrad([p], lr=0.1, lr_decay=0.5, weight_decay=0.01, eps=1e-10)} from
     * p = (0.5, -1, 2) over four gradients; step t runs at 0.1 / (1 + (t - 1) * 0.5).
     */
    @Test
    void adagradLrDecayMatchesTorchOverFourSteps() {
        Shape s = Shape.of(3);
        double[][] grads = {{0.3, -0.2, 1.0}, {0.1, 0.4, -0.5}, {-0.6, 0.2, 0.3}, {0.05, -0.1, 0.2}};
        double[][] params = {{0.4000000000327869, -0.900000000047619, 1.9000000000098038},
            {0.37848419257308247, -0.9587318024943442, 1.9284348581497888},
            {0.4224705911747658, -0.9784454156406722, 1.914814104679077},
            {0.4192803983357674, -0.9695787491889776, 1.9074623787252105}};
        double[][] sums = {{0.093025, 0.04410000000000001, 1.0404},
            {0.1038410000000682, 0.19698099999962765, 1.2717609999999058},
            {0.45931351471759396, 0.23323798945656168, 1.3737034952490172},
            {0.4622538334488095, 0.24529061583098186, 1.4217294029732814}};
        try (RefScratch ref = new RefScratch()) {
            Tensor p = ref.f64(s, 0.5, -1.0, 2.0);
            Tensor sum = ref.zeros(s);
            for (int t = 1; t <= 4; t++) {
                Adagrad a = new Adagrad(0.1, 1e-10, 0.01, 0.5, t);
                assertEquals(0.1 / (1 + (t - 1) * 0.5), a.clr(), 1e-17);
                ref.run(new Adagrad.Step(a, p, ref.f64(s, grads[t - 1]), sum));
                assertArrayClose(params[t - 1], p.toDoubleArray(), TOL);
                assertArrayClose(sums[t - 1], sum.toDoubleArray(), TOL);
            }
        }
    }

    @Test
    void adagradWithoutDecayIgnoresTheStep() {
        assertEquals(new Adagrad(0.1, 1e-10, 0).clr(), new Adagrad(0.1, 1e-10, 0, 0, 1000).clr(), 0);
        assertEquals(0.1, new Adagrad(0.1, 1e-10, 0, 0, 1000).clr(), 0);
    }
}
