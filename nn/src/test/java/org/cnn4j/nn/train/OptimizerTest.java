package org.cnn4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.cnn4j.backend.reference.ReferenceBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.nn.Parameter;
import org.junit.jupiter.api.Test;

/** The optimizer's AdaGrad learning-rate decay against PyTorch's {@code torch.optim.Adagrad}. */
class OptimizerTest {
    /**
     * PyTorch 1.13, float64: {@code Adagrad([p], lr=0.1, lr_decay=0.5, weight_decay=0.01, eps=1e-10)} from
     * p = (0.5, -1, 2); step t runs at 0.1 / (1 + (t - 1) * 0.5), t counted by the optimizer.
     */
    @Test
    void adagradLrDecayFollowsTorchOverFourSteps() {
        double[][] grads = {{0.3, -0.2, 1.0}, {0.1, 0.4, -0.5}, {-0.6, 0.2, 0.3}, {0.05, -0.1, 0.2}};
        double[][] want = {{0.4000000000327869, -0.900000000047619, 1.9000000000098038},
            {0.37848419257308247, -0.9587318024943442, 1.9284348581497888},
            {0.4224705911747658, -0.9784454156406722, 1.914814104679077},
            {0.4192803983357674, -0.9695787491889776, 1.9074623787252105}};
        Shape s = Shape.of(3);
        try (Backend b = new ReferenceBackend(); Parameter p = Parameter.allocate(b, "w", s, true)) {
            p.value().copyFrom(new double[] {0.5, -1, 2});
            Optimizer.Config c = Optimizer.Config.defaults(Optimizer.Kind.ADAGRAD, 0.1).withWeightDecay(0.01)
                    .withLrDecay(0.5);
            assertEquals(0.5, c.lrDecay());
            try (Optimizer o = new Optimizer(b, Map.of("w", p), c)) {
                for (int t = 0; t < 4; t++) {
                    p.grad().copyFrom(grads[t]);
                    o.step();
                    // the reference keeps float32 tensors in float precision: compare at float resolution
                    assertArrayEquals(want[t], p.value().toDoubleArray(), 1e-6, "step " + (t + 1));
                }
            }
        }
    }

    @Test
    void theDefaultsHaveNoLrDecayAndTheNineArgumentConfigKeepsIt() {
        assertEquals(0, Optimizer.Config.defaults(Optimizer.Kind.ADAGRAD, 0.01).lrDecay());
        Optimizer.Config c = new Optimizer.Config(Optimizer.Kind.ADAGRAD, 0.01, 0, false, 0, 0.9, 0.999, 0.99, 1e-10);
        assertEquals(0, c.lrDecay());
        assertEquals(0.25, c.withLrDecay(0.25).withMomentum(0.5).withWeightDecay(1e-4).lrDecay());
    }

    /** Checkpoints compare this string on resume: without decay it is the nine-component record's form. */
    @Test
    void theConfigStringOfARunWithoutDecayIsUnchanged() {
        Optimizer.Config c = Optimizer.Config.defaults(Optimizer.Kind.ADAM, 0.002);
        assertEquals("Config[kind=ADAM, lr=0.002, momentum=0.0, nesterov=false, weightDecay=0.0, beta1=0.9, "
                + "beta2=0.999, alpha=0.99, epsilon=1.0E-8]", c.toString());
        assertEquals("Config[kind=ADAGRAD, lr=0.01, momentum=0.0, nesterov=false, weightDecay=0.0, beta1=0.9, "
                + "beta2=0.999, alpha=0.99, epsilon=1.0E-10, lrDecay=0.5]",
                Optimizer.Config.defaults(Optimizer.Kind.ADAGRAD, 0.01).withLrDecay(0.5).toString());
    }
}
