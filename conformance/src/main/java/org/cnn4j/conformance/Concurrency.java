package org.cnn4j.conformance;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Activation;
import org.cnn4j.ops.BatchNorm;
import org.cnn4j.ops.Conv2d;
import org.cnn4j.ops.Dropout;
import org.cnn4j.ops.Gemm;
import org.cnn4j.ops.Linear;
import org.cnn4j.ops.Loss;
import org.cnn4j.ops.Pool2d;
import org.cnn4j.ops.Sgd;
import org.junit.jupiter.api.Assertions;

/**
 * Several threads on one backend, each with its own tensors: a small training step (convolution, batch norm,
 * ReLU, max pooling, dropout, linear, cross-entropy, the backward of each, SGD) repeated for a few rounds. Every
 * thread must end with the weights that the same rounds give on one thread alone, bit for bit; threads of
 * different sizes run at once so that scratch buffers, pools and work splits of different sizes interleave.
 */
final class Concurrency {
    private Concurrency() {
    }

    /** A thread's problem: batch, channels, image size (even) and seed differ per thread. */
    record Job(int batch, int channels, int size, long seed) {
    }

    /**
     * Threads compute on a backend of their own while the main thread closes it: each thread's call either
     * completes or ends in an {@link IllegalStateException} saying that the backend is closed (the same on every
     * backend: not a {@code CancellationException} of a thread pool, not a null message, not a crash).
     */
    static void closedWhileComputing(Supplier<Backend> factory, int threads) throws Exception {
        Backend b = factory.get();
        String name = b.name();
        int n = 192;
        float[] ones = new float[n * n];
        Arrays.fill(ones, 1f);
        CountDownLatch started = new CountDownLatch(threads);
        List<Callable<Throwable>> tasks = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            tasks.add(() -> {
                try {
                    Tensor a = b.fromArray(Shape.of(n, n), ones);
                    Tensor c = b.allocate(Shape.of(n, n));
                    started.countDown();
                    for (int round = 0; round < 100_000; round++) {
                        b.execute(new Gemm.Run(new Gemm(false, false, 1, 0), a, a, c));
                        b.synchronize();
                    }
                    return null;
                } catch (RuntimeException e) {
                    return e;
                } finally {
                    started.countDown();
                }
            });
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Throwable>> results = new ArrayList<>();
            for (Callable<Throwable> task : tasks) {
                results.add(pool.submit(task));
            }
            started.await();
            Thread.sleep(50);
            b.close();
            for (int t = 0; t < threads; t++) {
                Throwable e = results.get(t).get(120, TimeUnit.SECONDS);
                if (e == null) {
                    Assertions.fail("thread " + t + " computed 100,000 GEMMs on backend '" + name + "' after it was"
                            + " closed");
                }
                if (!(e instanceof IllegalStateException) || e.getMessage() == null
                        || !e.getMessage().contains("closed") || !e.getMessage().contains("'" + name + "'")
                                && !e.getMessage().contains("tensor")) {
                    throw new AssertionError("thread " + t + " on backend '" + name + "' closed under it ended in "
                            + e + "; expected an IllegalStateException saying the backend (or its tensor) is"
                            + " closed", e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    static void sameAsAlone(Backend b, int threads, int rounds) throws Exception {
        List<Job> jobs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            // from 1 image of 10 x 10 to 10 images of 28 x 28: the larger ones split over the cpu's workers
            jobs.add(new Job(1 + 3 * t, 2 + t % 3, 10 + 6 * t, 1000 + t));
        }
        List<Map<String, float[]>> alone = new ArrayList<>();
        for (Job j : jobs) {
            alone.add(train(b, j, rounds));
        }
        long live = b.liveTensors();
        long bytes = b.liveBytes();
        List<Callable<Map<String, float[]>>> tasks = new ArrayList<>();
        for (Job j : jobs) {
            tasks.add(() -> train(b, j, rounds));
        }
        List<Map<String, float[]>> together = ReliabilitySuite.together(tasks);
        for (int t = 0; t < threads; t++) {
            for (Map.Entry<String, float[]> e : alone.get(t).entrySet()) {
                float[] got = together.get(t).get(e.getKey());
                if (!Arrays.equals(e.getValue(), got)) {
                    int i = Arrays.mismatch(e.getValue(), got);
                    Assertions.fail("thread " + t + " " + jobs.get(t) + ": '" + e.getKey() + "' differs from the"
                            + " single-threaded run at index " + i + ": " + got[i] + " vs " + e.getValue()[i]
                            + " on backend '" + b.name() + "'");
                }
            }
        }
        Assertions.assertEquals(live, b.liveTensors(), "live tensors after the threads closed theirs");
        Assertions.assertEquals(bytes, b.liveBytes(), "live bytes after the threads closed theirs");
    }

    /** {@code rounds} training steps of a tiny CNN on seeded data; returns the final weights and last loss. */
    static Map<String, float[]> train(Backend b, Job j, int rounds) {
        int n = j.batch();
        int c = j.channels();
        int hw = j.size();
        int half = hw / 2;
        int k = 4;
        int classes = 5;
        SplittableRandom r = new SplittableRandom(j.seed());
        List<Tensor> all = new ArrayList<>();
        try {
            Shape xs = Shape.of(n, c, hw, hw);
            Tensor x = keep(all, b.fromArray(xs, rand(r, xs.size())));
            Tensor target = keep(all, b.fromArray(Shape.of(n, classes), oneHot(r, n, classes)));
            Conv2d conv = Conv2d.of(1, 1);
            Tensor w = keep(all, b.fromArray(Shape.of(k, c, 3, 3), rand(r, k * c * 9)));
            Tensor bias = keep(all, b.fromArray(Shape.of(k), rand(r, k)));
            Tensor gamma = keep(all, b.fromArray(Shape.of(k), new float[] {1, 1, 1, 1}));
            Tensor beta = keep(all, b.allocate(Shape.of(k)));
            Tensor rm = keep(all, b.allocate(Shape.of(k)));
            Tensor rv = keep(all, b.fromArray(Shape.of(k), new float[] {1, 1, 1, 1}));
            Tensor fw = keep(all, b.fromArray(Shape.of(classes, k * half * half), rand(r, classes * k * half * half)));
            Tensor fb = keep(all, b.allocate(Shape.of(classes)));
            Shape ys = Shape.of(n, k, hw, hw);
            Shape ps = Shape.of(n, k, half, half);
            Tensor y = keep(all, b.allocate(ys));
            Tensor bn = keep(all, b.allocate(ys));
            Tensor mean = keep(all, b.allocate(Shape.of(k)));
            Tensor inv = keep(all, b.allocate(Shape.of(k)));
            Tensor act = keep(all, b.allocate(ys));
            Tensor pool = keep(all, b.allocate(ps));
            Tensor drop = keep(all, b.allocate(ps));
            Tensor logits = keep(all, b.allocate(Shape.of(n, classes)));
            Tensor loss = keep(all, b.allocate(Shape.scalar()));
            Tensor dLogits = keep(all, b.allocate(Shape.of(n, classes)));
            Tensor dFw = keep(all, b.allocate(Shape.of(classes, k * half * half)));
            Tensor dFb = keep(all, b.allocate(Shape.of(classes)));
            Tensor dDrop = keep(all, b.allocate(ps));
            Tensor dPool = keep(all, b.allocate(ps));
            Tensor dAct = keep(all, b.allocate(ys));
            Tensor dBn = keep(all, b.allocate(ys));
            Tensor dY = keep(all, b.allocate(ys));
            Tensor dGamma = keep(all, b.allocate(Shape.of(k)));
            Tensor dBeta = keep(all, b.allocate(Shape.of(k)));
            Tensor dW = keep(all, b.allocate(Shape.of(k, c, 3, 3)));
            Tensor dB = keep(all, b.allocate(Shape.of(k)));
            Tensor dX = keep(all, b.allocate(xs));
            Sgd sgd = Sgd.plain(0.05);
            Pool2d mp = Pool2d.max(2, 2);
            Tensor flat = drop.reshape(Shape.of(n, k * half * half));
            Tensor dFlat = dDrop.reshape(Shape.of(n, k * half * half));
            float lastLoss = 0;
            for (int round = 0; round < rounds; round++) {
                Dropout d = new Dropout(0.25, j.seed() * 31 + round);
                b.execute(new Conv2d.Forward(conv, x, w, bias, y));
                b.execute(new BatchNorm.ForwardTraining(BatchNorm.defaults(), y, gamma, beta, rm, rv, bn, mean, inv));
                b.execute(new Activation.Forward(Activation.relu(), bn, act));
                b.execute(new Pool2d.Forward(mp, act, pool));
                b.execute(new Dropout.Forward(d, pool, drop));
                b.execute(new Linear.Forward(flat, fw, fb, logits));
                b.execute(new Loss.Forward(Loss.softmaxCrossEntropy(), logits, target, loss));
                b.execute(new Loss.Backward(Loss.softmaxCrossEntropy(), logits, target, dLogits));
                b.execute(new Linear.BackwardWeights(flat, dLogits, dFw, dFb));
                b.execute(new Linear.BackwardData(dLogits, fw, dFlat));
                b.execute(new Dropout.Backward(d, dDrop, dPool));
                b.execute(new Pool2d.Backward(mp, act, dPool, dAct));
                b.execute(new Activation.Backward(Activation.relu(), bn, act, dAct, dBn));
                b.execute(new BatchNorm.Backward(BatchNorm.defaults(), y, dBn, gamma, mean, inv, dY, dGamma, dBeta));
                b.execute(new Conv2d.BackwardFilter(conv, x, dY, dW, dB));
                b.execute(new Conv2d.BackwardData(conv, dY, w, dX));
                b.execute(new Sgd.Step(sgd, w, dW, null));
                b.execute(new Sgd.Step(sgd, bias, dB, null));
                b.execute(new Sgd.Step(sgd, gamma, dGamma, null));
                b.execute(new Sgd.Step(sgd, beta, dBeta, null));
                b.execute(new Sgd.Step(sgd, fw, dFw, null));
                b.execute(new Sgd.Step(sgd, fb, dFb, null));
                lastLoss = loss.toFloatArray()[0];
            }
            Map<String, float[]> out = new LinkedHashMap<>();
            out.put("conv.weight", w.toFloatArray());
            out.put("conv.bias", bias.toFloatArray());
            out.put("bn.weight", gamma.toFloatArray());
            out.put("bn.running_var", rv.toFloatArray());
            out.put("fc.weight", fw.toFloatArray());
            out.put("dx", dX.toFloatArray());
            out.put("loss", new float[] {lastLoss});
            Assertions.assertTrue(Float.isFinite(lastLoss), "the loss of " + j + " is " + lastLoss);
            return out;
        } finally {
            all.forEach(Tensor::close);
        }
    }

    /** Threads allocating, filling, reading and closing tensors of many sizes; the counts return to the start. */
    static void allocateAndClose(Backend b, int threads) throws Exception {
        long live = b.liveTensors();
        long bytes = b.liveBytes();
        List<Callable<Integer>> tasks = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            tasks.add(() -> {
                SplittableRandom r = new SplittableRandom(seed);
                int checked = 0;
                for (int i = 0; i < 300; i++) {
                    int size = 1 + r.nextInt(3000);
                    float[] v = rand(r, size);
                    try (Tensor x = b.fromArray(Shape.of(size), v)) {
                        Assertions.assertArrayEquals(v, x.toFloatArray(), "a tensor read back what another"
                                + " thread wrote");
                        checked++;
                    }
                }
                return checked;
            });
        }
        List<Integer> done = ReliabilitySuite.together(tasks);
        Assertions.assertEquals(threads * 300, done.stream().mapToInt(Integer::intValue).sum());
        Assertions.assertEquals(live, b.liveTensors(), "live tensors after every thread closed its tensors");
        Assertions.assertEquals(bytes, b.liveBytes(), "live bytes after every thread closed its tensors");
    }

    private static Tensor keep(List<Tensor> all, Tensor t) {
        all.add(t);
        return t;
    }

    private static float[] rand(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1) * 0.5f;
        }
        return v;
    }

    private static float[] oneHot(SplittableRandom r, int n, int classes) {
        float[] v = new float[n * classes];
        for (int i = 0; i < n; i++) {
            v[i * classes + r.nextInt(classes)] = 1;
        }
        return v;
    }
}
