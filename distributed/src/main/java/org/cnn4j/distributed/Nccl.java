package org.cnn4j.distributed;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import org.cnn4j.core.NativeCallException;

/**
 * NVIDIA's NCCL bound through the Foreign Function and Memory API: the calls a data-parallel process group needs,
 * on device pointers and a CUDA stream given as addresses. Every {@code ncclResult_t} is checked and turned into a
 * {@link NativeCallException} with {@code ncclGetErrorString}'s text and the call's name.
 */
final class Nccl {
    static final String LIBRARY = "nccl";
    /** {@code NCCL_UNIQUE_ID_BYTES}. */
    static final int UNIQUE_ID_BYTES = 128;
    /** {@code ncclFloat32}, {@code ncclFloat64}. */
    static final int FLOAT32 = 7;
    static final int FLOAT64 = 8;
    /** {@code ncclSum}, {@code ncclAvg} (NCCL 2.10 and newer). */
    static final int SUM = 0;
    static final int AVG = 4;
    /** The oldest NCCL bound: 2.10, the first with {@code ncclAvg}. */
    static final int MIN_VERSION = 21000;

    private static final Linker LINKER = Linker.nativeLinker();
    /** {@code ncclUniqueId}, passed by value to {@code ncclCommInitRank}. */
    static final MemoryLayout UNIQUE_ID = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(UNIQUE_ID_BYTES, JAVA_BYTE).withName("internal"));

    final String where;
    private final MethodHandle getVersion;
    private final MethodHandle getUniqueId;
    private final MethodHandle commInitRank;
    private final MethodHandle allReduce;
    private final MethodHandle broadcast;
    private final MethodHandle allGather;
    private final MethodHandle commDestroy;
    private final MethodHandle commAbort;
    private final MethodHandle getErrorString;

    Nccl(NativeLibraries.Loaded loaded) {
        this(loaded.symbols(), loaded.where());
    }

    Nccl(SymbolLookup symbols, String where) {
        this.where = where;
        getVersion = bind(symbols, "ncclGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getUniqueId = bind(symbols, "ncclGetUniqueId", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        commInitRank = bind(symbols, "ncclCommInitRank", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
                UNIQUE_ID, JAVA_INT));
        allReduce = bind(symbols, "ncclAllReduce", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
        broadcast = bind(symbols, "ncclBroadcast", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
        allGather = bind(symbols, "ncclAllGather", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                JAVA_INT, ADDRESS, JAVA_LONG));
        commDestroy = bind(symbols, "ncclCommDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        commAbort = bind(symbols, "ncclCommAbort", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getErrorString = bind(symbols, "ncclGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    private static MethodHandle bind(SymbolLookup symbols, String name, FunctionDescriptor descriptor) {
        MemorySegment address = symbols.find(name).orElseThrow(() -> new IllegalStateException(
                LIBRARY + ": symbol " + name + " not found in the loaded library"));
        return LINKER.downcallHandle(address, descriptor);
    }

    /** {@code ncclGetVersion}: {@code 22704} for 2.27.4. */
    int version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("ncclGetVersion", call(getVersion, v));
            return v.get(JAVA_INT, 0);
        }
    }

    /** {@code 22704} as {@code "2.27.4"} (the encoding of NCCL 2.9 and newer). */
    static String versionString(int v) {
        return v >= 10000 ? v / 10000 + "." + v / 100 % 100 + "." + v % 100 : v / 1000 + "." + v / 100 % 10 + "."
                + v % 100;
    }

    /** {@code ncclGetUniqueId}: the 128 bytes rank 0 makes and every rank passes to {@link #commInitRank}. */
    byte[] uniqueId() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment id = a.allocate(UNIQUE_ID);
            check("ncclGetUniqueId", call(getUniqueId, id));
            return id.toArray(JAVA_BYTE);
        }
    }

    /** {@code ncclCommInitRank}: blocks until all {@code nranks} ranks have called it; returns the communicator. */
    MemorySegment commInitRank(int nranks, byte[] id, int rank) {
        if (id.length != UNIQUE_ID_BYTES) {
            throw new IllegalArgumentException("NCCL unique id: " + id.length + " bytes, expected "
                    + UNIQUE_ID_BYTES);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment comm = a.allocate(ADDRESS);
            MemorySegment idv = a.allocate(UNIQUE_ID);
            MemorySegment.copy(id, 0, idv, JAVA_BYTE, 0, UNIQUE_ID_BYTES);
            check("ncclCommInitRank", call(commInitRank, comm, nranks, idv, rank));
            return comm.get(ADDRESS, 0);
        }
    }

    void allReduce(long send, long recv, long count, int type, int op, MemorySegment comm, long stream) {
        int rc;
        try {
            rc = (int) allReduce.invokeExact(send, recv, count, type, op, comm, stream);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check("ncclAllReduce", rc);
    }

    void broadcast(long send, long recv, long count, int type, int root, MemorySegment comm, long stream) {
        int rc;
        try {
            rc = (int) broadcast.invokeExact(send, recv, count, type, root, comm, stream);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check("ncclBroadcast", rc);
    }

    void allGather(long send, long recv, long sendCount, int type, MemorySegment comm, long stream) {
        int rc;
        try {
            rc = (int) allGather.invokeExact(send, recv, sendCount, type, comm, stream);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check("ncclAllGather", rc);
    }

    void commDestroy(MemorySegment comm) {
        check("ncclCommDestroy", call(commDestroy, comm));
    }

    void commAbort(MemorySegment comm) {
        check("ncclCommAbort", call(commAbort, comm));
    }

    /** {@code ncclGetErrorString}, or null when it has no text. */
    String errorString(int code) {
        try {
            MemorySegment s = (MemorySegment) getErrorString.invokeExact(code);
            return s.equals(MemorySegment.NULL) ? null : s.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            return null;
        }
    }

    void check(String function, int code) {
        if (code != 0) {
            String text = errorString(code);
            throw new NativeCallException(LIBRARY, function, code, text != null ? text : "ncclResult " + code,
                    "libnccl " + where);
        }
    }

    private static int call(MethodHandle h, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (Throwable t) {
            throw rethrow(t);
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
}
