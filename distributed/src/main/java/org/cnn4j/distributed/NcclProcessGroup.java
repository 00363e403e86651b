package org.cnn4j.distributed;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import org.cnn4j.core.DType;
import org.cnn4j.core.Tensor;

/**
 * A process group over NCCL for the cuda backend's tensors, started through an MPI group: rank 0 makes NCCL's
 * unique id ({@code ncclGetUniqueId}), the MPI group broadcasts its 128 bytes, and every rank joins with {@code
 * ncclCommInitRank} with its backend's device current. Collectives on cuda tensors are queued on the backend's
 * stream in order with its own work (the host does not wait; reading a result synchronizes as usual); other
 * tensors and the host variants go through the MPI group.
 *
 * <p>NCCL picks its algorithm (ring, tree) by size and topology; with the same world, machines and NCCL version
 * its results repeat in practice, and {@code NCCL_ALGO=Ring} fixes the choice, but NCCL does not promise
 * bit-reproducibility the way {@link MpiProcessGroup}'s fixed-order reduction does.
 *
 * <p>Failures: the collective timeout covers joining ({@code ncclCommInitRank} blocks until every rank joins) and
 * the host collectives; a rank that dies ends the job through the MPI launcher; {@link #abort} aborts the NCCL
 * communicator ({@code ncclCommAbort}) before the MPI job.
 */
public final class NcclProcessGroup implements ProcessGroup {
    private final Nccl nccl;
    private final ProcessGroup bootstrap;
    private final DeviceAccess device;
    private final MemorySegment comm;
    private final int version;
    private boolean closed;

    private NcclProcessGroup(Nccl nccl, ProcessGroup bootstrap, DeviceAccess device, MemorySegment comm,
            int version) {
        this.nccl = nccl;
        this.bootstrap = bootstrap;
        this.device = device;
        this.comm = comm;
        this.version = version;
    }

    /**
     * Starts NCCL over {@code bootstrap}'s ranks on {@code device}. The new group owns {@code bootstrap} and closes
     * it; on failure {@code bootstrap} is left open for the caller to abort or close.
     */
    static NcclProcessGroup open(Nccl nccl, ProcessGroup bootstrap, DeviceAccess device, long timeoutMillis) {
        int version = nccl.version();
        if (version < Nccl.MIN_VERSION) {
            throw new IllegalStateException("NCCL " + Nccl.versionString(version) + " at " + nccl.where
                    + " is older than 2.10, the first with ncclAvg: install a newer NCCL (nvidia-nccl-cu12/cu13)");
        }
        byte[] id = new byte[Nccl.UNIQUE_ID_BYTES];
        if (bootstrap.rank() == 0) {
            id = nccl.uniqueId();
        }
        bootstrap.broadcast(id, 0);
        byte[] uid = id;
        MemorySegment[] comm = new MemorySegment[1];
        try (Watchdog w = new Watchdog(timeoutMillis, "rank " + bootstrap.rank() + " of " + bootstrap.worldSize(),
                message -> bootstrap.abort(message))) {
            w.enter("ncclCommInitRank");
            device.onStream(stream -> comm[0] = nccl.commInitRank(bootstrap.worldSize(), uid, bootstrap.rank()));
            w.exit();
        }
        return new NcclProcessGroup(nccl, bootstrap, device, comm[0], version);
    }

    @Override
    public int rank() {
        return bootstrap.rank();
    }

    @Override
    public int worldSize() {
        return bootstrap.worldSize();
    }

    @Override
    public int localRank() {
        return bootstrap.localRank();
    }

    @Override
    public String describe() {
        return "nccl (NCCL " + Nccl.versionString(version) + ", " + nccl.where + ", on " + device.describe()
                + "; host values over " + bootstrap.describe() + ")";
    }

    @Override
    public void allReduce(Tensor tensor, ReduceOp op) {
        open();
        Objects.requireNonNull(tensor, "tensor").checkOpen();
        Objects.requireNonNull(op, "op");
        if (!device.owns(tensor)) {
            bootstrap.allReduce(tensor, op);
            return;
        }
        long p = device.pointer(tensor);
        int type = type(tensor);
        long n = tensor.size();
        int o = op == ReduceOp.AVG ? Nccl.AVG : Nccl.SUM;
        device.onStream(stream -> nccl.allReduce(p, p, n, type, o, comm, stream));
    }

    @Override
    public void broadcast(Tensor tensor, int root) {
        open();
        Objects.requireNonNull(tensor, "tensor").checkOpen();
        if (root < 0 || root >= worldSize()) {
            throw new IllegalArgumentException("root " + root + " is not a rank of this group (world size "
                    + worldSize() + ")");
        }
        if (!device.owns(tensor)) {
            bootstrap.broadcast(tensor, root);
            return;
        }
        long p = device.pointer(tensor);
        int type = type(tensor);
        long n = tensor.size();
        device.onStream(stream -> nccl.broadcast(p, p, n, type, root, comm, stream));
    }

    @Override
    public void allGather(Tensor in, Tensor out) {
        open();
        Objects.requireNonNull(in, "in").checkOpen();
        Objects.requireNonNull(out, "out").checkOpen();
        if ((long) in.size() * worldSize() != out.size() || in.dtype() != out.dtype()) {
            throw new IllegalArgumentException("allGather: out must hold worldSize (" + worldSize() + ") times in's "
                    + "elements of in's dtype: in " + in.shape() + " " + in.dtype().label() + ", out " + out.shape()
                    + " " + out.dtype().label());
        }
        boolean inDev = device.owns(in);
        if (inDev != device.owns(out)) {
            throw new IllegalArgumentException("allGather: in and out must both be tensors of " + device.describe()
                    + " or both not: in on " + in.backend().name() + ", out on " + out.backend().name());
        }
        if (!inDev) {
            bootstrap.allGather(in, out);
            return;
        }
        long src = device.pointer(in);
        long dst = device.pointer(out);
        int type = type(in);
        long n = in.size();
        device.onStream(stream -> nccl.allGather(src, dst, n, type, comm, stream));
    }

    @Override
    public void barrier() {
        open();
        bootstrap.barrier();
    }

    @Override
    public void allReduce(float[] values, ReduceOp op) {
        open();
        bootstrap.allReduce(values, op);
    }

    @Override
    public void allReduce(double[] values, ReduceOp op) {
        open();
        bootstrap.allReduce(values, op);
    }

    @Override
    public void allReduce(long[] values, ReduceOp op) {
        open();
        bootstrap.allReduce(values, op);
    }

    @Override
    public void broadcast(byte[] data, int root) {
        open();
        bootstrap.broadcast(data, root);
    }

    @Override
    public void abort(String reason) {
        try {
            nccl.commAbort(comm);
        } catch (RuntimeException e) {
            System.err.println("cnn4j: ncclCommAbort failed: " + e.getMessage());
        }
        bootstrap.abort(reason);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            device.onStream(stream -> nccl.commDestroy(comm));
        } finally {
            bootstrap.close();
        }
    }

    private static int type(Tensor t) {
        return t.dtype() == DType.FLOAT64 ? Nccl.FLOAT64 : Nccl.FLOAT32;
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("process group closed (nccl, rank " + rank() + " of " + worldSize()
                    + ")");
        }
    }
}
