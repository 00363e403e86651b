package org.cnn4j.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The program cache and the launch-argument block, with a fake compiler and module loader. */
class CudaKernelsTest {
    private final List<String> compiled = new ArrayList<>();
    private final List<String> looked = new ArrayList<>();
    private final Arena arena = Arena.ofAuto();

    private CudaKernels kernels(int major, int minor) {
        return new CudaKernels((name, source, headers, options) -> {
            compiled.add(name + " " + options);
            return new byte[] {'.', 0};
        }, new CudaKernels.ModuleLoader() {
            @Override
            public MemorySegment load(byte[] ptx) {
                return arena.allocate(8);
            }

            @Override
            public MemorySegment function(MemorySegment module, String entry) {
                looked.add(entry);
                return arena.allocate(8);
            }
        }, major, minor);
    }

    @Test
    void aProgramIsCompiledOnceAndEachEntryLookedUpOnce() {
        CudaKernels k = kernels(9, 0);
        Map<String, String> h = Map.of("reduce.h", "#define R 1\n");
        MemorySegment f1 = k.function("elementwise.k", "src", h, List.of(), "fill_f32");
        MemorySegment f2 = k.function("elementwise.k", "src", h, List.of(), "fill_f32");
        k.function("elementwise.k", "src", h, List.of(), "axpy_f32");
        assertSame(f1, f2);
        assertEquals(1, k.compilations());
        assertEquals(List.of("fill_f32", "axpy_f32"), looked);
        assertEquals(List.of("elementwise.k [--gpu-architecture=compute_90, -default-device, -std=c++17]"),
                compiled);
        k.function("elementwise.k", "src", h, List.of("-DTILE=32"), "fill_f32");
        k.function("elementwise.k", "src2", h, List.of(), "fill_f32");
        k.function("elementwise.k", "src", Map.of("reduce.h", "#define R 2\n"), List.of(), "fill_f32");
        assertEquals(4, k.compilations(), "options, source and headers are all part of the key");
        assertEquals(4, k.modules().size());
    }

    @Test
    void theKeyCoversArchitectureAndIsUnambiguous() {
        String a = CudaKernels.key("s", Map.of(), List.of("x"), "compute_80");
        assertEquals(a, CudaKernels.key("s", Map.of(), List.of("x"), "compute_80"));
        assertNotEquals(a, CudaKernels.key("s", Map.of(), List.of("x"), "compute_90"));
        assertNotEquals(CudaKernels.key("ab", Map.of(), List.of(), "c"), CudaKernels.key("a", Map.of("b", ""),
                List.of(), "c"));
        assertEquals(64, a.length());
        assertTrue(kernels(12, 0).options(List.of()).contains("--gpu-architecture=compute_120"));
    }

    @Test
    void argumentsArePointersToEachValueInOrder() {
        try (Arena a = Arena.ofConfined()) {
            CudaKernels.Args args = new CudaKernels.Args(a, 4).p(0xdeadbeef00L).i(-7).f(2.5f);
            MemorySegment arr = args.array();
            assertEquals(3, args.count());
            assertEquals(List.of(8, 4, 4), List.of(args.size(0), args.size(1), args.size(2)));
            assertEquals("pif", "" + args.kind(0) + args.kind(1) + args.kind(2));
            assertEquals(0xdeadbeef00L, arr.getAtIndex(ADDRESS, 0).reinterpret(8).get(JAVA_LONG, 0));
            assertEquals(-7, arr.getAtIndex(ADDRESS, 1).reinterpret(4).get(JAVA_INT, 0));
            assertEquals(2.5f, arr.getAtIndex(ADDRESS, 2).reinterpret(4).get(JAVA_FLOAT, 0));
            assertEquals(0xffffffff00000000L & args.slotBits(1), 0, "an int leaves no stale high bytes");

            MemorySegment same = args.reset().i(11).p(42).array();
            assertSame(arr, same, "the block is reused, not reallocated");
            assertEquals(2, args.count());
            assertEquals(11, arr.getAtIndex(ADDRESS, 0).reinterpret(4).get(JAVA_INT, 0));
            assertEquals(42L, arr.getAtIndex(ADDRESS, 1).reinterpret(8).get(JAVA_LONG, 0));
            args.reset().i(1).i(2).i(3).i(4);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> args.i(5));
            assertTrue(e.getMessage().contains("more than 4 kernel arguments"), e.getMessage());
        }
    }

    /** A compiler that echoes its options, and a loader that refuses images starting with {@code refuse}. */
    private CudaKernels cubinFirst(String refuse, List<String> loadedImages) {
        return new CudaKernels((name, source, headers, options) -> {
            compiled.add(String.join(" ", options));
            if (source.contains("#error")) {
                throw new org.cnn4j.core.KernelCompileException(name, "NVRTC_ERROR_COMPILATION", "planted");
            }
            return (Nvrtc.cubinTarget(options) ? "cubin " : "ptx ").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }, new CudaKernels.ModuleLoader() {
            @Override
            public MemorySegment load(byte[] image) {
                String text = new String(image, java.nio.charset.StandardCharsets.UTF_8);
                if (text.startsWith(refuse)) {
                    throw new org.cnn4j.core.NativeCallException("cuda", "cuModuleLoadData", 209,
                            "CUDA_ERROR_NO_BINARY_FOR_GPU", null);
                }
                loadedImages.add(text);
                return arena.allocate(8);
            }

            @Override
            public MemorySegment function(MemorySegment module, String entry) {
                return arena.allocate(8);
            }
        }, 9, 0, CudaKernels.PtxStore.NONE, "NVRTC 13.1", true, null);
    }

    @Test
    void aCubinForTheDeviceIsCompiledAndLoadedFirst() {
        List<String> images = new ArrayList<>();
        CudaKernels k = cubinFirst("never", images);
        k.function("a.k", "src", Map.of(), List.of("--fmad=false"), "f");
        assertEquals(List.of("-arch=sm_90 -default-device -std=c++17 --fmad=false"), compiled);
        assertEquals(List.of("cubin "), images);
        assertTrue(k.fallbacks().isEmpty());
    }

    @Test
    void aCubinTheDriverRefusesFallsBackToPtx() {
        List<String> images = new ArrayList<>();
        CudaKernels k = cubinFirst("cubin", images);
        k.function("a.k", "src", Map.of(), List.of(), "f");
        assertEquals(List.of("-arch=sm_90 -default-device -std=c++17",
                "--gpu-architecture=compute_90 -default-device -std=c++17"), compiled);
        assertEquals(List.of("ptx "), images);
        assertEquals(1, k.fallbacks().size());
        assertTrue(k.fallbacks().get(0).contains("CUDA_ERROR_NO_BINARY_FOR_GPU"), k.fallbacks().toString());
    }

    @Test
    void anErrorInTheSourceIsNotRetriedAsPtx() {
        CudaKernels k = cubinFirst("never", new ArrayList<>());
        assertThrows(org.cnn4j.core.KernelCompileException.class,
                () -> k.function("a.k", "#error x", Map.of(), List.of(), "f"));
        assertEquals(1, compiled.size(), compiled.toString());
    }

    @Test
    void withoutACompilerTheImagesComeFromThePrebuiltOnes() {
        List<String> asked = new ArrayList<>();
        CudaKernels k = new CudaKernels(null, new CudaKernels.ModuleLoader() {
            @Override
            public MemorySegment load(byte[] image) {
                return arena.allocate(8);
            }

            @Override
            public MemorySegment function(MemorySegment module, String entry) {
                return arena.allocate(8);
            }
        }, 9, 0, CudaKernels.PtxStore.NONE, "", true, (name, source) -> {
            asked.add(name + ":" + source);
            return new byte[] {1};
        });
        k.function("a.k", "src", Map.of(), List.of(), "f");
        k.function("a.k", "src", Map.of(), List.of(), "g");
        assertEquals(List.of("a.k:src"), asked, "one image per program");
        assertEquals(0, k.compilations());
    }
}
