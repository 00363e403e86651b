package org.cnn4j.distributed;

import java.util.List;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Replicas;

/**
 * The trainer's {@link Replicas} over a {@link ProcessGroup}: one replica per rank, as PyTorch's
 * {@code DistributedDataParallel}. Pass it to {@code new Trainer(model, optimizer, config, DataParallel.over(group))}.
 *
 * <p>Gradient sums go in buckets: host tensors (every backend but cuda on NCCL) in runs of at most
 * {@value #BUCKET_FLOATS} floats (a larger tensor alone), each summed in one collective through one host array, so
 * a model of many small tensors pays the collective's latency once per bucket, not once per tensor; cuda tensors
 * on NCCL are summed in device memory on the backend's stream, one call per tensor. The sums are the group's, so
 * they give the same bits on every rank and in every run. The sums follow the whole backward: the backends here
 * run a step on one thread or one stream, so overlapping them with the rest of backward is not built.
 */
public final class DataParallel implements Replicas {
    /** Floats per bucket: 4 Mi (16 MiB), near PyTorch's default {@code bucket_cap_mb} of 25. */
    public static final int BUCKET_FLOATS = 1 << 22;

    private final ProcessGroup group;
    private final boolean onDevice;

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
        int from = 0;
        long filled = 0;
        for (int i = 0; i < tensors.size(); i++) {
            long n = tensors.get(i).size();
            if (filled > 0 && filled + n > BUCKET_FLOATS) {
                group.allReduce(tensors.subList(from, i), ReduceOp.SUM);
                from = i;
                filled = 0;
            }
            filled += n;
        }
        if (from < tensors.size()) {
            group.allReduce(tensors.subList(from, tensors.size()), ReduceOp.SUM);
        }
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
