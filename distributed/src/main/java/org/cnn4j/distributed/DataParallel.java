package org.cnn4j.distributed;

import java.util.ArrayList;
import java.util.List;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Replicas;

/**
 * The trainer's {@link Replicas} over a {@link ProcessGroup}: one replica per rank, as PyTorch's
 * {@code DistributedDataParallel}. Pass it to {@code new Trainer(model, optimizer, config, DataParallel.over(group))}.
 *
 * <p>Gradient sums go in buckets: host tensors (every backend but cuda on NCCL) are packed into one host array of
 * at most {@value #BUCKET_FLOATS} floats and summed in one collective, so a model of many small tensors pays the
 * collective's latency once per bucket, not once per tensor; cuda tensors on NCCL are summed in device memory on
 * the backend's stream, one call per tensor. The sums are the group's, so they give the same bits on every rank
 * and in every run.
 */
public final class DataParallel implements Replicas {
    /** Floats per bucket: 4 Mi (16 MiB), near PyTorch's default {@code bucket_cap_mb} of 25. */
    public static final int BUCKET_FLOATS = 1 << 22;

    private final ProcessGroup group;
    private final boolean onDevice;
    private float[] bucket = new float[0];
    private final java.util.Map<Integer, float[]> staging = new java.util.HashMap<>();

    private DataParallel(ProcessGroup group) {
        this.group = group;
        this.onDevice = group.describe().startsWith("nccl");
    }

    /** The replicas of {@code group}'s ranks. */
    public static DataParallel over(ProcessGroup group) {
        return new DataParallel(java.util.Objects.requireNonNull(group, "group"));
    }

    public ProcessGroup group() {
        return group;
    }

    @Override
    public int rank() {
        return group.rank();
    }

    @Override
    public int size() {
        return group.worldSize();
    }

    @Override
    public void broadcast(List<Tensor> tensors) {
        for (Tensor t : tensors) {
            group.broadcast(t, 0);
        }
    }

    @Override
    public void sum(List<Tensor> tensors) {
        if (onDevice) {
            for (Tensor t : tensors) {
                group.allReduce(t, ReduceOp.SUM);
            }
            return;
        }
        List<Tensor> pending = new ArrayList<>();
        long filled = 0;
        for (Tensor t : tensors) {
            if (t.size() >= BUCKET_FLOATS) {
                group.allReduce(t, ReduceOp.SUM);
                continue;
            }
            if (filled + t.size() > BUCKET_FLOATS) {
                flush(pending, (int) filled);
                pending.clear();
                filled = 0;
            }
            pending.add(t);
            filled += t.size();
        }
        flush(pending, (int) filled);
    }

    /** Sums the tensors of one bucket through one host array. */
    private void flush(List<Tensor> pending, int floats) {
        if (pending.isEmpty()) {
            return;
        }
        if (bucket.length != floats) {
            bucket = new float[floats];
        }
        int off = 0;
        for (Tensor t : pending) {
            float[] a = staging(t.size());
            t.copyTo(a);
            System.arraycopy(a, 0, bucket, off, a.length);
            off += a.length;
        }
        group.allReduce(bucket, ReduceOp.SUM);
        off = 0;
        for (Tensor t : pending) {
            float[] a = staging(t.size());
            System.arraycopy(bucket, off, a, 0, a.length);
            t.copyFrom(a);
            off += a.length;
        }
    }

    /** A host array of exactly {@code n} floats (tensors copy whole arrays), one per size, kept across steps. */
    private float[] staging(int n) {
        return staging.computeIfAbsent(n, float[]::new);
    }

    @Override
    public void barrier() {
        group.barrier();
    }

    @Override
    public void sum(double[] values) {
        group.allReduce(values, ReduceOp.SUM);
    }

    @Override
    public String toString() {
        return size() + " replicas (" + group.describe() + ")";
    }
}
