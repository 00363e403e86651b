package org.cnn4j.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Own kernels compiled at run time: CUDA C++ source to PTX with NVRTC, loaded into the context as a module,
 * cached by a SHA-256 of the source, the headers, the options and the device's compute capability, so each
 * program is compiled once per backend. Entry functions are looked up once per module.
 *
 * <p>This is where the portable kernels of module {@code kernels} ({@code portable/*.k} with
 * {@code prelude_cuda.h} prepended) come in once that module is on the main line; until then no operator uses it.
 * The compiler and the module loader are behind interfaces, so the cache and the argument marshalling are
 * tested without a GPU; the NVRTC and driver calls themselves have not run on a GPU yet.
 */
final class CudaKernels {
    /** Source to PTX (NUL-terminated). */
    interface Compiler {
        byte[] ptx(String name, String source, Map<String, String> headers, List<String> options);
    }

    /** PTX to a module in the current context, and a module's entry functions. */
    interface ModuleLoader {
        MemorySegment load(byte[] ptx);

        MemorySegment function(MemorySegment module, String entry);
    }

    private final Compiler compiler;
    private final ModuleLoader loader;
    private final String arch;
    private final Map<String, MemorySegment> modules = new HashMap<>();
    private final Map<String, MemorySegment> functions = new HashMap<>();
    private int compilations;

    CudaKernels(Compiler compiler, ModuleLoader loader, int ccMajor, int ccMinor) {
        this.compiler = compiler;
        this.loader = loader;
        this.arch = "compute_" + ccMajor + ccMinor;
    }

    /** The NVRTC options for this device: PTX for its virtual architecture, device code only, C++17. */
    List<String> options(List<String> extra) {
        List<String> o = new ArrayList<>(List.of("--gpu-architecture=" + arch, "-default-device", "-std=c++17"));
        o.addAll(extra);
        return o;
    }

    /** The cache key: SHA-256 of the source, the headers by name, the options and the architecture. */
    static String key(String source, Map<String, String> headers, List<String> options, String arch) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            update(md, arch);
            update(md, String.join("\u0000", options));
            for (Map.Entry<String, String> e : new TreeMap<>(headers).entrySet()) {
                update(md, e.getKey());
                update(md, e.getValue());
            }
            update(md, source);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static void update(MessageDigest md, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        md.update(b);
        md.update((byte) 0);
        md.update((byte) (b.length >>> 24));
        md.update((byte) (b.length >>> 16));
        md.update((byte) (b.length >>> 8));
        md.update((byte) b.length);
    }

    /** The entry {@code entry} of {@code source}, compiling and loading the program on first use. */
    synchronized MemorySegment function(String name, String source, Map<String, String> headers,
            List<String> extraOptions, String entry) {
        List<String> options = options(extraOptions);
        String k = key(source, headers, options, arch);
        MemorySegment module = modules.get(k);
        if (module == null) {
            byte[] ptx = compiler.ptx(name, source, headers, options);
            compilations++;
            module = loader.load(ptx);
            modules.put(k, module);
        }
        String fk = k + "/" + entry;
        MemorySegment f = functions.get(fk);
        if (f == null) {
            f = loader.function(module, entry);
            functions.put(fk, f);
        }
        return f;
    }

    /** How many programs were compiled (the cache's hits do not count). */
    synchronized int compilations() {
        return compilations;
    }

    /** The loaded modules, for unloading when the backend closes. */
    synchronized List<MemorySegment> modules() {
        return List.copyOf(modules.values());
    }

    /**
     * A kernel's arguments as {@code cuLaunchKernel} takes them: an array of pointers, each to one argument's
     * value ({@code int}, {@code float}, or a device pointer), in the order the kernel declares them.
     */
    static final class Args {
        private final Arena arena;
        private final List<MemorySegment> values = new ArrayList<>();

        Args(Arena arena) {
            this.arena = arena;
        }

        Args i(int v) {
            values.add(arena.allocateFrom(JAVA_INT, v));
            return this;
        }

        Args f(float v) {
            values.add(arena.allocateFrom(JAVA_FLOAT, v));
            return this;
        }

        /** A device pointer ({@code float*}), 8 bytes. */
        Args p(long devicePointer) {
            values.add(arena.allocateFrom(JAVA_LONG, devicePointer));
            return this;
        }

        int count() {
            return values.size();
        }

        /** The {@code void**} array for {@code kernelParams}. */
        MemorySegment array() {
            MemorySegment a = arena.allocate(ADDRESS, Math.max(1, values.size()));
            for (int i = 0; i < values.size(); i++) {
                a.setAtIndex(ADDRESS, i, values.get(i));
            }
            return a;
        }
    }
}
