package org.cnn4j.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Backends;
import org.cnn4j.core.Probe;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Size2d;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Activation;
import org.cnn4j.ops.Conv2d;
import org.cnn4j.ops.Linear;
import org.cnn4j.ops.Loss;
import org.cnn4j.ops.Pool2d;
import org.cnn4j.ops.Scale;
import org.cnn4j.ops.Sgd;
import org.junit.jupiter.api.Test;

/** The backend as a whole: discovery, the buffer pool across training steps, views, threads. */
class OpenClBackendTest {
    @Test
    void discoveredThroughTheServiceLoader() {
        OpenClTestSupport.requireDevice();
        Probe p = Backends.probeAll().stream().filter(q -> q.backend().equals("opencl")).findFirst().orElseThrow();
        assertTrue(p.available(), p.toString());
        try (Backend b = Backends.open("opencl")) {
            assertInstanceOf(OpenClBackend.class, b);
            assertEquals("opencl", b.name());
            assertTrue(b.device().contains("compute units"), b.device());
        }
    }

    /** A small conv net step: conv, relu, pool, linear, loss, backward, SGD; the tensors of the step closed after it. */
    private static void trainingStep(OpenClBackend cl, Tensor w1, Tensor b1, Tensor w2, Tensor x, Tensor target) {
        Conv2d conv = new Conv2d(Size2d.of(1), Size2d.of(1), Size2d.of(1), 1);
        Pool2d pool = Pool2d.max(2, 2);
        try (Tensor y1 = cl.allocate(conv.outputShape(x.shape(), w1.shape()));
             Tensor a1 = cl.allocate(y1.shape());
             Tensor p1 = cl.allocate(pool.outputShape(a1.shape()));
             Tensor flat = p1.reshape(Shape.of(x.shape().dim(0), p1.size() / x.shape().dim(0)));
             Tensor logits = cl.allocate(Shape.of(x.shape().dim(0), w2.shape().dim(0)));
             Tensor loss = cl.allocate(Shape.scalar());
             Tensor dLogits = cl.allocate(logits.shape());
             Tensor dw2 = cl.allocate(w2.shape());
             Tensor dFlat = cl.allocate(flat.shape());
             Tensor dA1 = cl.allocate(a1.shape());
             Tensor dY1 = cl.allocate(y1.shape());
             Tensor dw1 = cl.allocate(w1.shape());
             Tensor db1 = cl.allocate(b1.shape())) {
            Activation relu = Activation.relu();
            cl.execute(new Conv2d.Forward(conv, x, w1, b1, y1));
            cl.execute(new Activation.Forward(relu, y1, a1));
            cl.execute(new Pool2d.Forward(pool, a1, p1));
            cl.execute(new Linear.Forward(flat, w2, null, logits));
            cl.execute(new Loss.Forward(Loss.softmaxCrossEntropy(), logits, target, loss));
            cl.execute(new Loss.Backward(Loss.softmaxCrossEntropy(), logits, target, dLogits));
            cl.execute(new Linear.BackwardWeights(flat, dLogits, dw2, null));
            cl.execute(new Linear.BackwardData(dLogits, w2, dFlat));
            cl.execute(new Pool2d.Backward(pool, a1, dFlat.reshape(p1.shape()), dA1));
            cl.execute(new Activation.Backward(relu, y1, a1, dA1, dY1));
            cl.execute(new Conv2d.BackwardFilter(conv, x, dY1, dw1, db1));
            cl.execute(new Sgd.Step(Sgd.plain(0.1), w1, dw1, null));
            cl.execute(new Sgd.Step(Sgd.plain(0.1), b1, db1, null));
            cl.execute(new Sgd.Step(Sgd.plain(0.1), w2, dw2, null));
            assertTrue(Float.isFinite(loss.toFloatArray()[0]));
        }
    }

    @Test
    void aTrainingStepAllocatesNothingOnceThePoolIsWarm() {
        try (OpenClBackend cl = OpenClTestSupport.open();
             Tensor w1 = cl.fromArray(Shape.of(4, 1, 3, 3), random(36, 1));
             Tensor b1 = cl.allocate(Shape.of(4));
             Tensor w2 = cl.fromArray(Shape.of(10, 4 * 4 * 4), random(640, 2));
             Tensor x = cl.fromArray(Shape.of(3, 1, 8, 8), random(192, 3));
             Tensor target = cl.fromArray(Shape.of(3, 10), oneHot(3, 10))) {
            trainingStep(cl, w1, b1, w2, x, target);
            long created = cl.buffersCreated();
            for (int i = 0; i < 3; i++) {
                trainingStep(cl, w1, b1, w2, x, target);
            }
            assertEquals(created, cl.buffersCreated(), "steps after the first reuse pooled buffers");
            assertEquals(5, cl.liveTensors());
        }
    }

    @Test
    void operatorsFromSeveralThreadsEachOnTheirOwnTensors() throws Exception {
        try (OpenClBackend cl = OpenClTestSupport.open()) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[]>> results = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    final float k = t + 1;
                    results.add(pool.submit(() -> {
                        try (Tensor a = cl.fromArray(Shape.of(1000), ones(1000)); Tensor b = cl.allocate(a.shape())) {
                            for (int i = 0; i < 20; i++) {
                                cl.execute(new Scale.Run(new Scale(k), a, b));
                            }
                            return b.toFloatArray();
                        }
                    }));
                }
                for (int t = 0; t < 8; t++) {
                    float[] want = new float[1000];
                    java.util.Arrays.fill(want, t + 1);
                    assertArrayEquals(want, results.get(t).get());
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(0, cl.liveTensors());
        }
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, 1);
        return a;
    }

    private static float[] random(int n, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextDouble() - 0.5);
        }
        return a;
    }

    private static float[] oneHot(int n, int c) {
        float[] a = new float[n * c];
        for (int i = 0; i < n; i++) {
            a[i * c + (i * 7) % c] = 1;
        }
        return a;
    }
}
