package org.cnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.cnn4j.core.NativeCallException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PTX disk cache under {@link CudaKernels}, with a fake compiler and a fake module loader. */
class PtxDiskCacheTest {
    @TempDir
    Path dir;

    private final Arena arena = Arena.ofAuto();
    private final List<String> compiled = new ArrayList<>();
    private final List<String> loaded = new ArrayList<>();
    /** The loader refuses PTX that starts with this text (a driver rejecting an image). */
    private String refuse = "\u0000never";

    private CudaKernels kernels(CudaKernels.PtxStore store, String compilerId) {
        return new CudaKernels((name, source, headers, options) -> {
            compiled.add(name);
            return ("// ptx of " + source + "\u0000").getBytes(StandardCharsets.UTF_8);
        }, new CudaKernels.ModuleLoader() {
            @Override
            public MemorySegment load(byte[] ptx) {
                String text = new String(ptx, StandardCharsets.UTF_8);
                if (text.startsWith(refuse)) {
                    throw new NativeCallException("cuda", "cuModuleLoadData", 218, "CUDA_ERROR_INVALID_PTX", null);
                }
                loaded.add(text);
                return arena.allocate(8);
            }

            @Override
            public MemorySegment function(MemorySegment module, String entry) {
                return arena.allocate(8);
            }
        }, 9, 0, store, compilerId);
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void aSecondBackendLoadsThePtxFromDiskWithoutCompiling() throws IOException {
        PtxDiskCache cache = new PtxDiskCache(dir);
        CudaKernels first = kernels(cache, "NVRTC 13.0");
        first.function("a.k", "src-a", Map.of(), List.of(), "f");
        assertEquals(1, first.compilations());
        List<Path> files = files();
        assertEquals(1, files.size(), "one file, no temporary left behind: " + files);
        assertTrue(files.get(0).getFileName().toString().matches("[0-9a-f]{64}\\.ptx"), files.toString());
        String text = Files.readString(files.get(0));
        assertTrue(text.startsWith("cnn4j-ptx 1 "), text);
        assertTrue(text.endsWith("// ptx of src-a\u0000"), text);

        CudaKernels second = kernels(new PtxDiskCache(dir), "NVRTC 13.0");
        second.function("a.k", "src-a", Map.of(), List.of(), "f");
        assertEquals(0, second.compilations());
        assertEquals(1, second.storeHits());
        assertEquals(List.of("a.k"), compiled);
        assertEquals(List.of("// ptx of src-a\u0000", "// ptx of src-a\u0000"), loaded);

        CudaKernels other = kernels(new PtxDiskCache(dir), "NVRTC 12.9");
        other.function("a.k", "src-a", Map.of(), List.of(), "f");
        assertEquals(1, other.compilations(), "another compiler's PTX is not taken");
        assertEquals(2, files().size());
    }

    @Test
    void aDamagedFileIsCompiledAgainAndRewritten() throws IOException {
        kernels(new PtxDiskCache(dir), "x").function("a.k", "src-a", Map.of(), List.of(), "f");
        Path file = files().get(0);
        String good = Files.readString(file);
        List<byte[]> damages = List.of(
                new byte[0],
                "garbage without a header".getBytes(StandardCharsets.UTF_8),
                good.substring(0, good.length() - 3).getBytes(StandardCharsets.UTF_8), // truncated
                good.replace("src-a", "src-b").getBytes(StandardCharsets.UTF_8), // altered body
                good.replaceFirst("cnn4j-ptx 1 [0-9a-f]", "cnn4j-ptx 1 z").getBytes(StandardCharsets.UTF_8),
                "cnn4j-ptx 1 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
                        .getBytes(StandardCharsets.UTF_8)); // the hash of nothing, and no PTX
        int n = 1;
        for (byte[] damage : damages) {
            Files.write(file, damage);
            CudaKernels k = kernels(new PtxDiskCache(dir), "x");
            k.function("a.k", "src-a", Map.of(), List.of(), "f");
            n++;
            assertEquals(1, k.compilations(), new String(damage, StandardCharsets.UTF_8));
            assertEquals(0, k.storeHits());
            assertEquals(good, Files.readString(file), "rewritten whole");
        }
        assertEquals(n, compiled.size());
        assertTrue(loaded.stream().allMatch(t -> t.equals("// ptx of src-a\u0000")), loaded.toString());
    }

    @Test
    void anUnreadableEntryIsCompiledAndNeverCrashes() throws IOException {
        PtxDiskCache cache = new PtxDiskCache(dir);
        String key = CudaKernels.key("src-a", Map.of(), kernels(CudaKernels.PtxStore.NONE, "").options(List.of()),
                "compute_90\u0000x");
        Path asDir = Files.createDirectories(cache.file(key).resolve("child")); // a folder where the file should be
        CudaKernels k = kernels(cache, "x");
        assertNotNull(k.function("a.k", "src-a", Map.of(), List.of(), "f"));
        assertEquals(1, k.compilations());
        assertTrue(Files.isDirectory(asDir), "the folder could not be replaced");
        assertEquals(1, cache.writeFailures(), "the PTX was used but not kept");
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.toString().endsWith(".tmp")), "no temporary left behind");
        }
    }

    @Test
    void aCacheFolderThatCannotBeMadeOnlyCostsTheCompile() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
        PtxDiskCache cache = new PtxDiskCache(file.resolve("ptx"));
        CudaKernels k = kernels(cache, "x");
        MemorySegment f = k.function("a.k", "src-a", Map.of(), List.of(), "f");
        assertSame(f, k.function("a.k", "src-a", Map.of(), List.of(), "f"), "the in-memory cache still serves");
        assertEquals(1, k.compilations());
        assertEquals(1, cache.writeFailures());
        assertNull(cache.read("0".repeat(64)));
    }

    @Test
    void ptxTheDriverRefusesIsDroppedAndCompiledAfresh() throws IOException {
        PtxDiskCache cache = new PtxDiskCache(dir);
        // a stale entry: well-formed, but PTX that this driver will not load
        String key = CudaKernels.key("src-a", Map.of(), kernels(CudaKernels.PtxStore.NONE, "").options(List.of()),
                "compute_90\u0000x");
        cache.write(key, "STALE ptx\u0000".getBytes(StandardCharsets.UTF_8));
        refuse = "STALE";
        CudaKernels k = kernels(cache, "x");
        k.function("a.k", "src-a", Map.of(), List.of(), "f");
        assertEquals(1, k.compilations());
        assertArrayEquals("// ptx of src-a\u0000".getBytes(StandardCharsets.UTF_8), cache.read(key),
                "replaced by the fresh compile");
        refuse = "// ptx";
        CudaKernels failing = kernels(new PtxDiskCache(dir.resolve("other")), "x");
        NativeCallException e = assertThrows(NativeCallException.class,
                () -> failing.function("a.k", "src-a", Map.of(), List.of(), "f"));
        assertEquals("CUDA_ERROR_INVALID_PTX", e.status(), "a fresh compile that does not load is reported");
        assertNull(new PtxDiskCache(dir.resolve("other")).read(key), "PTX that did not load is not kept");
    }

    @Test
    void theFolderComesFromThePropertyOrTheUsersCache() {
        Map<String, String> none = Map.of();
        assertEquals(Path.of("/x/ptx"), ((PtxDiskCache) PtxDiskCache.fromSettings(
                Map.of(PtxDiskCache.PROPERTY, "/x/ptx", "user.home", "/home/u")::get, none::get)).dir());
        assertSame(CudaKernels.PtxStore.NONE, PtxDiskCache.fromSettings(
                Map.of(PtxDiskCache.PROPERTY, "off", "user.home", "/home/u")::get, none::get));
        assertEquals(Path.of("/xdg/cnn4j/ptx"), ((PtxDiskCache) PtxDiskCache.fromSettings(
                Map.of("user.home", "/home/u")::get, Map.of("XDG_CACHE_HOME", "/xdg")::get)).dir());
        assertEquals(Path.of("/home/u/.cache/cnn4j/ptx"), ((PtxDiskCache) PtxDiskCache.fromSettings(
                Map.of("user.home", "/home/u")::get, none::get)).dir());
        assertSame(CudaKernels.PtxStore.NONE, PtxDiskCache.fromSettings(none::get, none::get));
    }
}
