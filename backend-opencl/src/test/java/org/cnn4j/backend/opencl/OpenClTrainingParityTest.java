package org.cnn4j.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import org.cnn4j.backend.reference.ReferenceBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Parameter;
import org.cnn4j.nn.models.Model;
import org.cnn4j.nn.models.Models;
import org.cnn4j.nn.train.Optimizer;
import org.cnn4j.ops.Loss;
import org.junit.jupiter.api.Test;

/**
 * LeNet-5 trained on the OpenCL device and on the reference, from the same seed on the same batches, must agree
 * step for step: the loss of every step and every parameter after it, within float32 tolerance.
 */
class OpenClTrainingParityTest {
    private static final int STEPS = 6;
    private static final int BATCH = 16;
    private static final long SEED = 20261122L;

    @Test
    void lenet5TrainsStepForStepAsTheReference() {
        OpenClTestSupport.requireDevice();
        try (Backend cl = OpenClBackend.open(); Backend ref = new ReferenceBackend();
                Run a = new Run(cl); Run b = new Run(ref)) {
            SplittableRandom data = new SplittableRandom(SEED);
            for (int step = 1; step <= STEPS; step++) {
                float[] x = new float[BATCH * 28 * 28];
                float[] t = new float[BATCH * 10];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) data.nextDouble();
                }
                for (int n = 0; n < BATCH; n++) {
                    t[n * 10 + data.nextInt(10)] = 1;
                }
                double la = a.step(x, t);
                double lb = b.step(x, t);
                assertEquals(lb, la, 1e-4 * Math.max(1, Math.abs(lb)), "loss at step " + step);
                for (Map.Entry<String, Parameter> e : b.model.net().parameters().entrySet()) {
                    float[] want = e.getValue().value().toFloatArray();
                    float[] got = a.model.net().parameters().get(e.getKey()).value().toFloatArray();
                    double worst = 0;
                    for (int i = 0; i < want.length; i++) {
                        worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1e-3 + Math.abs(want[i])));
                    }
                    assertTrue(worst < 1e-3, e.getKey() + " after step " + step + " differs by " + worst
                            + " (relative to 1e-3 + |reference|)");
                }
            }
        }
    }

    /** One model, optimizer and loss on one backend. */
    private static final class Run implements AutoCloseable {
        final Backend backend;
        final Model model;
        final Optimizer optimizer;
        final Tensor x;
        final Tensor target;
        final Tensor loss;
        Tensor dLogits;

        Run(Backend backend) {
            this.backend = backend;
            this.model = Models.create("lenet5", backend, Shape.of(1, 28, 28), 10, SEED);
            this.optimizer = new Optimizer(backend, model.net().parameters(),
                    Optimizer.Config.defaults(Optimizer.Kind.ADAM, 1e-3));
            this.x = backend.allocate(Shape.of(BATCH, 1, 28, 28));
            this.target = backend.allocate(Shape.of(BATCH, 10));
            this.loss = backend.allocate(Shape.scalar());
        }

        double step(float[] hx, float[] ht) {
            x.copyFrom(hx);
            target.copyFrom(ht);
            Tensor logits = model.net().forward(x);
            backend.execute(new Loss.Forward(Loss.softmaxCrossEntropy(), logits, target, loss));
            if (dLogits == null) {
                dLogits = backend.allocate(logits.shape());
            }
            backend.execute(new Loss.Backward(Loss.softmaxCrossEntropy(), logits, target, dLogits));
            model.net().backward(dLogits);
            optimizer.step();
            return loss.toFloatArray()[0];
        }

        @Override
        public void close() {
            optimizer.close();
            model.close();
            for (Tensor t : new Tensor[] {x, target, loss, dLogits}) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }
}
