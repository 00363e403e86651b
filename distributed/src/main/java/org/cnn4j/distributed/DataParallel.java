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
 * they give the same bits on every rank and in every run. During a training step the trainer hands the gradients
 * over as backward finishes them ({@link #gradientSum()}), so the sums of host tensors overlap the rest of backward.
 */
public final class DataParallel implements Replicas {
    /** Floats per bucket: 4 Mi (16 MiB), near PyTorch's default {@code bucket_cap_mb} of 25. */
    public static final int BUCKET_FLOATS = 1 << 22;
    /** Floats of the first bucket of a backward: 256 Ki (1 MiB), as PyTorch's first bucket, so it starts soon. */
    public static final int FIRST_BUCKET_FLOATS = 1 << 18;

    private final ProcessGroup group;
    private final boolean onDevice;
    private final int bucketFloats;
    private final int firstBucketFloats;
    private final Overlapped overlapped = new Overlapped();
    private java.util.concurrent.ExecutorService comm;

    private DataParallel(ProcessGroup group, int firstBucketFloats, int bucketFloats) {
        this.group = group;
        this.onDevice = group.describe().startsWith("nccl");
        this.firstBucketFloats = firstBucketFloats;
        this.bucketFloats = bucketFloats;
    }

    /** The replicas of {@code group}'s ranks. */
    public static DataParallel over(ProcessGroup group) {
        return over(group, FIRST_BUCKET_FLOATS, BUCKET_FLOATS);
    }

    /**
     * The replicas of {@code group}'s ranks, with buckets of the given sizes in floats: the first of a backward,
     * then the others.
     */
    public static DataParallel over(ProcessGroup group, int firstBucketFloats, int bucketFloats) {
        if (firstBucketFloats < 1 || bucketFloats < 1) {
            throw new IllegalArgumentException("bucket sizes must be positive but are " + firstBucketFloats + " and "
                    + bucketFloats + " floats");
        }
        return new DataParallel(java.util.Objects.requireNonNull(group, "group"), firstBucketFloats, bucketFloats);
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

    /**
     * Gradient sums that start while backward runs: on host tensors (the reference and cpu backends) each bucket
     * is summed on a thread of its own as soon as backward has finished its tensors, the first bucket small so it
     * starts soon, as PyTorch's DDP does; the next layers' backward runs meanwhile. Buckets are cut in the order the
     * tensors are handed over, which is the same on every rank, and each element is summed in rank order either
     * way, so the bits are those of {@link #sum(List)}. Elsewhere (NCCL, whose sums queue on the backend's stream;
     * opencl and cuda tensors through host copies) the sums run at the finish.
     */
    @Override
    public GradientSum gradientSum() {
        return overlapped;
    }

    private final class Overlapped implements GradientSum {
        private final List<Tensor> bucket = new java.util.ArrayList<>();
        private final List<java.util.concurrent.Future<?>> running = new java.util.ArrayList<>();
        private final List<Tensor> deferred = new java.util.ArrayList<>();
        private long floats;
        private int buckets;

        @Override
        public void ready(Tensor t) {
            if (onDevice || !HOST.contains(t.backend().name())) {
                deferred.add(t);
                return;
            }
            bucket.add(t);
            floats += t.size();
            if (floats >= (buckets == 0 ? firstBucketFloats : bucketFloats)) {
                submit();
            }
        }

        private void submit() {
            List<Tensor> b = List.copyOf(bucket);
            bucket.clear();
            floats = 0;
            buckets++;
            if (comm == null) {
                comm = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                    Thread th = new Thread(r, "cnn4j-gradient-sums");
                    th.setDaemon(true);
                    return th;
                });
            }
            running.add(comm.submit(() -> group.allReduce(b, ReduceOp.SUM)));
        }

        @Override
        public void finish() {
            try {
                if (!bucket.isEmpty()) {
                    submit();
                }
                RuntimeException failed = null;
                for (java.util.concurrent.Future<?> f : running) {
                    try {
                        f.get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        if (failed == null) {
                            failed = e.getCause() instanceof RuntimeException r ? r
                                    : new IllegalStateException("gradient sum failed: " + e.getCause(), e.getCause());
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while waiting for the gradient sums", e);
                    }
                }
                if (failed != null) {
                    throw failed;
                }
                if (!deferred.isEmpty()) {
                    sum(deferred);
                }
            } finally {
                running.clear();
                deferred.clear();
                bucket.clear();
                floats = 0;
                buckets = 0;
            }
        }
    }

    /** Backends whose tensors live in host memory, which a second thread may read and write while backward runs. */
    private static final java.util.Set<String> HOST = java.util.Set.of("reference", "cpu");

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
