package org.cnn4j.nn;

import java.util.List;
import org.cnn4j.core.Tensor;

/**
 * The copies of one model that train together, data parallel: each replica runs in its own process (on its own
 * machine or GPU) on a disjoint share of every batch, and they agree on the weights by summing gradients after
 * each backward. {@link #single()} is the one-process case; {@code org.cnn4j.distributed.DataParallel} spans
 * processes over MPI or NCCL.
 *
 * <p>Every method is collective: each replica calls it in the same order with tensors of the same shapes, and
 * returns once every replica has. A sum ends with the same bits on every replica, and with the same bits run after
 * run for the same inputs and number of replicas (a fixed reduction order).
 */
public interface Replicas {
    /** This replica's index, 0 to {@code size() - 1}; replica 0 writes checkpoints and reports. */
    int rank();

    /** The number of replicas. */
    int size();

    /** Sets each tensor to replica 0's value, in place. */
    void broadcast(List<Tensor> tensors);

    /** Replaces each tensor by its sum over the replicas, in place. */
    void sum(List<Tensor> tensors);

    /**
     * A sum over the replicas of tensors handed over one by one, as backward finishes them: each replica hands the
     * same tensors in the same order ({@link GradientSum#ready}), then waits for all the sums
     * ({@link GradientSum#finish}). The sums are the same bits as {@link #sum(List)} of the same tensors; a
     * replica may start them early, while the rest of backward runs. This default sums them all at the finish.
     */
    default GradientSum gradientSum() {
        return new GradientSum() {
            private final java.util.List<Tensor> tensors = new java.util.ArrayList<>();

            @Override
            public void ready(Tensor t) {
                tensors.add(t);
            }

            @Override
            public void finish() {
                sum(tensors);
                tensors.clear();
            }
        };
    }

    /** See {@link #gradientSum()}. */
    interface GradientSum {
        /** {@code t} is final for this step: its sum over the replicas may start. */
        void ready(Tensor t);

        /** Returns once every tensor handed over holds its sum over the replicas. */
        void finish();
    }

    /** Replaces each value by its sum over the replicas, in place. */
    void sum(double[] values);

    /** Returns once every replica has called it. */
    void barrier();

    /** True on the replica that writes files and reports: rank 0. */
    default boolean isWriter() {
        return rank() == 0;
    }

    /**
     * The first and one-past-last position, within a batch of {@code n} samples, of this replica's share: the
     * batch cut into {@code size()} contiguous parts whose sizes differ by at most one.
     */
    default int shardStart(int n) {
        return (int) ((long) n * rank() / size());
    }

    /** See {@link #shardStart(int)}. */
    default int shardEnd(int n) {
        return (int) ((long) n * (rank() + 1) / size());
    }

    /** One process training alone: every collective is the identity. */
    static Replicas single() {
        return Single.INSTANCE;
    }

    /** The one-process case. */
    final class Single implements Replicas {
        static final Single INSTANCE = new Single();

        private Single() {
        }

        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int size() {
            return 1;
        }

        @Override
        public void broadcast(List<Tensor> tensors) {
        }

        @Override
        public void sum(List<Tensor> tensors) {
        }

        @Override
        public void sum(double[] values) {
        }

        @Override
        public void barrier() {
        }

        @Override
        public String toString() {
            return "single process";
        }
    }
}
