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
 * Own kernels compiled at run time: CUDA C++ source with NVRTC to a cubin for the device ({@code cubinFirst}:
 * it needs no JIT, so it loads on a driver older than NVRTC) or to PTX (when the cubin cannot be made or is
 * refused), loaded into the context as a module, cached by a SHA-256 of the source, the headers, the options, the
 * device's compute capability and the compiler's version, so each program is compiled once per backend, and,
 * through a {@link PtxStore} (by default {@link PtxDiskCache}), once per machine. Without NVRTC the images come
 * from {@link Prebuilt} ({@link PrebuiltKernels}). Entry functions are looked up once per module.
 *
 * <p>An image read from the store that the driver refuses to load is dropped from the store, compiled afresh and
 * loaded again; a failure then is reported. The compiler, the module loader and the store are behind
 * interfaces, so the caches are tested without a GPU; the NVRTC and driver calls themselves have not run on a
 * GPU yet.
 */
final class CudaKernels {
    /** Source to the image its options ask for: a cubin ({@code -arch=sm_XX}) or PTX (NUL-terminated). */
    interface Compiler {
        byte[] ptx(String name, String source, Map<String, String> headers, List<String> options);
    }

    /** PTX to a module in the current context, and a module's entry functions. */
    interface ModuleLoader {
        MemorySegment load(byte[] ptx);

        MemorySegment function(MemorySegment module, String entry);
    }

    /** Compiled PTX kept between backends (on disk); every method tolerates any I/O problem. */
    interface PtxStore {
        /** No store: every program is compiled once per backend. */
        PtxStore NONE = new PtxStore() {
            @Override
            public byte[] read(String key) {
                return null;
            }

            @Override
            public void write(String key, byte[] ptx) {
            }

            @Override
            public void delete(String key) {
            }

            @Override
            public String toString() {
                return "no PTX cache";
            }
        };

        /** The PTX stored under {@code key}, or null when there is none or it is damaged. */
        byte[] read(String key);

        void write(String key, byte[] ptx);

        void delete(String key);
    }

    private final Compiler compiler;
    private final ModuleLoader loader;
    private final String arch;
    /** The device's real architecture, {@code sm_90}. */
    private final String realArch;
    /** Compile a cubin for {@link #realArch} first, PTX only when that fails or does not load. */
    private final boolean cubinFirst;
    /** Where images come from without a compiler: the prebuilt kernels shipped in the jar; else null. */
    private final Prebuilt prebuilt;
    private final List<String> fallbacks = new ArrayList<>();
    private final PtxStore store;
    private final String compilerId;
    private final Map<String, MemorySegment> modules = new HashMap<>();
    private final Map<String, MemorySegment> functions = new HashMap<>();
    private int compilations;
    private int storeHits;

    CudaKernels(Compiler compiler, ModuleLoader loader, int ccMajor, int ccMinor) {
        this(compiler, loader, ccMajor, ccMinor, PtxStore.NONE, "");
    }

    /**
     * @param store      where PTX is kept between backends
     * @param compilerId the compiler and its version ({@code "NVRTC 13.0"}), part of every key, so PTX from
     *                   another compiler is never taken from the store
     */
    CudaKernels(Compiler compiler, ModuleLoader loader, int ccMajor, int ccMinor, PtxStore store,
            String compilerId) {
        this(compiler, loader, ccMajor, ccMinor, store, compilerId, false, null);
    }

    /** Images by program name when there is no compiler (the prebuilt kernels). */
    interface Prebuilt {
        /** The image (a fatbin) of program {@code name} compiled from exactly {@code source}; throws if none. */
        byte[] image(String name, String source);
    }

    /**
     * @param cubinFirst compile each program to a cubin for the device ({@code -arch=sm_XX}) and load that; fall
     *                   back to PTX ({@code compute_XX}) when the cubin cannot be made or the driver refuses it.
     *                   A cubin needs no JIT, so it loads on a driver older than the compiler, where the PTX of
     *                   a newer NVRTC fails with {@code CUDA_ERROR_UNSUPPORTED_PTX_VERSION}
     * @param prebuilt   with a null {@code compiler}: where each program's image comes from
     */
    CudaKernels(Compiler compiler, ModuleLoader loader, int ccMajor, int ccMinor, PtxStore store,
            String compilerId, boolean cubinFirst, Prebuilt prebuilt) {
        if (compiler == null && prebuilt == null) {
            throw new IllegalArgumentException("CudaKernels: neither a compiler nor prebuilt kernels");
        }
        this.compiler = compiler;
        this.loader = loader;
        this.arch = "compute_" + ccMajor + ccMinor;
        this.realArch = "sm_" + ccMajor + ccMinor;
        this.store = store;
        this.compilerId = compilerId;
        this.cubinFirst = cubinFirst;
        this.prebuilt = prebuilt;
    }

    PtxStore store() {
        return store;
    }

    /** The NVRTC options for this device: PTX for its virtual architecture, device code only, C++17. */
    List<String> options(List<String> extra) {
        List<String> o = new ArrayList<>(List.of("--gpu-architecture=" + arch, "-default-device", "-std=c++17"));
        o.addAll(extra);
        return o;
    }

    /** The NVRTC options for a cubin of this device's real architecture ({@code -arch=sm_90}). */
    List<String> cubinOptions(List<String> extra) {
        List<String> o = new ArrayList<>(List.of("-arch=" + realArch, "-default-device", "-std=c++17"));
        o.addAll(extra);
        return o;
    }

    /** Why a cubin was not used, one line per program that fell back to PTX (for the logs and tests). */
    synchronized List<String> fallbacks() {
        return List.copyOf(fallbacks);
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

    /** The entry {@code entry} of {@code source}, compiling (or taking from the store) and loading on first use. */
    synchronized MemorySegment function(String name, String source, Map<String, String> headers,
            List<String> extraOptions, String entry) {
        String k = moduleKey(source, headers, extraOptions);
        MemorySegment module = module(k, name, source, headers, extraOptions);
        String fk = k + "/" + entry;
        MemorySegment f = functions.get(fk);
        if (f == null) {
            f = loader.function(module, entry);
            functions.put(fk, f);
        }
        return f;
    }

    /** The module of {@code source}, compiled (or taken from the store) and loaded on first use. */
    synchronized MemorySegment module(String name, String source, Map<String, String> headers,
            List<String> extraOptions) {
        return module(moduleKey(source, headers, extraOptions), name, source, headers, extraOptions);
    }

    /** The function {@code entry} of a loaded module ({@code cuModuleGetFunction}). */
    MemorySegment entry(MemorySegment module, String entry) {
        return loader.function(module, entry);
    }

    private String moduleKey(String source, Map<String, String> headers, List<String> extraOptions) {
        return key(source, headers, options(extraOptions), compilerId.isEmpty() ? arch : arch + "\u0000" + compilerId);
    }

    private MemorySegment module(String k, String name, String source, Map<String, String> headers,
            List<String> extraOptions) {
        MemorySegment module = modules.get(k);
        if (module == null) {
            module = load(k, name, source, headers, options(extraOptions), extraOptions);
            modules.put(k, module);
        }
        return module;
    }

    private MemorySegment load(String k, String name, String source, Map<String, String> headers,
            List<String> options, List<String> extra) {
        if (compiler == null) {
            MemorySegment m = loader.load(prebuilt.image(name, source));
            storeHits++;
            return m;
        }
        if (!cubinFirst) {
            return loadTarget(k, name, source, headers, options);
        }
        List<String> cubin = cubinOptions(extra);
        String ck = key(source, headers, cubin, compilerId.isEmpty() ? realArch : realArch + "\u0000" + compilerId);
        try {
            return loadTarget(ck, name, source, headers, cubin);
        } catch (org.cnn4j.core.KernelCompileException e) {
            throw e; // an error in the source: PTX would fail the same way
        } catch (RuntimeException e) {
            fallbacks.add(name + ": " + e.getMessage());
            LOG.log(System.Logger.Level.WARNING, () -> name + ": no usable " + realArch + " cubin (" + e.getMessage()
                    + "); loading " + arch + " PTX");
            return loadTarget(k, name, source, headers, options);
        }
    }

    private static final System.Logger LOG = System.getLogger(CudaKernels.class.getName());

    /** The image for {@code options}: from the store if it loads, else compiled, loaded and stored. */
    private MemorySegment loadTarget(String k, String name, String source, Map<String, String> headers,
            List<String> options) {
        byte[] stored = store.read(k);
        if (stored != null) {
            try {
                MemorySegment m = loader.load(stored);
                storeHits++;
                return m;
            } catch (RuntimeException e) {
                store.delete(k); // damaged or stale: compiled afresh below
            }
        }
        byte[] ptx = compiler.ptx(name, source, headers, options);
        compilations++;
        MemorySegment m = loader.load(ptx);
        store.write(k, ptx);
        return m;
    }

    /** How many programs were loaded from the store instead of compiled. */
    synchronized int storeHits() {
        return storeHits;
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
     * value ({@code int}, {@code uint}, {@code float}, or an 8-byte device pointer), in the order the kernel
     * declares them. One block of {@code capacity} 8-byte slots and the pointer array to them are allocated once
     * and reused by every launch ({@code cuLaunchKernel} copies the values when it is called), so a launch
     * allocates nothing. Each argument's size and kind are recorded for the tests.
     */
    static final class Args {
        private final MemorySegment values;
        private final MemorySegment pointers;
        private final int[] sizes;
        private final char[] kinds;
        private int count;

        Args(Arena arena, int capacity) {
            values = arena.allocate(JAVA_LONG, capacity);
            pointers = arena.allocate(ADDRESS, capacity);
            sizes = new int[capacity];
            kinds = new char[capacity];
            for (int i = 0; i < capacity; i++) {
                pointers.setAtIndex(ADDRESS, i, values.asSlice((long) i * Long.BYTES, Long.BYTES));
            }
        }

        /** Forgets the previous launch's arguments. */
        Args reset() {
            count = 0;
            return this;
        }

        private long slot(int bytes, char kind) {
            if (count == sizes.length) {
                throw new IllegalStateException("more than " + sizes.length + " kernel arguments");
            }
            sizes[count] = bytes;
            kinds[count] = kind;
            return (long) count++ * Long.BYTES;
        }

        Args i(int v) {
            long at = slot(Integer.BYTES, 'i');
            values.set(JAVA_LONG, at, 0L);
            values.set(JAVA_INT, at, v);
            return this;
        }

        Args f(float v) {
            long at = slot(Float.BYTES, 'f');
            values.set(JAVA_LONG, at, 0L);
            values.set(JAVA_FLOAT, at, v);
            return this;
        }

        /** A device pointer ({@code float*}), 8 bytes. */
        Args p(long devicePointer) {
            values.set(JAVA_LONG, slot(Long.BYTES, 'p'), devicePointer);
            return this;
        }

        int count() {
            return count;
        }

        /** The size in bytes of argument {@code index}: 4 for {@code int} and {@code float}, 8 for a pointer. */
        int size(int index) {
            return sizes[index];
        }

        /** What argument {@code index} was set as: {@code 'i'} (int or uint), {@code 'f'} (float), {@code 'p'}. */
        char kind(int index) {
            return kinds[index];
        }

        /** The raw 8-byte slot of argument {@code index} (an int or float in its low 4 bytes). */
        long slotBits(int index) {
            return values.get(JAVA_LONG, (long) index * Long.BYTES);
        }

        /** The {@code void**} array for {@code kernelParams}. */
        MemorySegment array() {
            return pointers;
        }
    }
}
