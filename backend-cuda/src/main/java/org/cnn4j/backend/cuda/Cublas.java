package org.cnn4j.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * cuBLAS ({@code libcublas.so.13} or {@code .12}, with {@code libcublasLt} beside it). cuBLAS is column-major;
 * {@link #gemmRowMajor} does the row-major product the operators describe by computing the transpose.
 * Scalars are passed by host pointer (the default pointer mode). TF32 tensor-core math stays off unless
 * {@code -Dcnn4j.cuda.tf32=true}, so float32 products round as float32 products.
 *
 * <p>None of this has run on a GPU machine yet.
 */
final class Cublas {
    static final String LIB = "cublas";
    static final int OP_N = 0;
    static final int OP_T = 1;
    static final int DEFAULT_MATH = 0;
    static final int TF32_TENSOR_OP_MATH = 3;

    private final MethodHandle cublasCreate;
    private final MethodHandle cublasDestroy;
    private final MethodHandle cublasGetVersion;
    private final MethodHandle cublasSetStream;
    private final MethodHandle cublasSetMathMode;
    private final MethodHandle cublasSgemm;
    private final MethodHandle cublasSgeam;
    private final MethodHandle cublasSaxpy;
    private final MethodHandle cublasSscal;

    Cublas(SymbolLookup s) {
        cublasCreate = b(s, "cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cublasDestroy = b(s, "cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cublasGetVersion = b(s, "cublasGetVersion_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cublasSetStream = b(s, "cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cublasSetMathMode = b(s, "cublasSetMathMode", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cublasSgemm = b(s, "cublasSgemm_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS,
                JAVA_LONG, JAVA_INT));
        cublasSgeam = b(s, "cublasSgeam", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
        cublasSaxpy = b(s, "cublasSaxpy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS,
                JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
        cublasSscal = b(s, "cublasSscal_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS,
                JAVA_LONG, JAVA_INT));
    }

    private static MethodHandle b(SymbolLookup s, String name, FunctionDescriptor d) {
        return Native.bind(s, LIB, name, d);
    }

    static void check(String function, int code) {
        Native.check(LIB, function, code, CudaStatus::cublasStatus, null);
    }

    MemorySegment create() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = a.allocate(ADDRESS);
            check("cublasCreate_v2", Native.call(cublasCreate, h));
            return h.get(ADDRESS, 0);
        }
    }

    void destroy(MemorySegment handle) {
        check("cublasDestroy_v2", Native.call(cublasDestroy, handle));
    }

    int version(MemorySegment handle) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cublasGetVersion_v2", Native.call(cublasGetVersion, handle, v));
            return v.get(JAVA_INT, 0);
        }
    }

    void setStream(MemorySegment handle, MemorySegment stream) {
        check("cublasSetStream_v2", Native.call(cublasSetStream, handle, stream));
    }

    void setMathMode(MemorySegment handle, int mode) {
        check("cublasSetMathMode", Native.call(cublasSetMathMode, handle, mode));
    }

    /**
     * Row-major {@code c[m,n] = alpha * op(a) * op(b) + beta * c}, {@code a} being [m,k] ([k,m] when
     * {@code transA}) and {@code b} [k,n] ([n,k] when {@code transB}). Computed as the column-major
     * {@code c^T = op(b)^T * op(a)^T}. With {@code beta == 0} cuBLAS does not read {@code c}.
     */
    void gemmRowMajor(MemorySegment handle, boolean transA, boolean transB, int m, int n, int k, float alpha,
            long a, long b, float beta, long c) {
        int lda = transA ? m : k;
        int ldb = transB ? k : n;
        try (Arena ar = Arena.ofConfined()) {
            check("cublasSgemm_v2", Native.call(cublasSgemm, handle, transB ? OP_T : OP_N, transA ? OP_T : OP_N,
                    n, m, k, ar.allocateFrom(JAVA_FLOAT, alpha), b, ldb, a, lda, ar.allocateFrom(JAVA_FLOAT, beta),
                    c, n));
        }
    }

    /** {@code c = alpha * a + beta * b} on {@code count} contiguous values (as a 1 x count matrix). */
    void geam(MemorySegment handle, int count, float alpha, long a, float beta, long b, long c) {
        try (Arena ar = Arena.ofConfined()) {
            check("cublasSgeam", Native.call(cublasSgeam, handle, OP_N, OP_N, 1, count,
                    ar.allocateFrom(JAVA_FLOAT, alpha), a, 1, ar.allocateFrom(JAVA_FLOAT, beta), b, 1, c, 1));
        }
    }

    /** {@code y += alpha * x}. */
    void axpy(MemorySegment handle, int count, float alpha, long x, long y) {
        try (Arena ar = Arena.ofConfined()) {
            check("cublasSaxpy_v2", Native.call(cublasSaxpy, handle, count, ar.allocateFrom(JAVA_FLOAT, alpha),
                    x, 1, y, 1));
        }
    }

    /** {@code x *= alpha}. */
    void scal(MemorySegment handle, int count, float alpha, long x) {
        try (Arena ar = Arena.ofConfined()) {
            check("cublasSscal_v2", Native.call(cublasSscal, handle, count, ar.allocateFrom(JAVA_FLOAT, alpha), x, 1));
        }
    }
}
