package org.cnn4j.nn.train;

import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Replicas;

/**
 * Replicas as threads of one JVM, for tests of the trainer's data parallelism without MPI: each collective passes
 * the values through shared arrays between two barriers and sums them in rank order.
 */
final class ThreadReplicas implements Replicas {
    /** What the replicas of one group share. */
    static final class Group {
        final int size;
        final CyclicBarrier barrier;
        final float[][] floats;
        final double[][] doubles;

        Group(int size) {
            this.size = size;
            this.barrier = new CyclicBarrier(size);
            this.floats = new float[size][];
            this.doubles = new double[size][];
        }

        Replicas replica(int rank) {
            return new ThreadReplicas(this, rank);
        }
    }

    private final Group group;
    private final int rank;

    private ThreadReplicas(Group group, int rank) {
        this.group = group;
        this.rank = rank;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return group.size;
    }

    @Override
    public void broadcast(List<Tensor> tensors) {
        for (Tensor t : tensors) {
            if (rank == 0) {
                group.floats[0] = t.toFloatArray();
            }
            await();
            if (rank != 0) {
                t.copyFrom(group.floats[0]);
            }
            await();
        }
    }

    @Override
    public void sum(List<Tensor> tensors) {
        for (Tensor t : tensors) {
            group.floats[rank] = t.toFloatArray();
            await();
            float[] s = group.floats[0].clone();
            for (int r = 1; r < group.size; r++) {
                float[] o = group.floats[r];
                for (int i = 0; i < s.length; i++) {
                    s[i] += o[i];
                }
            }
            await();
            t.copyFrom(s);
        }
    }

    @Override
    public void sum(double[] values) {
        group.doubles[rank] = values.clone();
        await();
        for (int i = 0; i < values.length; i++) {
            double s = group.doubles[0][i];
            for (int r = 1; r < group.size; r++) {
                s += group.doubles[r][i];
            }
            values[i] = s;
        }
        await();
    }

    @Override
    public void barrier() {
        await();
    }

    private void await() {
        try {
            group.barrier.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("replica " + rank + " interrupted", e);
        } catch (BrokenBarrierException | TimeoutException e) {
            throw new IllegalStateException("replica " + rank + ": another replica failed or timed out", e);
        }
    }
}
