package org.cnn4j.distributed;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.cnn4j.core.DType;
import org.cnn4j.core.Tensor;
import org.cnn4j.spi.SignalHandlers;

/**
 * A process group over Open MPI's {@code MPI_COMM_WORLD}, for tensors of any backend through host copies.
 *
 * <p><b>Deterministic all-reduce.</b> MPI does not promise in which order {@code MPI_Allreduce} adds the ranks'
 * values (Open MPI picks among several algorithms by message size and world size, and a tuned or different
 * network can change the choice), so floating-point sums would depend on it. By default ({@link
 * ProcessGroups#DETERMINISTIC}) the float and double all-reduce is therefore done here as a reduce-scatter and an
 * all-gather with a fixed order: the vector is cut into {@code worldSize} chunks, {@code MPI_Alltoall} gives rank
 * {@code r} every rank's chunk {@code r}, rank {@code r} adds them in rank order (rank 0's, plus rank 1's, ...),
 * and {@code MPI_Allgather} gives everyone every reduced chunk. Each element is added once, by one rank, in the
 * same order whatever MPI chooses, so every rank and every run get the same bits, and they are those of the
 * rank-order sum computed in one process. It moves the same {@code 2(N-1)/N} times the vector's bytes per rank as
 * a ring all-reduce (the cost model of the docs), and adds the summation on the host. With two ranks, and for
 * small vectors, one {@code MPI_Allgather} of the whole vectors followed by the same rank-order sum on every rank
 * does it in one round trip instead of two (for two ranks with the same bytes moved); {@code
 * -Dcnn4j.distributed.deterministic=false} calls {@code MPI_Allreduce} instead (docs/distributed.md has both
 * measured). Integer sums ({@code long[]}) are exact in any order and always use {@code MPI_Allreduce}.
 *
 * <p>MPI allows one {@code MPI_Init} per process: a group closed here (which calls {@code MPI_Finalize}) cannot
 * be opened again in the same process.
 */
public final class MpiProcessGroup implements ProcessGroup {
    /** The exit code of a job ended by {@link #abort}. */
    public static final int ABORT_EXIT_CODE = 1;
    /** The exit code of a job ended by the watchdog (a collective past its timeout). */
    public static final int TIMEOUT_EXIT_CODE = 124;

    private static boolean initializedHere;
    private static int providedLevel = -1;

    private final Mpi mpi;
    private final int rank;
    private final int size;
    private final int localRank;
    private final int threadLevel;
    private boolean deterministic;
    private final Watchdog watchdog;
    private final Arena arena = Arena.ofShared();
    private MemorySegment send = MemorySegment.NULL;
    private MemorySegment recv = MemorySegment.NULL;
    private MemorySegment mine = MemorySegment.NULL;
    private final Map<Integer, float[]> floatScratch = new HashMap<>();
    private final Map<Integer, double[]> doubleScratch = new HashMap<>();
    private boolean closed;

    private MpiProcessGroup(Mpi mpi, int rank, int size, int localRank, int threadLevel, boolean deterministic,
            long timeoutMillis) {
        this.mpi = mpi;
        this.rank = rank;
        this.size = size;
        this.localRank = localRank;
        this.threadLevel = threadLevel;
        this.deterministic = deterministic;
        this.watchdog = new Watchdog(timeoutMillis, "rank " + rank + " of " + size, this::timedOut);
    }

    /**
     * Initializes MPI (once per process) and opens the group on {@code MPI_COMM_WORLD}.
     *
     * @param launch what the launcher said, checked against MPI's own rank and size when present
     * @param timeoutMillis the longest a collective may take before the job is aborted; 0 for none
     */
    static synchronized MpiProcessGroup open(Mpi mpi, LaunchEnvironment launch, boolean deterministic,
            long timeoutMillis) {
        if (mpi.finalized()) {
            throw new IllegalStateException("MPI was finalized in this process (a process group was closed): MPI"
                    + " allows one MPI_Init per process");
        }
        if (!mpi.initialized()) {
            providedLevel = SignalHandlers.preserving(() -> mpi.initThread(Mpi.THREAD_MULTIPLE));
            initializedHere = true;
        }
        // initialized by someone else in this process: level unknown, the watchdog then halts the process instead
        int level = initializedHere ? providedLevel : -1;
        mpi.errorsReturn();
        int rank = mpi.rank();
        int size = mpi.size();
        if (launch != null && (launch.worldSize() != size || launch.rank() != rank)) {
            String why = "the launcher says rank " + launch.rank() + " of " + launch.worldSize() + " ("
                    + launch.source() + ") but MPI_Init gave rank " + rank + " of " + size
                    + (launch.mpiLauncher() ? "" : ": MPI needs an MPI launcher (mpirun, or srun with PMIx), not a"
                    + " torchrun-style one");
            if (size > 1) {
                System.err.println("cnn4j: rank " + rank + " of " + size + " aborts the job: " + why);
                System.err.flush();
                mpi.abort(ABORT_EXIT_CODE);
            }
            throw new IllegalStateException(why);
        }
        return new MpiProcessGroup(mpi, rank, size, launch == null ? 0 : launch.localRank(), level, deterministic,
                timeoutMillis);
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int worldSize() {
        return size;
    }

    @Override
    public int localRank() {
        return localRank;
    }

    @Override
    public String describe() {
        return "mpi (" + mpi.version() + ", " + mpi.where + "; rank " + rank + " of " + size + ", "
                + (deterministic ? "fixed-order reduction" : "MPI_Allreduce") + ")";
    }

    /** Whether float and double sums use the fixed-order reduction (see the class comment). */
    public boolean deterministic() {
        return deterministic;
    }

    /** Switches between the fixed-order reduction and {@code MPI_Allreduce} (every rank alike; the benchmark). */
    void deterministic(boolean on) {
        deterministic = on;
    }

    // ---- tensors -----------------------------------------------------------------------------------------

    @Override
    public void allReduce(Tensor tensor, ReduceOp op) {
        open();
        check(tensor, "tensor");
        Objects.requireNonNull(op, "op");
        if (size == 1) {
            return;
        }
        if (tensor.dtype() == DType.FLOAT64) {
            double[] h = doubles(tensor.size());
            tensor.copyTo(h);
            allReduce(h, op);
            tensor.copyFrom(h);
        } else {
            float[] h = floats(tensor.size());
            tensor.copyTo(h);
            allReduce(h, op);
            tensor.copyFrom(h);
        }
    }

    /** The float32 tensors as one message (host copies into one array), the others one by one. */
    @Override
    public void allReduce(List<Tensor> tensors, ReduceOp op) {
        open();
        Objects.requireNonNull(tensors, "tensors");
        Objects.requireNonNull(op, "op");
        long total = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            check(t, "tensors[" + i + "]");
            if (t.dtype() == DType.FLOAT32) {
                total += t.size();
            }
        }
        if (size == 1) {
            return;
        }
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("allReduce: " + total + " float32 values in one bucket, more than"
                    + " a Java array holds; split the bucket");
        }
        float[] bucket = floats((int) total);
        int at = 0;
        for (Tensor t : tensors) {
            if (t.dtype() == DType.FLOAT32) {
                float[] h = floats(t.size());
                t.copyTo(h);
                System.arraycopy(h, 0, bucket, at, h.length);
                at += h.length;
            }
        }
        allReduce(bucket, op);
        at = 0;
        for (Tensor t : tensors) {
            if (t.dtype() == DType.FLOAT32) {
                float[] h = floats(t.size());
                System.arraycopy(bucket, at, h, 0, h.length);
                t.copyFrom(h);
                at += h.length;
            } else {
                allReduce(t, op);
            }
        }
    }

    @Override
    public void broadcast(Tensor tensor, int root) {
        open();
        check(tensor, "tensor");
        checkRoot(root);
        if (size == 1) {
            return;
        }
        boolean dbl = tensor.dtype() == DType.FLOAT64;
        int n = tensor.size();
        long bytes = (long) n * (dbl ? 8 : 4);
        ensure(bytes, 0, 0);
        if (dbl) {
            double[] h = doubles(n);
            if (rank == root) {
                tensor.copyTo(h);
                MemorySegment.copy(h, 0, send, JAVA_DOUBLE, 0, n);
            }
            watchdog.enter("MPI_Bcast");
            try {
                mpi.bcast(send, n, mpi.typeDouble, root);
            } finally {
                watchdog.exit();
            }
            if (rank != root) {
                MemorySegment.copy(send, JAVA_DOUBLE, 0, h, 0, n);
                tensor.copyFrom(h);
            }
        } else {
            float[] h = floats(n);
            if (rank == root) {
                tensor.copyTo(h);
                MemorySegment.copy(h, 0, send, JAVA_FLOAT, 0, n);
            }
            watchdog.enter("MPI_Bcast");
            try {
                mpi.bcast(send, n, mpi.typeFloat, root);
            } finally {
                watchdog.exit();
            }
            if (rank != root) {
                MemorySegment.copy(send, JAVA_FLOAT, 0, h, 0, n);
                tensor.copyFrom(h);
            }
        }
    }

    @Override
    public void allGather(Tensor in, Tensor out) {
        open();
        check(in, "in");
        check(out, "out");
        if ((long) in.size() * size != out.size() || in.dtype() != out.dtype()) {
            throw new IllegalArgumentException("allGather: out must hold worldSize (" + size + ") times in's "
                    + "elements of in's dtype: in " + in.shape() + " " + in.dtype().label() + ", out " + out.shape()
                    + " " + out.dtype().label());
        }
        int n = in.size();
        boolean dbl = in.dtype() == DType.FLOAT64;
        int w = dbl ? 8 : 4;
        ensure((long) n * w, (long) n * size * w, 0);
        if (dbl) {
            double[] h = doubles(n);
            in.copyTo(h);
            MemorySegment.copy(h, 0, send, JAVA_DOUBLE, 0, n);
            watchdog.enter("MPI_Allgather");
            try {
                mpi.allgather(send, n, recv, mpi.typeDouble);
            } finally {
                watchdog.exit();
            }
            double[] o = doubles(out.size());
            MemorySegment.copy(recv, JAVA_DOUBLE, 0, o, 0, o.length);
            out.copyFrom(o);
        } else {
            float[] h = floats(n);
            in.copyTo(h);
            MemorySegment.copy(h, 0, send, JAVA_FLOAT, 0, n);
            watchdog.enter("MPI_Allgather");
            try {
                mpi.allgather(send, n, recv, mpi.typeFloat);
            } finally {
                watchdog.exit();
            }
            float[] o = floats(out.size());
            MemorySegment.copy(recv, JAVA_FLOAT, 0, o, 0, o.length);
            out.copyFrom(o);
        }
    }

    @Override
    public void barrier() {
        open();
        watchdog.enter("MPI_Barrier");
        try {
            mpi.barrier();
        } finally {
            watchdog.exit();
        }
    }

    // ---- host values -------------------------------------------------------------------------------------

    @Override
    public void allReduce(float[] values, ReduceOp op) {
        Objects.requireNonNull(values, "values");
        allReduce(values, values.length, FLOATS, op);
    }

    @Override
    public void allReduce(double[] values, ReduceOp op) {
        Objects.requireNonNull(values, "values");
        allReduce(values, values.length, DOUBLES, op);
    }

    /**
     * The element type of a host all-reduce: its layout, its MPI datatype, and the rank-order sum on two host
     * arrays of it (plain loops the JIT vectorizes).
     */
    private abstract static class Elements<A> {
        final ValueLayout layout;

        Elements(ValueLayout layout) {
            this.layout = layout;
        }

        abstract MemorySegment mpiType(Mpi mpi);

        /** Scratch array {@code slot} (0 or 1) of at least {@code n} elements, kept across calls. */
        abstract A temp(MpiProcessGroup g, int slot, int n);

        /** {@code acc[k] += next[k]} for k below {@code n}. */
        abstract void add(A acc, A next, int n);

        /** {@code acc[k] /= size} for k below {@code n}. */
        abstract void divide(A acc, int n, int size);
    }

    private static final Elements<float[]> FLOATS = new Elements<>(JAVA_FLOAT) {
        @Override
        MemorySegment mpiType(Mpi mpi) {
            return mpi.typeFloat;
        }

        @Override
        float[] temp(MpiProcessGroup g, int slot, int n) {
            if (g.floatTemps[slot].length < n) {
                g.floatTemps[slot] = new float[n];
            }
            return g.floatTemps[slot];
        }

        @Override
        void add(float[] acc, float[] next, int n) {
            for (int k = 0; k < n; k++) {
                acc[k] += next[k];
            }
        }

        @Override
        void divide(float[] acc, int n, int size) {
            for (int k = 0; k < n; k++) {
                acc[k] /= size;
            }
        }
    };

    private static final Elements<double[]> DOUBLES = new Elements<>(JAVA_DOUBLE) {
        @Override
        MemorySegment mpiType(Mpi mpi) {
            return mpi.typeDouble;
        }

        @Override
        double[] temp(MpiProcessGroup g, int slot, int n) {
            if (g.doubleTemps[slot].length < n) {
                g.doubleTemps[slot] = new double[n];
            }
            return g.doubleTemps[slot];
        }

        @Override
        void add(double[] acc, double[] next, int n) {
            for (int k = 0; k < n; k++) {
                acc[k] += next[k];
            }
        }

        @Override
        void divide(double[] acc, int n, int size) {
            for (int k = 0; k < n; k++) {
                acc[k] /= size;
            }
        }
    };

    /** The float or double all-reduce of the {@code n} values of {@code values}, in place. */
    private <A> void allReduce(A values, int n, Elements<A> e, ReduceOp op) {
        open();
        Objects.requireNonNull(op, "op");
        if (size == 1 || n == 0) {
            return;
        }
        long bytes = e.layout.byteSize();
        MemorySegment type = e.mpiType(mpi);
        if (!deterministic) {
            ensure(n * bytes, 0, 0);
            MemorySegment.copy(values, 0, send, e.layout, 0, n);
            watchdog.enter("MPI_Allreduce");
            try {
                mpi.allreduce(Mpi.IN_PLACE, send, n, type);
            } finally {
                watchdog.exit();
            }
            MemorySegment.copy(send, e.layout, 0, values, 0, n);
            if (op == ReduceOp.AVG) {
                e.divide(values, n, size);
            }
            return;
        }
        if (gatherAll(n * bytes)) {
            ensure(n * bytes, n * bytes * size, 0);
            MemorySegment.copy(values, 0, send, e.layout, 0, n);
            watchdog.enter("MPI_Allgather");
            try {
                mpi.allgather(send, n, recv, type);
            } finally {
                watchdog.exit();
            }
            A next = e.temp(this, 1, n);
            MemorySegment.copy(recv, e.layout, 0, values, 0, n);
            for (int j = 1; j < size; j++) {
                MemorySegment.copy(recv, e.layout, (long) j * n * bytes, next, 0, n);
                e.add(values, next, n);
            }
            if (op == ReduceOp.AVG) {
                e.divide(values, n, size);
            }
            return;
        }
        int chunk = chunk(n);
        long padded = chunk * bytes * size;
        ensure(padded, padded, chunk * bytes);
        MemorySegment.copy(values, 0, send, e.layout, 0, n);
        send.asSlice(n * bytes, padded - n * bytes).fill((byte) 0);
        watchdog.enter("MPI_Alltoall");
        try {
            mpi.alltoall(send, chunk, recv, type);
        } finally {
            watchdog.exit();
        }
        // rank order: ((chunk of rank 0 + rank 1's) + rank 2's) ..., element by element
        A acc = e.temp(this, 0, chunk);
        A next = e.temp(this, 1, chunk);
        MemorySegment.copy(recv, e.layout, 0, acc, 0, chunk);
        for (int j = 1; j < size; j++) {
            MemorySegment.copy(recv, e.layout, (long) j * chunk * bytes, next, 0, chunk);
            e.add(acc, next, chunk);
        }
        if (op == ReduceOp.AVG) {
            e.divide(acc, chunk, size);
        }
        MemorySegment.copy(acc, 0, mine, e.layout, 0, chunk);
        watchdog.enter("MPI_Allgather");
        try {
            mpi.allgather(mine, chunk, recv, type);
        } finally {
            watchdog.exit();
        }
        MemorySegment.copy(recv, e.layout, 0, values, 0, n);
    }

    @Override
    public void allReduce(long[] values, ReduceOp op) {
        open();
        Objects.requireNonNull(values, "values");
        if (op != ReduceOp.SUM) {
            throw new IllegalArgumentException("allReduce(long[]): op must be SUM (an average of integers is not an"
                    + " integer; reduce as double[] instead), got " + op);
        }
        int n = values.length;
        if (size == 1 || n == 0) {
            return;
        }
        ensure((long) n * 8, 0, 0);
        MemorySegment.copy(values, 0, send, JAVA_LONG, 0, n);
        watchdog.enter("MPI_Allreduce");
        try {
            mpi.allreduce(Mpi.IN_PLACE, send, n, mpi.typeInt64);
        } finally {
            watchdog.exit();
        }
        MemorySegment.copy(send, JAVA_LONG, 0, values, 0, n);
    }

    @Override
    public void broadcast(byte[] data, int root) {
        open();
        Objects.requireNonNull(data, "data");
        checkRoot(root);
        int n = data.length;
        if (size == 1 || n == 0) {
            return;
        }
        ensure(n, 0, 0);
        MemorySegment.copy(data, 0, send, JAVA_BYTE, 0, n);
        watchdog.enter("MPI_Bcast");
        try {
            mpi.bcast(send, n, mpi.typeByte, root);
        } finally {
            watchdog.exit();
        }
        MemorySegment.copy(send, JAVA_BYTE, 0, data, 0, n);
    }

    // ---- ending --------------------------------------------------------------------------------------------

    @Override
    public void abort(String reason) {
        System.err.println("cnn4j: rank " + rank + " of " + size + " aborts the job: " + reason);
        System.err.flush();
        endJob(ABORT_EXIT_CODE, false);
    }

    private void timedOut(String message) {
        System.err.println(message);
        System.err.flush();
        endJob(TIMEOUT_EXIT_CODE, true);
    }

    /**
     * {@code MPI_Abort}, which makes {@code mpirun} end every rank; where MPI was not initialized here for
     * threads, or the abort returns, this process halts with the code and {@code mpirun} ends the others.
     */
    private void endJob(int code, boolean fromWatchdog) {
        if (threadLevel == Mpi.THREAD_MULTIPLE || !fromWatchdog) {
            try {
                mpi.abort(code);
            } catch (RuntimeException e) {
                System.err.println("cnn4j: MPI_Abort failed (" + e.getMessage() + "); exiting");
            }
        }
        Runtime.getRuntime().halt(code);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        watchdog.close();
        arena.close();
        synchronized (MpiProcessGroup.class) {
            if (initializedHere && !mpi.finalized()) {
                mpi.finalizeMpi();
            }
        }
    }

    // ---- plumbing ------------------------------------------------------------------------------------------

    /**
     * Whether a fixed-order sum of {@code bytes} per rank gathers every rank's whole vector (one {@code
     * MPI_Allgather}, {@code (N-1)} times the bytes in) instead of reduce-scatter plus all-gather (two collectives,
     * {@code 2(N-1)/N} times): for two ranks both move the same bytes, and for small vectors one round trip is
     * cheaper than two. Both add in rank order, so the choice never changes a bit of the result.
     */
    private boolean gatherAll(long bytes) {
        return switch (sumPath) {
            case AUTO -> size == 2 || bytes * size <= GATHER_ALL_BYTES;
            case GATHER_ALL -> true;
            case REDUCE_SCATTER -> false;
        };
    }

    /** How the fixed-order sum moves the data; {@code AUTO} but in the tests and the benchmark. */
    enum SumPath { AUTO, GATHER_ALL, REDUCE_SCATTER }

    private SumPath sumPath = SumPath.AUTO;

    /** Chooses the fixed-order sum's data movement (every rank alike); the result's bits do not depend on it. */
    void sumPath(SumPath path) {
        sumPath = path;
    }

    /** The most bytes a rank receives in the gather-everything sum (above, with more than 2 ranks: reduce-scatter). */
    static final long GATHER_ALL_BYTES = 1 << 20;

    private int chunk(int n) {
        int chunk = (n + size - 1) / size;
        if ((long) chunk * size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("allReduce: " + n + " values do not fit MPI's int counts");
        }
        return chunk;
    }

    private void ensure(long sendBytes, long recvBytes, long mineBytes) {
        if (send.byteSize() < sendBytes) {
            send = arena.allocate(Math.max(sendBytes, send.byteSize() * 2), 64);
        }
        if (recv.byteSize() < recvBytes) {
            recv = arena.allocate(Math.max(recvBytes, recv.byteSize() * 2), 64);
        }
        if (mine.byteSize() < mineBytes) {
            mine = arena.allocate(Math.max(mineBytes, mine.byteSize() * 2), 64);
        }
    }

    private final float[][] floatTemps = new float[2][0];
    private final double[][] doubleTemps = new double[2][0];

    /** Summation scratch {@code i} (0 or 1), at least {@code n} long, kept between calls. */
    private float[] floats(int n) {
        return floatScratch.computeIfAbsent(n, float[]::new);
    }

    private double[] doubles(int n) {
        return doubleScratch.computeIfAbsent(n, double[]::new);
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("process group closed (rank " + rank + " of " + size + ")");
        }
    }

    private static void check(Tensor t, String name) {
        Objects.requireNonNull(t, name);
        t.checkOpen();
    }

    private void checkRoot(int root) {
        if (root < 0 || root >= size) {
            throw new IllegalArgumentException("root " + root + " is not a rank of this group (world size " + size
                    + ")");
        }
    }
}
