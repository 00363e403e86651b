package org.cnn4j.distributed;

import java.util.Objects;
import org.cnn4j.core.Tensor;

/**
 * The group of one process: every collective leaves its data as it is (the sum and average over one rank), and
 * all-gather copies. Needs no library; what a one-process run and the tests use.
 */
public final class SingleProcessGroup implements ProcessGroup {
    private boolean closed;

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int worldSize() {
        return 1;
    }

    @Override
    public int localRank() {
        return 0;
    }

    @Override
    public String describe() {
        return "single (one process, no library)";
    }

    @Override
    public void allReduce(Tensor tensor, ReduceOp op) {
        open();
        Objects.requireNonNull(tensor, "tensor").checkOpen();
        Objects.requireNonNull(op, "op");
    }

    @Override
    public void broadcast(Tensor tensor, int root) {
        open();
        Objects.requireNonNull(tensor, "tensor").checkOpen();
        root(root);
    }

    @Override
    public void allGather(Tensor in, Tensor out) {
        open();
        Objects.requireNonNull(in, "in").checkOpen();
        Objects.requireNonNull(out, "out").checkOpen();
        if (in.size() != out.size() || in.dtype() != out.dtype()) {
            throw new IllegalArgumentException("allGather: out must hold worldSize (1) times in's elements of in's"
                    + " dtype: in " + in.shape() + " " + in.dtype().label() + ", out " + out.shape() + " "
                    + out.dtype().label());
        }
        if (!in.sharesMemoryWith(out)) {
            out.copyFrom(in.toDoubleArray());
        }
    }

    @Override
    public void barrier() {
        open();
    }

    @Override
    public void allReduce(float[] values, ReduceOp op) {
        open();
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(op, "op");
    }

    @Override
    public void allReduce(double[] values, ReduceOp op) {
        open();
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(op, "op");
    }

    @Override
    public void allReduce(long[] values, ReduceOp op) {
        open();
        Objects.requireNonNull(values, "values");
        if (op != ReduceOp.SUM) {
            throw new IllegalArgumentException("allReduce(long[]): op must be SUM (an average of integers is not an"
                    + " integer; reduce as double[] instead), got " + op);
        }
    }

    @Override
    public void broadcast(byte[] data, int root) {
        open();
        Objects.requireNonNull(data, "data");
        root(root);
    }

    @Override
    public void abort(String reason) {
        System.err.println("cnn4j: rank 0 of 1 aborts: " + reason);
        System.err.flush();
        Runtime.getRuntime().halt(MpiProcessGroup.ABORT_EXIT_CODE);
    }

    @Override
    public void close() {
        closed = true;
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("process group closed (single)");
        }
    }

    private static void root(int root) {
        if (root != 0) {
            throw new IllegalArgumentException("root " + root + " is not a rank of this group (world size 1)");
        }
    }
}
