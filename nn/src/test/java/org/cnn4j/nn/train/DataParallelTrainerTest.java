package org.cnn4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.cnn4j.backend.cpu.CpuBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.nn.Replicas;
import org.cnn4j.nn.Synthetic;
import org.cnn4j.nn.data.ImageDataset;
import org.cnn4j.nn.layers.BatchNorm;
import org.cnn4j.nn.models.Model;
import org.cnn4j.nn.models.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The trainer's data parallelism, with replicas as threads of this JVM (the MPI transport is tested apart). */
class DataParallelTrainerTest {
    static final ImageDataset DATA = Synthetic.bars(96, 10, 8, 11);
    static final ImageDataset VAL = Synthetic.bars(40, 10, 8, 12);

    /** What one replica saw: the weights after each step, then its final state and epoch results. */
    record Run(List<Map<String, float[]>> steps, Map<String, float[]> end, List<EpochResult> epochs) {
    }

    /** Trains {@code model} for two epochs on {@code replicas} threads (1: the plain trainer). */
    static List<Run> train(String model, Optimizer.Config oc, int batch, int replicas) throws Exception {
        return train(model, oc, batch, replicas, false);
    }

    static List<Run> train(String model, Optimizer.Config oc, int batch, int replicas, boolean syncBatchNorm)
            throws Exception {
        ThreadReplicas.Group group = new ThreadReplicas.Group(replicas);
        ExecutorService pool = Executors.newFixedThreadPool(replicas);
        try {
            List<Future<Run>> runs = new ArrayList<>();
            for (int r = 0; r < replicas; r++) {
                int rank = r;
                runs.add(pool.submit(() -> {
                    try (Backend b = new CpuBackend(new CpuBackend.Config(1, true))) {
                        // Replicas start from other weights: the trainer must give them replica 0's.
                        Model m = Models.create(model, b, DATA.sampleShape(), 10, 5 + 1000L * rank);
                        Replicas rep = replicas == 1 ? Replicas.single() : group.replica(rank);
                        if (syncBatchNorm) {
                            BatchNorm.synchronize(m.net(), rep);
                        }
                        try (Optimizer opt = new Optimizer(b, m.net().parameters(), oc);
                                Trainer t = new Trainer(m, opt, new Trainer.Config(batch, 3, 0, StepLr.none(),
                                        Augment.standard(8)), rep)) {
                            List<Map<String, float[]>> steps = new ArrayList<>();
                            List<EpochResult> epochs = t.fit(DATA, VAL, 2, new TrainingListener() {
                                @Override
                                public void batchDone(int epoch, long imagesDone, double meanLoss, double acc) {
                                    steps.add(TrainerTest.state(t));
                                }
                            });
                            return new Run(steps, TrainerTest.state(t), epochs);
                        } finally {
                            m.close();
                        }
                    }
                }));
            }
            List<Run> out = new ArrayList<>();
            for (Future<Run> f : runs) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest(name = "{0} replicas, batch {1}")
    @CsvSource({"2, 32", "2, 25", "3, 25"})
    void replicasTakeTheStepsOfOneProcessOnTheWholeBatch(int replicas, int batch) throws Exception {
        Optimizer.Config oc = Optimizer.Config.defaults(Optimizer.Kind.SGD, 0.05).withMomentum(0.9);
        Run one = train("seed002-dense", oc, batch, 1).getFirst();
        List<Run> many = train("seed002-dense", oc, batch, replicas);
        assertSameSteps(one, many, replicas);
    }

    /** Synchronised batch norm: the whole batch's statistics, so the one-process steps again (PyTorch's SyncBN). */
    @ParameterizedTest(name = "{0} replicas, batch {1}")
    @CsvSource({"2, 32", "3, 25"})
    void synchronisedBatchNormTakesTheStepsOfOneProcess(int replicas, int batch) throws Exception {
        Optimizer.Config oc = Optimizer.Config.defaults(Optimizer.Kind.SGD, 0.05).withMomentum(0.9);
        Run one = train("seed003-mnist", oc, batch, 1).getFirst();
        List<Run> many = train("seed003-mnist", oc, batch, replicas, true);
        assertSameSteps(one, many, replicas);
        // Without synchronisation each replica normalises its own share: other steps.
        List<Run> own = train("seed003-mnist", oc, batch, replicas, false);
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> assertSameSteps(one, own,
                replicas));
    }

    @Test
    void synchronisedBatchNormRefusesABatchWithoutAShareForEveryReplica() {
        Optimizer.Config oc = Optimizer.Config.defaults(Optimizer.Kind.SGD, 0.05);
        // 96 samples at batch 47: the last batch of 2 leaves a replica of 3 without a sample.
        java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, () -> train("seed003-mnist", oc, 47, 3, true));
        assertTrue(e.getCause().getMessage().contains("batch of 2"), e.getCause().getMessage());
    }

    private static void assertSameSteps(Run one, List<Run> many, int replicas) {
        assertEquals(one.steps().size(), many.getFirst().steps().size(), "steps");
        for (int s = 0; s < one.steps().size(); s++) {
            for (Map.Entry<String, float[]> e : one.steps().get(s).entrySet()) {
                float[] want = e.getValue();
                float[] got = many.getFirst().steps().get(s).get(e.getKey());
                for (int i = 0; i < want.length; i++) {
                    float tol = 1e-5f + 1e-4f * Math.abs(want[i]);
                    if (!(Math.abs(got[i] - want[i]) <= tol)) {
                        throw new AssertionError("step " + (s + 1) + ", " + e.getKey() + "[" + i + "]: one process "
                                + want[i] + ", " + replicas + " replicas " + got[i]);
                    }
                }
            }
        }
        assertSameMetrics(one, many);
    }

    private static void assertSameMetrics(Run one, List<Run> many) {
        // The metrics cover the whole data sets, summed over the replicas.
        for (Run r : many) {
            for (int e = 0; e < 2; e++) {
                EpochResult got = r.epochs().get(e);
                EpochResult want = one.epochs().get(e);
                assertEquals(DATA.size(), got.train().samples());
                assertEquals(VAL.size(), got.validation().samples());
                assertEquals(want.train().accuracy(), got.train().accuracy(), 1e-9, "train accuracy");
                assertEquals(want.validation().accuracy(), got.validation().accuracy(), 1e-9, "val accuracy");
                assertEquals(want.train().loss(), got.train().loss(), 1e-4, "train loss");
            }
        }
    }

    @Test
    void replicasEndWithTheSameBitsRunAfterRun() throws Exception {
        // Batch norm (running statistics broadcast from replica 0) and Adam's state.
        Optimizer.Config oc = Optimizer.Config.defaults(Optimizer.Kind.ADAM, 0.003);
        List<Run> first = train("seed002-cnn", oc, 24, 2);
        List<Run> second = train("seed002-cnn", oc, 24, 2);
        for (Map.Entry<String, float[]> e : first.getFirst().end().entrySet()) {
            assertArrayEquals(e.getValue(), first.get(1).end().get(e.getKey()), "replica 1's " + e.getKey());
            assertArrayEquals(e.getValue(), second.getFirst().end().get(e.getKey()), "second run's " + e.getKey());
        }
    }

    /**
     * The gradient sum starts as backward finishes each layer: the last layer's gradients are handed over first,
     * before the first layer's backward has run, and every parameter exactly once per step.
     */
    @Test
    void gradientsAreHandedToTheSumAsBackwardFinishesEachLayer() throws Exception {
        ThreadReplicas.Group group = new ThreadReplicas.Group(1 + 1);
        List<List<String>> order = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                int rank = r;
                runs.add(pool.submit(() -> {
                    try (Backend b = new CpuBackend(new CpuBackend.Config(1, true))) {
                        Model m = Models.create("seed002-dense", b, DATA.sampleShape(), 10, 5);
                        Map<Object, String> names = new java.util.IdentityHashMap<>();
                        m.net().parameters().forEach((k, v) -> names.put(v.grad(), k));
                        Replicas inner = group.replica(rank);
                        List<String> seen = new ArrayList<>();
                        Replicas recording = new Replicas() {
                            public int rank() {
                                return inner.rank();
                            }

                            public int size() {
                                return inner.size();
                            }

                            public void broadcast(List<org.cnn4j.core.Tensor> t) {
                                inner.broadcast(t);
                            }

                            public void sum(List<org.cnn4j.core.Tensor> t) {
                                inner.sum(t);
                            }

                            public void sum(double[] v) {
                                inner.sum(v);
                            }

                            public void barrier() {
                                inner.barrier();
                            }

                            public GradientSum gradientSum() {
                                GradientSum s = inner.gradientSum();
                                return new GradientSum() {
                                    public void ready(org.cnn4j.core.Tensor t) {
                                        seen.add(names.get(t));
                                        s.ready(t);
                                    }

                                    public void finish() {
                                        seen.add("finish");
                                        s.finish();
                                    }
                                };
                            }
                        };
                        try (Optimizer opt = new Optimizer(b, m.net().parameters(),
                                Optimizer.Config.defaults(Optimizer.Kind.SGD, 0.05));
                                Trainer t = new Trainer(m, opt, Trainer.Config.of(96, 3), recording)) {
                            t.trainEpoch(DATA, null, 1, new TrainingListener() { });
                        } finally {
                            m.close();
                        }
                        order.add(seen);
                    }
                    return null;
                }));
            }
            for (Future<?> f : runs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        List<String> want = List.of("7.weight", "7.bias", "5.weight", "5.bias", "3.weight", "3.bias", "1.weight",
                "1.bias", "finish");
        assertEquals(2, order.size());
        for (List<String> seen : order) {
            assertEquals(want, seen, "one step of 96 images: the order the gradients reached the sum");
        }
    }

    @Test
    void sharesCutTheBatchIntoContiguousPartsDifferingByAtMostOne() {
        ThreadReplicas.Group g = new ThreadReplicas.Group(3);
        for (int n = 0; n < 20; n++) {
            int next = 0;
            for (int r = 0; r < 3; r++) {
                Replicas rep = g.replica(r);
                assertEquals(next, rep.shardStart(n));
                int len = rep.shardEnd(n) - rep.shardStart(n);
                assertTrue(len == n / 3 || len == n / 3 + 1, n + " over 3: " + len);
                next = rep.shardEnd(n);
            }
            assertEquals(n, next);
        }
    }
}
