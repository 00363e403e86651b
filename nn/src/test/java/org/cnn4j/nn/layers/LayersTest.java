package org.cnn4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.cnn4j.backend.reference.ReferenceBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Init;
import org.cnn4j.nn.Parameter;
import org.cnn4j.nn.models.Model;
import org.cnn4j.nn.models.Models;
import org.cnn4j.ops.Loss;
import org.junit.jupiter.api.Test;

class LayersTest {
    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    @Test
    void stateDictNamesFollowPyTorch() {
        try (Backend b = new ReferenceBackend();
                Model m = Models.create("seed002-cnn", b, Shape.of(1, 8, 8), 10, 1)) {
            List<String> names = List.copyOf(m.net().parameters().keySet());
            assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias", "3.weight", "3.bias", "5.weight",
                    "5.bias", "8.weight", "8.bias", "10.weight", "10.bias", "11.weight", "11.bias", "13.weight",
                    "13.bias", "17.weight", "17.bias", "20.weight", "20.bias"), names);
            assertTrue(m.net().buffers().containsKey("2.running_mean"));
            assertTrue(m.net().buffers().containsKey("13.running_var"));
            float[] rv = m.net().buffers().get("2.running_var").toFloatArray();
            assertEquals(1f, rv[0]);
        }
    }

    @Test
    void namedChildrenPrefixTheirNames() {
        try (Backend b = new ReferenceBackend(); Sequential s = new Sequential(b)) {
            s.add("features", new Sequential(b).add(new Conv2d(b, 1, 2, 3, 1, 1)).add(new BatchNorm2d(b, 2)));
            s.add("bn", new BatchNorm1d(b, 4));
            assertTrue(s.parameters().containsKey("features.0.weight"));
            assertTrue(s.parameters().containsKey("features.1.bias"));
            assertTrue(s.buffers().containsKey("bn.running_mean"));
            assertEquals("features.1", s.leaves().get(1).getKey());
        }
    }

    @Test
    void pytorchDefaultInitIsSeededAndBounded() {
        try (Backend b = new ReferenceBackend(); Conv2d c = new Conv2d(b, 6, 16, 5, 1, 0);
                Conv2d d = new Conv2d(b, 6, 16, 5, 1, 0)) {
            c.initialize(Init.PYTORCH_DEFAULT, new SplittableRandom(3));
            d.initialize(Init.PYTORCH_DEFAULT, new SplittableRandom(3));
            float[] w = c.weight().value().toFloatArray();
            assertArrayEquals(w, d.weight().value().toFloatArray());
            double bound = 1 / Math.sqrt(150);
            double max = 0;
            for (float v : w) {
                max = Math.max(max, Math.abs(v));
            }
            assertTrue(max <= bound && max > 0.9 * bound, "max " + max + " bound " + bound);
            c.initialize(Init.KAIMING_NORMAL, new SplittableRandom(4));
            double ss = 0;
            for (float v : c.weight().value().toFloatArray()) {
                ss += v * v;
            }
            double std = Math.sqrt(ss / w.length);
            assertEquals(Math.sqrt(2.0 / 150), std, 0.1 * Math.sqrt(2.0 / 150));
            assertArrayEquals(new float[16], c.bias().value().toFloatArray());
        }
    }

    @Test
    void flattenIsAViewAndAllocatesNothing() {
        try (Backend b = new ReferenceBackend(); Flatten f = new Flatten(b);
                Tensor x = b.fromArray(Shape.of(2, 3, 2, 2), random(24, 1))) {
            long live = b.liveTensors();
            Tensor y = f.forward(x);
            assertEquals(Shape.of(2, 12), y.shape());
            assertArrayEquals(x.toFloatArray(), y.toFloatArray());
            assertSame(y, f.forward(x));
            assertEquals(live, b.liveTensors());
            x.copyFrom(random(24, 2));
            assertArrayEquals(x.toFloatArray(), y.toFloatArray(), "the view sees the input's memory");
        }
    }

    @Test
    void trainingStepsAllocateNothingOnceWarm() {
        try (Backend b = new ReferenceBackend(); Model m = Models.create("seed002-cnn", b, Shape.of(1, 8, 8), 10, 1);
                Tensor x = b.fromArray(Shape.of(4, 1, 8, 8), random(256, 5));
                Tensor t = b.fromArray(Shape.of(4, 10), new float[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                        0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0});
                Tensor dl = b.allocate(Shape.of(4, 10))) {
            long warm = 0;
            for (int step = 0; step < 4; step++) {
                Tensor y = m.net().forward(x);
                b.execute(new Loss.Backward(Loss.softmaxCrossEntropy(), y, t, dl));
                m.net().backward(dl);
                if (step == 1) {
                    warm = b.liveTensors();
                }
            }
            assertEquals(warm, b.liveTensors());
        }
    }

    @Test
    void dropoutDrawsANewMaskPerStepAndPassesThroughInInference() {
        try (Backend b = new ReferenceBackend(); Dropout d = new Dropout(b, 0.5, 42);
                Tensor x = b.fromArray(Shape.of(1, 64), random(64, 1))) {
            float[] first = d.forward(x).toFloatArray();
            float[] second = d.forward(x).toFloatArray();
            assertFalse(java.util.Arrays.equals(first, second));
            assertEquals(2, d.counter());
            d.setCounter(0);
            assertArrayEquals(first, d.forward(x).toFloatArray());
            d.train(false);
            assertSame(x, d.forward(x));
        }
    }

    @Test
    void batchNormInferenceUsesRunningStatistics() {
        try (Backend b = new ReferenceBackend(); BatchNorm2d bn = new BatchNorm2d(b, 2);
                Tensor x = b.fromArray(Shape.of(3, 2, 2, 2), random(24, 9))) {
            bn.forward(x);
            float[] rm = bn.runningMean().toFloatArray();
            float[] rv = bn.runningVar().toFloatArray();
            assertNotEquals(0f, rm[0]);
            bn.train(false);
            float[] y = bn.forward(x).toFloatArray();
            float[] xv = x.toFloatArray();
            for (int i = 0; i < 24; i++) {
                int c = (i / 4) % 2;
                double want = (xv[i] - rm[c]) / Math.sqrt(rv[c] + 1e-5);
                assertEquals(want, y[i], 1e-5);
            }
        }
    }

    /** Finite differences of the loss against the chained layer backward, on a few values of each parameter. */
    private static void gradientCheck(Backend b, Sequential s, Tensor x, Tensor t, List<String> names) {
        try (Tensor loss = b.allocate(Shape.scalar()); Tensor dl = b.allocate(t.shape())) {
            Tensor y = s.forward(x);
            b.execute(new Loss.Backward(Loss.softmaxCrossEntropy(), y, t, dl));
            s.backward(dl);
            for (String name : names) {
                Parameter p = s.parameters().get(name);
                float[] w = p.value().toFloatArray();
                float[] g = p.grad().toFloatArray();
                for (int i = 0; i < Math.min(3, w.length); i++) {
                    double h = 1e-3;
                    float orig = w[i];
                    w[i] = (float) (orig + h);
                    p.value().copyFrom(w);
                    b.execute(new Loss.Forward(Loss.softmaxCrossEntropy(), s.forward(x), t, loss));
                    double up = loss.toFloatArray()[0];
                    w[i] = (float) (orig - h);
                    p.value().copyFrom(w);
                    b.execute(new Loss.Forward(Loss.softmaxCrossEntropy(), s.forward(x), t, loss));
                    double down = loss.toFloatArray()[0];
                    w[i] = orig;
                    p.value().copyFrom(w);
                    double fd = (up - down) / (2 * h);
                    assertEquals(fd, g[i], 2e-3 + 0.05 * Math.abs(fd), name + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void convolutionalChainMatchesFiniteDifferences() {
        try (Backend b = new ReferenceBackend(); Sequential s = new Sequential(b);
                Tensor x = b.fromArray(Shape.of(2, 2, 4, 4), random(64, 3));
                Tensor t = b.fromArray(Shape.of(2, 4), new float[] {0, 1, 0, 0, 0, 0, 0, 1})) {
            s.add(new Conv2d(b, 2, 3, 3, 1, 1)).add(Activation.tanh(b)).add(new AvgPool2d(b, 2, 2))
                    .add(new Flatten(b)).add(new Linear(b, 12, 4)).add(new PReLU(b, 1)).add(Activation.elu(b, 1.0));
            s.initialize(Init.XAVIER_UNIFORM, new SplittableRandom(2));
            gradientCheck(b, s, x, t, List.of("0.weight", "0.bias", "4.weight", "4.bias", "5.weight"));
        }
    }

    @Test
    void denseChainWithBatchNormMatchesFiniteDifferences() {
        try (Backend b = new ReferenceBackend(); Sequential s = new Sequential(b);
                Tensor x = b.fromArray(Shape.of(4, 6), random(24, 7));
                Tensor t = b.fromArray(Shape.of(4, 3), new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0})) {
            s.add(new Linear(b, 6, 5)).add(new BatchNorm1d(b, 5)).add(Activation.leakyRelu(b, 0.1))
                    .add(Activation.sigmoid(b)).add(new Linear(b, 5, 3)).add(Softmax.logSoftmax(b));
            s.initialize(Init.KAIMING_UNIFORM, new SplittableRandom(4));
            gradientCheck(b, s, x, t, List.of("0.weight", "0.bias", "1.weight", "1.bias", "4.weight"));
        }
    }

    @Test
    void maxPoolAndSoftmaxChainMatchesFiniteDifferences() {
        try (Backend b = new ReferenceBackend(); Sequential s = new Sequential(b);
                Tensor x = b.fromArray(Shape.of(2, 1, 6, 6), random(72, 8));
                Tensor t = b.fromArray(Shape.of(2, 2), new float[] {1, 0, 0, 1})) {
            s.add(new Conv2d(b, 1, 2, 3, 1, 0)).add(new BatchNorm2d(b, 2)).add(new MaxPool2d(b, 2, 2))
                    .add(new Flatten(b)).add(new Linear(b, 8, 2)).add(Softmax.softmax(b));
            s.initialize(Init.PYTORCH_DEFAULT, new SplittableRandom(5));
            gradientCheck(b, s, x, t, List.of("0.weight", "1.weight", "1.bias", "4.weight"));
        }
    }

    @Test
    void upsampleChainMatchesFiniteDifferences() {
        try (Backend b = new ReferenceBackend(); Sequential s = new Sequential(b);
                Tensor x = b.fromArray(Shape.of(2, 1, 3, 3), random(18, 9));
                Tensor t = b.fromArray(Shape.of(2, 2), new float[] {0, 1, 1, 0})) {
            // 3x3 -> 5x4 (rows 3 -> 5, columns 3 -> 4: non-integer ratios), then a 2x2 convolution to [2, 1, 4, 3]
            s.add(new Conv2d(b, 1, 2, 3, 1, 1)).add(Activation.tanh(b)).add(Upsample.toSize(b, 5, 4))
                    .add(new Conv2d(b, 2, 1, 2, 1, 0)).add(new Flatten(b)).add(new Linear(b, 12, 2));
            s.initialize(Init.XAVIER_UNIFORM, new SplittableRandom(6));
            gradientCheck(b, s, x, t, List.of("0.weight", "0.bias", "3.weight", "5.weight"));
        }
    }

    @Test
    void upsampleFollowsNnUpsample() {
        try (Backend b = new ReferenceBackend(); Upsample twice = new Upsample(b, 2);
                Upsample perAxis = new Upsample(b, org.cnn4j.ops.Upsample.nearest(3, 1));
                Upsample sized = Upsample.toSize(b, 8, 3);
                Tensor x = b.fromArray(Shape.of(1, 1, 2, 2), new float[] {1, 2, 3, 4})) {
            assertEquals("Upsample(scale_factor=2.0, mode='nearest')", twice.describe());
            assertEquals("Upsample(scale_factor=(3.0, 1.0), mode='nearest')", perAxis.describe());
            assertEquals("Upsample(size=(8, 3), mode='nearest')", sized.describe());
            assertEquals(Shape.of(2, 16, 26, 34), twice.outputShape(Shape.of(2, 16, 13, 17)));
            assertEquals(Shape.of(2, 16, 8, 3), sized.outputShape(Shape.of(2, 16, 5, 7)));
            assertTrue(twice.parameters().isEmpty());
            Tensor y = twice.forward(x);
            assertArrayEquals(new float[] {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, y.toFloatArray());
            try (Tensor dy = b.fromArray(Shape.of(1, 1, 4, 4), new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                13, 14, 15, 16})) {
                // each input cell sums its 2x2 block of dy
                assertArrayEquals(new float[] {14, 22, 46, 54}, twice.backward(dy).toFloatArray());
                twice.needsInputGradient(false);
                assertEquals(null, twice.backward(dy));
            }
        }
    }
}
