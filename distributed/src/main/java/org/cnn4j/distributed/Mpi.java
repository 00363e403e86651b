package org.cnn4j.distributed;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import org.cnn4j.core.NativeCallException;

/**
 * Open MPI's C API bound through the Foreign Function and Memory API. Open MPI's handles are the addresses of
 * global objects in {@code libmpi} ({@code MPI_COMM_WORLD} is {@code &ompi_mpi_comm_world}, {@code MPI_FLOAT}
 * {@code &ompi_mpi_float}, ...), looked up by name here; another MPI (MPICH's integer handles) is not bound.
 *
 * <p>Every call's return code is checked: the communicator's error handler is set to {@code MPI_ERRORS_RETURN}
 * right after initialization, so a failure is a {@link NativeCallException} naming the call and MPI's message
 * instead of an abort inside the library.
 */
final class Mpi {
    static final String LIBRARY = "mpi";
    /** {@code MPI_THREAD_MULTIPLE}: the watchdog thread may call {@code MPI_Abort} while a collective blocks. */
    static final int THREAD_MULTIPLE = 3;
    /** Open MPI's {@code MPI_IN_PLACE}, {@code (void *) 1}. */
    static final MemorySegment IN_PLACE = MemorySegment.ofAddress(1);

    private static final Linker LINKER = Linker.nativeLinker();

    final String where;
    final MemorySegment commWorld;
    final MemorySegment typeFloat;
    final MemorySegment typeDouble;
    final MemorySegment typeInt64;
    final MemorySegment typeByte;
    final MemorySegment opSum;
    private final MemorySegment errorsReturn;

    private final MethodHandle initThread;
    private final MethodHandle initialized;
    private final MethodHandle finalized;
    private final MethodHandle finalizeCall;
    private final MethodHandle commRank;
    private final MethodHandle commSize;
    private final MethodHandle commSetErrhandler;
    private final MethodHandle allreduce;
    private final MethodHandle bcast;
    private final MethodHandle allgather;
    private final MethodHandle alltoall;
    private final MethodHandle barrier;
    private final MethodHandle abort;
    private final MethodHandle errorString;
    private final MethodHandle getLibraryVersion;

    Mpi(SymbolLookup symbols, String where) {
        this.where = where;
        commWorld = object(symbols, "ompi_mpi_comm_world");
        typeFloat = object(symbols, "ompi_mpi_float");
        typeDouble = object(symbols, "ompi_mpi_double");
        typeInt64 = object(symbols, "ompi_mpi_int64_t");
        typeByte = object(symbols, "ompi_mpi_byte");
        opSum = object(symbols, "ompi_mpi_op_sum");
        errorsReturn = object(symbols, "ompi_mpi_errors_return");
        initThread = bind(symbols, "MPI_Init_thread", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT,
                ADDRESS));
        initialized = bind(symbols, "MPI_Initialized", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        finalized = bind(symbols, "MPI_Finalized", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        finalizeCall = bind(symbols, "MPI_Finalize", FunctionDescriptor.of(JAVA_INT));
        commRank = bind(symbols, "MPI_Comm_rank", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        commSize = bind(symbols, "MPI_Comm_size", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        commSetErrhandler = bind(symbols, "MPI_Comm_set_errhandler", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                ADDRESS));
        allreduce = bind(symbols, "MPI_Allreduce", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT,
                ADDRESS, ADDRESS, ADDRESS));
        bcast = bind(symbols, "MPI_Bcast", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT,
                ADDRESS));
        allgather = bind(symbols, "MPI_Allgather", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS,
                ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        alltoall = bind(symbols, "MPI_Alltoall", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS,
                ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        barrier = bind(symbols, "MPI_Barrier", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        abort = bind(symbols, "MPI_Abort", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        errorString = bind(symbols, "MPI_Error_string", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS,
                ADDRESS));
        getLibraryVersion = bind(symbols, "MPI_Get_library_version", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                ADDRESS));
    }

    private static MemorySegment object(SymbolLookup symbols, String name) {
        return symbols.find(name).orElseThrow(() -> new IllegalStateException(LIBRARY + ": symbol " + name
                + " not found: not Open MPI's libmpi (only Open MPI's ABI is bound)"));
    }

    private static MethodHandle bind(SymbolLookup symbols, String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(object(symbols, name), descriptor);
    }

    /** {@code MPI_Initialized}. */
    boolean initialized() {
        return flag(initialized, "MPI_Initialized");
    }

    /** {@code MPI_Finalized}. */
    boolean finalized() {
        return flag(finalized, "MPI_Finalized");
    }

    private boolean flag(MethodHandle h, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = a.allocate(JAVA_INT);
            check(name, call(h, f));
            return f.get(JAVA_INT, 0) != 0;
        }
    }

    /** {@code MPI_Init_thread(NULL, NULL, required, &provided)}; returns the thread level provided. */
    int initThread(int required) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment provided = a.allocate(JAVA_INT);
            check("MPI_Init_thread", call(initThread, MemorySegment.NULL, MemorySegment.NULL, required, provided));
            return provided.get(JAVA_INT, 0);
        }
    }

    /** Makes failing calls on {@code MPI_COMM_WORLD} return their code instead of aborting the job. */
    void errorsReturn() {
        check("MPI_Comm_set_errhandler", call(commSetErrhandler, commWorld, errorsReturn));
    }

    int rank() {
        return intOut(commRank, "MPI_Comm_rank");
    }

    int size() {
        return intOut(commSize, "MPI_Comm_size");
    }

    private int intOut(MethodHandle h, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check(name, call(h, commWorld, v));
            return v.get(JAVA_INT, 0);
        }
    }

    void allreduce(MemorySegment send, MemorySegment recv, int count, MemorySegment type) {
        int rc;
        try {
            rc = (int) allreduce.invokeExact(send, recv, count, type, opSum, commWorld);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check("MPI_Allreduce", rc);
    }

    void bcast(MemorySegment buf, int count, MemorySegment type, int root) {
        int rc;
        try {
            rc = (int) bcast.invokeExact(buf, count, type, root, commWorld);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check("MPI_Bcast", rc);
    }

    void allgather(MemorySegment send, int count, MemorySegment recv, MemorySegment type) {
        int rc;
        try {
            rc = (int) allgather.invokeExact(send, count, type, recv, count, type, commWorld);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check("MPI_Allgather", rc);
    }

    void alltoall(MemorySegment send, int count, MemorySegment recv, MemorySegment type) {
        int rc;
        try {
            rc = (int) alltoall.invokeExact(send, count, type, recv, count, type, commWorld);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check("MPI_Alltoall", rc);
    }

    void barrier() {
        int rc;
        try {
            rc = (int) barrier.invokeExact(commWorld);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check("MPI_Barrier", rc);
    }

    /** {@code MPI_Abort(MPI_COMM_WORLD, code)}: does not return when it works. */
    void abort(int code) {
        check("MPI_Abort", call(abort, commWorld, code));
    }

    void finalizeMpi() {
        check("MPI_Finalize", call(finalizeCall));
    }

    /** {@code MPI_Get_library_version}'s first line ({@code Open MPI v4.1.4, ...}). */
    String version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(8192);
            MemorySegment len = a.allocate(JAVA_INT);
            check("MPI_Get_library_version", call(getLibraryVersion, buf, len));
            String v = buf.getString(0);
            int nl = v.indexOf('\n');
            v = nl >= 0 ? v.substring(0, nl) : v;
            int comma = v.indexOf(',');
            return (comma >= 0 ? v.substring(0, comma) : v).strip();
        }
    }

    /** MPI's message for an error code, or null when it has none. */
    String message(int code) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(1024);
            MemorySegment len = a.allocate(JAVA_INT);
            int rc = call(errorString, code, buf, len);
            return rc == 0 ? buf.getString(0) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    void check(String function, int code) {
        if (code != 0) {
            String msg = message(code);
            throw new NativeCallException(LIBRARY, function, code, msg != null ? msg : "MPI error " + code,
                    "libmpi " + where);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    static int call(MethodHandle h, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
