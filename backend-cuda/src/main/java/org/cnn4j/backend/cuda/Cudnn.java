package org.cnn4j.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import org.cnn4j.core.NativeCallException;

/**
 * cuDNN ({@code libcudnn.so.9} or {@code .8}) through its legacy descriptor API, which both majors export:
 * tensor, filter, convolution, pooling and activation descriptors; convolution forward and backward with the
 * algorithm picked by {@code cudnnGet*Algorithm_v7} within a workspace limit; pooling, activation, softmax and
 * batch normalization forward and backward. Statuses are named in the numbering of the loaded major
 * ({@link CudaStatus#cudnnStatus}).
 *
 * <p>Device pointers are passed as {@code long}s where the C prototype has {@code void*}: both travel in the
 * same integer register on the x86-64 and AArch64 calling conventions. Scalars ({@code alpha}, {@code beta}) are
 * host pointers to float, as cuDNN requires for float tensors.
 *
 * <p>None of this has run on a GPU machine yet.
 */
final class Cudnn {
    static final String LIB = "cudnn";

    static final int DATA_FLOAT = 0;
    static final int TENSOR_NCHW = 0;
    static final int CROSS_CORRELATION = 1;
    static final int DEFAULT_MATH = 0;
    static final int TENSOR_OP_MATH = 1;
    static final int TENSOR_OP_MATH_ALLOW_CONVERSION = 2;
    static final int FMA_MATH = 3;
    /** {@code cudnnDeterminism_t}: {@code CUDNN_NON_DETERMINISTIC} 0, {@code CUDNN_DETERMINISTIC} 1. */
    static final int DETERMINISTIC = 1;
    static final int POOLING_MAX = 0;
    static final int POOLING_AVG_INCLUDE_PADDING = 1;
    static final int POOLING_AVG_EXCLUDE_PADDING = 2;
    static final int POOLING_MAX_DETERMINISTIC = 3;
    static final int PROPAGATE_NAN = 1;
    static final int ACTIVATION_SIGMOID = 0;
    static final int ACTIVATION_RELU = 1;
    static final int ACTIVATION_TANH = 2;
    static final int ACTIVATION_ELU = 4;
    static final int SOFTMAX_ACCURATE = 1;
    static final int SOFTMAX_LOG = 2;
    static final int SOFTMAX_MODE_CHANNEL = 1;
    static final int BATCHNORM_SPATIAL = 1;

    /**
     * {@code cudnnConvolution*AlgoPerf_t}: {@code {int algo; int status; float time; size_t memory;
     * int determinism; int mathType; int reserved[3];}}, the same layout for forward, backward data and filter.
     */
    static final MemoryLayout ALGO_PERF = MemoryLayout.structLayout(
            JAVA_INT.withName("algo"), JAVA_INT.withName("status"), JAVA_FLOAT.withName("time"),
            MemoryLayout.paddingLayout(4), JAVA_LONG.withName("memory"), JAVA_INT.withName("determinism"),
            JAVA_INT.withName("mathType"), MemoryLayout.sequenceLayout(3, JAVA_INT).withName("reserved"),
            MemoryLayout.paddingLayout(4));

    /** The convolution directions, for algorithm choice and the per-shape cache. */
    enum Direction { FORWARD, BACKWARD_DATA, BACKWARD_FILTER }

    /** An algorithm, the workspace it needs and the math type it runs with. */
    record Algo(int algo, long workspaceBytes, int mathType) {
    }

    private final int major;
    /** The host scalars 1 and 0 that every call passes by pointer (float, as cuDNN wants for float tensors). */
    private static final MemorySegment ONE = Arena.global().allocateFrom(JAVA_FLOAT, 1f);
    private static final MemorySegment ZERO = Arena.global().allocateFrom(JAVA_FLOAT, 0f);
    private final MethodHandle cudnnGetVersion;
    private final MethodHandle cudnnGetErrorString;
    private final MethodHandle cudnnCreate;
    private final MethodHandle cudnnDestroy;
    private final MethodHandle cudnnSetStream;
    private final MethodHandle cudnnCreateTensorDescriptor;
    private final MethodHandle cudnnSetTensor4dDescriptor;
    private final MethodHandle cudnnDestroyTensorDescriptor;
    private final MethodHandle cudnnCreateFilterDescriptor;
    private final MethodHandle cudnnSetFilter4dDescriptor;
    private final MethodHandle cudnnDestroyFilterDescriptor;
    private final MethodHandle cudnnCreateConvolutionDescriptor;
    private final MethodHandle cudnnSetConvolution2dDescriptor;
    private final MethodHandle cudnnSetConvolutionGroupCount;
    private final MethodHandle cudnnSetConvolutionMathType;
    private final MethodHandle cudnnDestroyConvolutionDescriptor;
    private final MethodHandle cudnnGetConvolutionForwardAlgorithm;
    private final MethodHandle cudnnGetConvolutionBackwardDataAlgorithm;
    private final MethodHandle cudnnGetConvolutionBackwardFilterAlgorithm;
    private final MethodHandle cudnnConvolutionForward;
    private final MethodHandle cudnnConvolutionBackwardData;
    private final MethodHandle cudnnConvolutionBackwardFilter;
    private final MethodHandle cudnnConvolutionBackwardBias;
    private final MethodHandle cudnnAddTensor;
    private final MethodHandle cudnnCreatePoolingDescriptor;
    private final MethodHandle cudnnSetPooling2dDescriptor;
    private final MethodHandle cudnnDestroyPoolingDescriptor;
    private final MethodHandle cudnnPoolingForward;
    private final MethodHandle cudnnPoolingBackward;
    private final MethodHandle cudnnCreateActivationDescriptor;
    private final MethodHandle cudnnSetActivationDescriptor;
    private final MethodHandle cudnnDestroyActivationDescriptor;
    private final MethodHandle cudnnActivationForward;
    private final MethodHandle cudnnSoftmaxForward;
    private final MethodHandle cudnnSoftmaxBackward;
    private final MethodHandle cudnnBatchNormalizationForwardTraining;
    private final MethodHandle cudnnBatchNormalizationForwardInference;
    private final MethodHandle cudnnBatchNormalizationBackward;

    Cudnn(SymbolLookup s, int major) {
        this.major = major;
        FunctionDescriptor ptrOut = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        cudnnGetVersion = b(s, "cudnnGetVersion", FunctionDescriptor.of(JAVA_LONG));
        cudnnGetErrorString = b(s, "cudnnGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        cudnnCreate = b(s, "cudnnCreate", ptrOut);
        cudnnDestroy = b(s, "cudnnDestroy", ptrOut);
        cudnnSetStream = b(s, "cudnnSetStream", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cudnnCreateTensorDescriptor = b(s, "cudnnCreateTensorDescriptor", ptrOut);
        cudnnSetTensor4dDescriptor = b(s, "cudnnSetTensor4dDescriptor", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        cudnnDestroyTensorDescriptor = b(s, "cudnnDestroyTensorDescriptor", ptrOut);
        cudnnCreateFilterDescriptor = b(s, "cudnnCreateFilterDescriptor", ptrOut);
        cudnnSetFilter4dDescriptor = b(s, "cudnnSetFilter4dDescriptor", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        cudnnDestroyFilterDescriptor = b(s, "cudnnDestroyFilterDescriptor", ptrOut);
        cudnnCreateConvolutionDescriptor = b(s, "cudnnCreateConvolutionDescriptor", ptrOut);
        cudnnSetConvolution2dDescriptor = b(s, "cudnnSetConvolution2dDescriptor", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        cudnnSetConvolutionGroupCount = b(s, "cudnnSetConvolutionGroupCount",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cudnnSetConvolutionMathType = b(s, "cudnnSetConvolutionMathType",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cudnnDestroyConvolutionDescriptor = b(s, "cudnnDestroyConvolutionDescriptor", ptrOut);
        FunctionDescriptor getAlgo = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
                JAVA_INT, ADDRESS, ADDRESS);
        cudnnGetConvolutionForwardAlgorithm = b(s, "cudnnGetConvolutionForwardAlgorithm_v7", getAlgo);
        cudnnGetConvolutionBackwardDataAlgorithm = b(s, "cudnnGetConvolutionBackwardDataAlgorithm_v7", getAlgo);
        cudnnGetConvolutionBackwardFilterAlgorithm = b(s, "cudnnGetConvolutionBackwardFilterAlgorithm_v7", getAlgo);
        FunctionDescriptor conv = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS,
                JAVA_LONG, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG);
        cudnnConvolutionForward = b(s, "cudnnConvolutionForward", conv);
        cudnnConvolutionBackwardData = b(s, "cudnnConvolutionBackwardData", conv);
        cudnnConvolutionBackwardFilter = b(s, "cudnnConvolutionBackwardFilter", conv);
        FunctionDescriptor addLike = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS,
                ADDRESS, JAVA_LONG);
        cudnnConvolutionBackwardBias = b(s, "cudnnConvolutionBackwardBias", addLike);
        cudnnAddTensor = b(s, "cudnnAddTensor", addLike);
        cudnnCreatePoolingDescriptor = b(s, "cudnnCreatePoolingDescriptor", ptrOut);
        cudnnSetPooling2dDescriptor = b(s, "cudnnSetPooling2dDescriptor", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        cudnnDestroyPoolingDescriptor = b(s, "cudnnDestroyPoolingDescriptor", ptrOut);
        FunctionDescriptor fwd = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG,
                ADDRESS, ADDRESS, JAVA_LONG);
        FunctionDescriptor bwd = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG,
                ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG);
        cudnnPoolingForward = b(s, "cudnnPoolingForward", fwd);
        cudnnPoolingBackward = b(s, "cudnnPoolingBackward", bwd);
        cudnnCreateActivationDescriptor = b(s, "cudnnCreateActivationDescriptor", ptrOut);
        cudnnSetActivationDescriptor = b(s, "cudnnSetActivationDescriptor", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_DOUBLE));
        cudnnDestroyActivationDescriptor = b(s, "cudnnDestroyActivationDescriptor", ptrOut);
        cudnnActivationForward = b(s, "cudnnActivationForward", fwd);
        cudnnSoftmaxForward = b(s, "cudnnSoftmaxForward", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
                JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
        cudnnSoftmaxBackward = b(s, "cudnnSoftmaxBackward", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
                JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
        cudnnBatchNormalizationForwardTraining = b(s, "cudnnBatchNormalizationForwardTraining",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS,
                        JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_DOUBLE, JAVA_LONG, JAVA_LONG, JAVA_DOUBLE,
                        JAVA_LONG, JAVA_LONG));
        cudnnBatchNormalizationForwardInference = b(s, "cudnnBatchNormalizationForwardInference",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS,
                        JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_DOUBLE));
        cudnnBatchNormalizationBackward = b(s, "cudnnBatchNormalizationBackward",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
                        JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                        JAVA_DOUBLE, JAVA_LONG, JAVA_LONG));
    }

    private static MethodHandle b(SymbolLookup s, String name, FunctionDescriptor d) {
        return Native.bind(s, LIB, name, d);
    }

    int major() {
        return major;
    }

    private void check(String function, int code) {
        if (code != 0) {
            String detail;
            try {
                detail = ((MemorySegment) Native.value(cudnnGetErrorString, code)).reinterpret(512).getString(0);
            } catch (RuntimeException e) {
                detail = null;
            }
            Native.check(LIB, function, code, c -> CudaStatus.cudnnStatus(major, c), detail);
        }
    }

    /** {@code cudnnGetVersion()}: 90100 for 9.1.0 (8xxx for cuDNN 8). */
    long version() {
        return (long) Native.value(cudnnGetVersion);
    }

    MemorySegment create() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = a.allocate(ADDRESS);
            check("cudnnCreate", Native.call(cudnnCreate, h));
            return h.get(ADDRESS, 0);
        }
    }

    void destroy(MemorySegment handle) {
        check("cudnnDestroy", Native.call(cudnnDestroy, handle));
    }

    void setStream(MemorySegment handle, MemorySegment stream) {
        check("cudnnSetStream", Native.call(cudnnSetStream, handle, stream));
    }

    /**
     * The descriptors of the shapes a backend has seen, made on first use and kept until {@link #close} (or
     * {@link #trim} between calls when more than {@link #LIMIT} have piled up), so an operator call creates none:
     * a call's descriptors are looked up by their geometry. Descriptors are host objects of one handle's
     * library; the map is used under the backend's lock.
     */
    final class Descriptors implements AutoCloseable {
        /** More descriptors than this are destroyed between calls (a long run over many shapes). */
        static final int LIMIT = 512;

        private record Key(char kind, int a, int b, int c, int d, int e, int f, int g, double coef) {
        }

        private final java.util.HashMap<Key, MemorySegment> made = new java.util.HashMap<>();
        private int created;

        private MemorySegment cached(Key key, MethodHandle create, String createName,
                java.util.function.Consumer<MemorySegment> set) {
            MemorySegment d = made.get(key);
            if (d != null) {
                return d;
            }
            try (Arena a = Arena.ofConfined()) {
                MemorySegment out = a.allocate(ADDRESS);
                check(createName, Native.call(create, out));
                d = out.get(ADDRESS, 0);
            }
            try {
                set.accept(d);
            } catch (RuntimeException e) {
                try {
                    destroy(key.kind(), d);
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            made.put(key, d);
            created++;
            return d;
        }

        private void destroy(char kind, MemorySegment d) {
            switch (kind) {
                case 't' -> check("cudnnDestroyTensorDescriptor", Native.call(cudnnDestroyTensorDescriptor, d));
                case 'f' -> check("cudnnDestroyFilterDescriptor", Native.call(cudnnDestroyFilterDescriptor, d));
                case 'c' -> check("cudnnDestroyConvolutionDescriptor",
                        Native.call(cudnnDestroyConvolutionDescriptor, d));
                case 'p' -> check("cudnnDestroyPoolingDescriptor", Native.call(cudnnDestroyPoolingDescriptor, d));
                case 'a' -> check("cudnnDestroyActivationDescriptor",
                        Native.call(cudnnDestroyActivationDescriptor, d));
                default -> throw new IllegalStateException("descriptor kind " + kind);
            }
        }

        /** An NCHW float tensor descriptor. */
        MemorySegment tensor(int n, int c, int h, int w) {
            return cached(new Key('t', n, c, h, w, 0, 0, 0, 0), cudnnCreateTensorDescriptor,
                    "cudnnCreateTensorDescriptor", d -> check("cudnnSetTensor4dDescriptor",
                            Native.call(cudnnSetTensor4dDescriptor, d, TENSOR_NCHW, DATA_FLOAT, n, c, h, w)));
        }

        /** A float filter descriptor [k, c, h, w] (c = input channels per group). */
        MemorySegment filter(int k, int c, int h, int w) {
            return cached(new Key('f', k, c, h, w, 0, 0, 0, 0), cudnnCreateFilterDescriptor,
                    "cudnnCreateFilterDescriptor", d -> check("cudnnSetFilter4dDescriptor",
                            Native.call(cudnnSetFilter4dDescriptor, d, DATA_FLOAT, TENSOR_NCHW, k, c, h, w)));
        }

        /**
         * A cross-correlation (PyTorch's convolution) descriptor with float accumulation, its math type set to
         * {@code queryMath} (the one algorithm queries run under; {@link #setMathType} sets the chosen entry's
         * before each call).
         */
        MemorySegment convolution(int padH, int padW, int strideH, int strideW, int dilH, int dilW, int groups,
                int queryMath) {
            return cached(new Key('c', padH, padW, strideH, strideW, dilH, dilW, groups, queryMath),
                    cudnnCreateConvolutionDescriptor, "cudnnCreateConvolutionDescriptor", d -> {
                        check("cudnnSetConvolution2dDescriptor", Native.call(cudnnSetConvolution2dDescriptor, d,
                                padH, padW, strideH, strideW, dilH, dilW, CROSS_CORRELATION, DATA_FLOAT));
                        check("cudnnSetConvolutionGroupCount",
                                Native.call(cudnnSetConvolutionGroupCount, d, groups));
                        setMathType(d, queryMath);
                    });
        }

        MemorySegment pooling(int mode, int kh, int kw, int padH, int padW, int strideH, int strideW) {
            return cached(new Key('p', mode, kh, kw, padH, padW, strideH, strideW, 0),
                    cudnnCreatePoolingDescriptor, "cudnnCreatePoolingDescriptor",
                    d -> check("cudnnSetPooling2dDescriptor", Native.call(cudnnSetPooling2dDescriptor, d, mode,
                            PROPAGATE_NAN, kh, kw, padH, padW, strideH, strideW)));
        }

        MemorySegment activation(int mode, double coef) {
            return cached(new Key('a', mode, 0, 0, 0, 0, 0, 0, coef), cudnnCreateActivationDescriptor,
                    "cudnnCreateActivationDescriptor", d -> check("cudnnSetActivationDescriptor",
                            Native.call(cudnnSetActivationDescriptor, d, mode, PROPAGATE_NAN, coef)));
        }

        /** Descriptors alive now. */
        int size() {
            return made.size();
        }

        /** Descriptors created so far (a cache hit creates none). */
        int created() {
            return created;
        }

        /** Destroys every descriptor when more than {@link #LIMIT} are kept; call between operator calls. */
        boolean trim() {
            if (made.size() <= LIMIT) {
                return false;
            }
            close();
            return true;
        }

        /** Destroys every descriptor; the first failure is thrown after all were tried. */
        @Override
        public void close() {
            RuntimeException first = null;
            for (var e : made.entrySet()) {
                try {
                    destroy(e.getKey().kind(), e.getValue());
                } catch (RuntimeException ex) {
                    if (first == null) {
                        first = ex;
                    } else {
                        first.addSuppressed(ex);
                    }
                }
            }
            made.clear();
            if (first != null) {
                throw first;
            }
        }
    }

    Descriptors descriptors() {
        return new Descriptors();
    }

    /** {@code cudnnSetConvolutionMathType}: {@link #DEFAULT_MATH}, {@link #FMA_MATH} or a tensor-op math. */
    void setMathType(MemorySegment conv, int mathType) {
        check("cudnnSetConvolutionMathType", Native.call(cudnnSetConvolutionMathType, conv, mathType));
    }

    /** The math type that algorithm queries run under and that a chosen DEFAULT entry runs with. */
    static int queryMath(boolean allowTf32) {
        return allowTf32 ? DEFAULT_MATH : FMA_MATH;
    }

    /**
     * The algorithms that may run, in the order of cuDNN's heuristics ({@code cudnnGet*Algorithm_v7}): those that
     * succeeded, are deterministic ({@code determinism == CUDNN_DETERMINISTIC}: cuDNN documents backward filter
     * algorithms 0 and 3 and backward data algorithm 0 as not reproducible), need a workspace within
     * {@code workspaceLimit} (compared unsigned: a {@code size_t} of 2^63 or more is a negative {@code long}), and,
     * unless {@code allowTf32}, use FMA or default math, never tensor-op math. Each keeps the math type it is to
     * run with: its own, except that a DEFAULT entry runs with {@link #FMA_MATH} when TF32 is off (cuDNN's
     * default math permits TF32 on Ampere and newer). The descriptors are in the order of the direction's C
     * function: forward (x, w, conv, y), backward data (w, dy, conv, dx), backward filter (x, dy, conv, dw).
     * None left is a {@link NativeCallException} counting why each entry was passed over.
     */
    List<Algo> candidates(MemorySegment handle, Direction direction, MemorySegment d1, MemorySegment d2,
            MemorySegment conv, MemorySegment d3, long workspaceLimit, boolean allowTf32) {
        MethodHandle get = switch (direction) {
            case FORWARD -> cudnnGetConvolutionForwardAlgorithm;
            case BACKWARD_DATA -> cudnnGetConvolutionBackwardDataAlgorithm;
            case BACKWARD_FILTER -> cudnnGetConvolutionBackwardFilterAlgorithm;
        };
        String name = queryName(direction);
        int requested = 16;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment returned = a.allocate(JAVA_INT);
            MemorySegment perf = a.allocate(ALGO_PERF, requested);
            check(name, Native.call(get, handle, d1, d2, conv, d3, requested, returned, perf));
            int n = Math.min(requested, returned.get(JAVA_INT, 0));
            List<Algo> out = new ArrayList<>();
            int failed = 0;
            int nondeterministic = 0;
            int tooLarge = 0;
            int tensorOp = 0;
            for (int i = 0; i < n; i++) {
                long base = i * ALGO_PERF.byteSize();
                int status = perf.get(JAVA_INT, base + 4);
                long memory = perf.get(JAVA_LONG, base + 16);
                int determinism = perf.get(JAVA_INT, base + 24);
                int math = perf.get(JAVA_INT, base + 28);
                if (status != 0) {
                    failed++;
                } else if (determinism != DETERMINISTIC) {
                    nondeterministic++;
                } else if (Long.compareUnsigned(memory, workspaceLimit) > 0) {
                    tooLarge++;
                } else if (!allowTf32 && math != DEFAULT_MATH && math != FMA_MATH) {
                    tensorOp++;
                } else {
                    int run = !allowTf32 && math == DEFAULT_MATH ? FMA_MATH : math;
                    out.add(new Algo(perf.get(JAVA_INT, base), memory, run));
                }
            }
            if (out.isEmpty()) {
                throw new NativeCallException(LIB, name, 0, "NO_ALGORITHM", "none of " + n
                        + " algorithms is usable: " + failed + " failed, " + nondeterministic
                        + " not deterministic, " + tooLarge + " need more than the workspace limit of "
                        + workspaceLimit + " bytes, " + tensorOp + " use tensor-op math (TF32 off)");
            }
            return List.copyOf(out);
        }
    }

    static String queryName(Direction direction) {
        return switch (direction) {
            case FORWARD -> "cudnnGetConvolutionForwardAlgorithm_v7";
            case BACKWARD_DATA -> "cudnnGetConvolutionBackwardDataAlgorithm_v7";
            case BACKWARD_FILTER -> "cudnnGetConvolutionBackwardFilterAlgorithm_v7";
        };
    }

    /** The C function that runs {@code direction}. */
    static String runName(Direction direction) {
        return switch (direction) {
            case FORWARD -> "cudnnConvolutionForward";
            case BACKWARD_DATA -> "cudnnConvolutionBackwardData";
            case BACKWARD_FILTER -> "cudnnConvolutionBackwardFilter";
        };
    }

    void convolutionForward(MemorySegment h, MemorySegment xd, long x, MemorySegment wd, long w,
            MemorySegment conv, Algo algo, long workspace, MemorySegment yd, long y) {
        check("cudnnConvolutionForward", Native.call(cudnnConvolutionForward, h, ONE, xd, x, wd, w, conv,
                algo.algo(), workspace, algo.workspaceBytes(), ZERO, yd, y));
    }

    void convolutionBackwardData(MemorySegment h, MemorySegment wd, long w, MemorySegment dyd, long dy,
            MemorySegment conv, Algo algo, long workspace, MemorySegment dxd, long dx) {
        check("cudnnConvolutionBackwardData", Native.call(cudnnConvolutionBackwardData, h, ONE, wd, w, dyd, dy,
                conv, algo.algo(), workspace, algo.workspaceBytes(), ZERO, dxd, dx));
    }

    void convolutionBackwardFilter(MemorySegment h, MemorySegment xd, long x, MemorySegment dyd, long dy,
            MemorySegment conv, Algo algo, long workspace, MemorySegment dwd, long dw) {
        check("cudnnConvolutionBackwardFilter", Native.call(cudnnConvolutionBackwardFilter, h, ONE, xd, x, dyd,
                dy, conv, algo.algo(), workspace, algo.workspaceBytes(), ZERO, dwd, dw));
    }

    /** {@code db = sum of dy over n, h, w} (beta 0: overwritten). */
    void convolutionBackwardBias(MemorySegment h, MemorySegment dyd, long dy, MemorySegment dbd, long db) {
        check("cudnnConvolutionBackwardBias", Native.call(cudnnConvolutionBackwardBias, h, ONE, dyd, dy, ZERO,
                dbd, db));
    }

    /** {@code c += a}, broadcasting {@code a} ([1, C, 1, 1] bias onto [N, C, H, W]). */
    void addTensor(MemorySegment h, MemorySegment ad, long a, MemorySegment cd, long c) {
        check("cudnnAddTensor", Native.call(cudnnAddTensor, h, ONE, ad, a, ONE, cd, c));
    }

    void poolingForward(MemorySegment h, MemorySegment pool, MemorySegment xd, long x, MemorySegment yd,
            long y) {
        check("cudnnPoolingForward", Native.call(cudnnPoolingForward, h, pool, ONE, xd, x, ZERO, yd, y));
    }

    void poolingBackward(MemorySegment h, MemorySegment pool, MemorySegment yd, long y, long dy,
            MemorySegment xd, long x, long dx) {
        check("cudnnPoolingBackward", Native.call(cudnnPoolingBackward, h, pool, ONE, yd, y, yd, dy, xd, x,
                ZERO, xd, dx));
    }

    void activationForward(MemorySegment h, MemorySegment act, MemorySegment d, long x, long y) {
        check("cudnnActivationForward", Native.call(cudnnActivationForward, h, act, ONE, d, x, ZERO, d, y));
    }

    void softmaxForward(MemorySegment h, int algo, MemorySegment d, long x, long y) {
        check("cudnnSoftmaxForward", Native.call(cudnnSoftmaxForward, h, algo, SOFTMAX_MODE_CHANNEL, ONE, d, x,
                ZERO, d, y));
    }

    void softmaxBackward(MemorySegment h, int algo, MemorySegment d, long y, long dy, long dx) {
        check("cudnnSoftmaxBackward", Native.call(cudnnSoftmaxBackward, h, algo, SOFTMAX_MODE_CHANNEL, ONE, d, y,
                d, dy, ZERO, d, dx));
    }

    void batchNormTraining(MemorySegment h, MemorySegment xd, long x, long y, MemorySegment bnd,
            long gamma, long beta, double momentum, long runningMean, long runningVar, double epsilon,
            long savedMean, long savedInvStd) {
        check("cudnnBatchNormalizationForwardTraining", Native.call(cudnnBatchNormalizationForwardTraining, h,
                BATCHNORM_SPATIAL, ONE, ZERO, xd, x, xd, y, bnd, gamma, beta, momentum, runningMean,
                runningVar, epsilon, savedMean, savedInvStd));
    }

    void batchNormInference(MemorySegment h, MemorySegment xd, long x, long y, MemorySegment bnd,
            long gamma, long beta, long mean, long var, double epsilon) {
        check("cudnnBatchNormalizationForwardInference", Native.call(cudnnBatchNormalizationForwardInference, h,
                BATCHNORM_SPATIAL, ONE, ZERO, xd, x, xd, y, bnd, gamma, beta, mean, var, epsilon));
    }

    void batchNormBackward(MemorySegment h, MemorySegment xd, long x, long dy, long dx, MemorySegment bnd,
            long gamma, long dGamma, long dBeta, double epsilon, long savedMean, long savedInvStd) {
        check("cudnnBatchNormalizationBackward", Native.call(cudnnBatchNormalizationBackward, h, BATCHNORM_SPATIAL,
                ONE, ZERO, ONE, ZERO, xd, x, xd, dy, xd, dx, bnd, gamma, dGamma, dBeta, epsilon,
                savedMean, savedInvStd));
    }
}
