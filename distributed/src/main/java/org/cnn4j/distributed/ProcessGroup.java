package org.cnn4j.distributed;

import java.util.List;
import org.cnn4j.core.Tensor;

/**
 * A fixed set of processes (ranks {@code 0 .. worldSize()-1}) that run the same collective operations in the same
 * order, the way {@code torch.distributed}'s process groups do. Every rank must call every collective, with
 * tensors of the same size, in the same order; a collective returns when this rank's part of it is done.
 *
 * <p>Tensor collectives work in place on tensors of any backend: an MPI group goes through host copies (reference,
 * cpu and opencl tensors, and cuda tensors when NCCL is not used), an NCCL group works on cuda tensors' device
 * memory on the backend's stream (queued in stream order; the host does not wait) and on other tensors through
 * its MPI group. The host variants ({@code float[]}, {@code double[]}, {@code long[]}, {@code byte[]}) are for
 * metrics, counts and small control messages.
 *
 * <p>Results are deterministic: for a given world size, {@link #allReduce} gives the same bits on every rank and in
 * every run (see {@link MpiProcessGroup} for how and what it costs). A rank that dies, or a collective that another
 * rank never joins, ends the whole job with a message instead of hanging: see {@link ProcessGroups#TIMEOUT}.
 *
 * <p>Not thread-safe: one thread calls the collectives of a group.
 */
public interface ProcessGroup extends AutoCloseable {
    /** This process's rank, {@code 0 .. worldSize()-1}. */
    int rank();

    /** The number of processes in the group. */
    int worldSize();

    /** This process's rank among those on its machine (for choosing a GPU); 0 when the launcher did not say. */
    int localRank();

    /** Which implementation runs the collectives: {@code single}, {@code mpi} or {@code nccl}, with its version. */
    String describe();

    /** Replaces {@code tensor} on every rank with the sum (or average) of all ranks' {@code tensor}. */
    void allReduce(Tensor tensor, ReduceOp op);

    /**
     * All-reduces several tensors (a bucket of gradients) with the result of one {@link #allReduce(Tensor,
     * ReduceOp)} each, bit for bit, in as few collectives as the group can: an MPI group sends the float32 ones as
     * one message.
     */
    default void allReduce(List<Tensor> tensors, ReduceOp op) {
        for (Tensor t : tensors) {
            allReduce(t, op);
        }
    }

    /** Replaces {@code tensor} on every rank with rank {@code root}'s {@code tensor}. */
    void broadcast(Tensor tensor, int root);

    /**
     * Writes every rank's {@code in} into {@code out}, rank after rank: {@code out} holds {@code worldSize()}
     * times {@code in}'s elements (any shape of that size; PyTorch's {@code all_gather_into_tensor}).
     */
    void allGather(Tensor in, Tensor out);

    /** Returns when every rank has called it. */
    void barrier();

    /** {@link #allReduce(Tensor, ReduceOp)} on host values (metrics). */
    void allReduce(float[] values, ReduceOp op);

    /** {@link #allReduce(Tensor, ReduceOp)} on host values (metrics, loss sums). */
    void allReduce(double[] values, ReduceOp op);

    /** The sum over the ranks of integer counts (exact); {@link ReduceOp#AVG} is refused (not an integer). */
    void allReduce(long[] values, ReduceOp op);

    /** Replaces {@code data} on every rank with rank {@code root}'s (a seed, a unique id, a small message). */
    void broadcast(byte[] data, int root);

    /**
     * Ends the whole job now: prints {@code reason} with this rank to standard error and makes every rank exit
     * (MPI_Abort). For a failure that the other ranks cannot learn of otherwise (this rank cannot go on, and they
     * would wait for it in the next collective). Does not return.
     */
    void abort(String reason);

    /** Leaves the group (MPI_Finalize once per process, NCCL's communicator destroyed); collectives then fail. */
    @Override
    void close();
}
