package org.cnn4j.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Map;
import org.cnn4j.core.KernelCompileException;
import org.cnn4j.core.NativeCallException;
import org.cnn4j.spi.SignalHandlers;

/**
 * NVRTC ({@code libnvrtc.so.13} or {@code .12}): compiles CUDA C++ source at run time, to a cubin for the
 * device's real architecture ({@code nvrtcGetCUBIN}) or to PTX for its virtual one. A compile error is
 * a {@link KernelCompileException} carrying the program log; every other status a {@link NativeCallException}.
 *
 * <p>None of this has run on a GPU machine yet.
 */
final class Nvrtc {
    static final String LIB = "nvrtc";

    private final MethodHandle nvrtcVersion;
    private final MethodHandle nvrtcCreateProgram;
    private final MethodHandle nvrtcCompileProgram;
    private final MethodHandle nvrtcGetPTXSize;
    private final MethodHandle nvrtcGetPTX;
    private final MethodHandle nvrtcGetCUBINSize;
    private final MethodHandle nvrtcGetCUBIN;
    private final MethodHandle nvrtcGetProgramLogSize;
    private final MethodHandle nvrtcGetProgramLog;
    private final MethodHandle nvrtcDestroyProgram;

    Nvrtc(SymbolLookup s) {
        nvrtcVersion = b(s, "nvrtcVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        nvrtcCreateProgram = b(s, "nvrtcCreateProgram",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        nvrtcCompileProgram = b(s, "nvrtcCompileProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        nvrtcGetPTXSize = b(s, "nvrtcGetPTXSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        nvrtcGetPTX = b(s, "nvrtcGetPTX", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        nvrtcGetCUBINSize = b(s, "nvrtcGetCUBINSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        nvrtcGetCUBIN = b(s, "nvrtcGetCUBIN", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        nvrtcGetProgramLogSize = b(s, "nvrtcGetProgramLogSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        nvrtcGetProgramLog = b(s, "nvrtcGetProgramLog", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        nvrtcDestroyProgram = b(s, "nvrtcDestroyProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    private static MethodHandle b(SymbolLookup s, String name, FunctionDescriptor d) {
        return Native.bind(s, LIB, name, d);
    }

    static void check(String function, int code) {
        Native.check(LIB, function, code, CudaStatus::nvrtcResult, null);
    }

    /** {major, minor}. */
    int[] version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment major = a.allocate(JAVA_INT);
            MemorySegment minor = a.allocate(JAVA_INT);
            check("nvrtcVersion", Native.call(nvrtcVersion, major, minor));
            return new int[] {major.get(JAVA_INT, 0), minor.get(JAVA_INT, 0)};
        }
    }

    /** True when {@code options} name a real architecture ({@code -arch=sm_90}): the compile yields a cubin. */
    static boolean cubinTarget(List<String> options) {
        for (String o : options) {
            if (o.startsWith("-arch=sm_") || o.startsWith("--gpu-architecture=sm_") || o.startsWith("-arch sm_")) {
                return true;
            }
        }
        return false;
    }

    /** {@link #compile} for a virtual architecture ({@code compute_XX}): PTX. */
    byte[] compileToPtx(String name, String source, Map<String, String> headers, List<String> options) {
        return compile(name, source, headers, options);
    }

    /**
     * Compiles {@code source} (named {@code name} in messages) with {@code options} and returns what
     * {@code cuModuleLoadData} takes: the cubin ({@code nvrtcGetCUBIN}) when the options name a real
     * architecture ({@code -arch=sm_90}), else the PTX, NUL-terminated. {@code headers} maps include names
     * ({@code "reduce.h"}) to their text, so {@code #include} needs no file system.
     */
    byte[] compile(String name, String source, Map<String, String> headers, List<String> options) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment progOut = a.allocate(ADDRESS);
            int h = headers.size();
            MemorySegment contents = a.allocate(ADDRESS, Math.max(1, h));
            MemorySegment includeNames = a.allocate(ADDRESS, Math.max(1, h));
            int i = 0;
            for (Map.Entry<String, String> e : headers.entrySet()) {
                includeNames.setAtIndex(ADDRESS, i, a.allocateFrom(e.getKey()));
                contents.setAtIndex(ADDRESS, i, a.allocateFrom(e.getValue()));
                i++;
            }
            check("nvrtcCreateProgram", Native.call(nvrtcCreateProgram, progOut, a.allocateFrom(source),
                    a.allocateFrom(name), h, h == 0 ? MemorySegment.NULL : contents,
                    h == 0 ? MemorySegment.NULL : includeNames));
            MemorySegment prog = progOut.get(ADDRESS, 0);
            try {
                MemorySegment opts = a.allocate(ADDRESS, Math.max(1, options.size()));
                for (int o = 0; o < options.size(); o++) {
                    opts.setAtIndex(ADDRESS, o, a.allocateFrom(options.get(o)));
                }
                // NVRTC compiles with an LLVM inside: the JVM's signal handlers are put back after it.
                int rc = SignalHandlers.preserving(() -> Native.call(nvrtcCompileProgram, prog, options.size(), opts));
                if (rc != 0) {
                    String status = CudaStatus.nvrtcResult(rc);
                    if (status.equals("NVRTC_ERROR_COMPILATION")) {
                        throw new KernelCompileException(name, status, log(a, prog));
                    }
                    throw new NativeCallException(LIB, "nvrtcCompileProgram", rc, status, log(a, prog));
                }
                MemorySegment size = a.allocate(JAVA_LONG);
                if (cubinTarget(options)) {
                    check("nvrtcGetCUBINSize", Native.call(nvrtcGetCUBINSize, prog, size));
                    long n = size.get(JAVA_LONG, 0);
                    if (n <= 0) {
                        throw new NativeCallException(LIB, "nvrtcGetCUBINSize", 0, "NO_CUBIN",
                                "NVRTC produced no cubin for " + name + " with " + options);
                    }
                    MemorySegment cubin = a.allocate(JAVA_BYTE, n);
                    check("nvrtcGetCUBIN", Native.call(nvrtcGetCUBIN, prog, cubin));
                    return cubin.toArray(JAVA_BYTE);
                }
                check("nvrtcGetPTXSize", Native.call(nvrtcGetPTXSize, prog, size));
                MemorySegment ptx = a.allocate(JAVA_BYTE, size.get(JAVA_LONG, 0));
                check("nvrtcGetPTX", Native.call(nvrtcGetPTX, prog, ptx));
                return ptx.toArray(JAVA_BYTE);
            } finally {
                check("nvrtcDestroyProgram", Native.call(nvrtcDestroyProgram, progOut));
            }
        }
    }

    private String log(Arena a, MemorySegment prog) {
        MemorySegment size = a.allocate(JAVA_LONG);
        check("nvrtcGetProgramLogSize", Native.call(nvrtcGetProgramLogSize, prog, size));
        MemorySegment log = a.allocate(JAVA_BYTE, Math.max(1, size.get(JAVA_LONG, 0)));
        check("nvrtcGetProgramLog", Native.call(nvrtcGetProgramLog, prog, log));
        return log.getString(0);
    }
}
