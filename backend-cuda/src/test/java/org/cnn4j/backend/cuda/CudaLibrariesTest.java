package org.cnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.cnn4j.backend.cuda.CudaLibraries.Lib;
import org.cnn4j.backend.cuda.CudaLibraries.Search;
import org.cnn4j.spi.LibraryLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The search order on fake directory trees with a fake loader: nothing is really loaded. */
class CudaLibrariesTest {
    @TempDir
    Path root;

    private final Map<String, String> env = new HashMap<>();
    private final Map<String, String> props = new HashMap<>();
    private final List<Path> pythonSites = new ArrayList<>();
    private final List<String> opened = new ArrayList<>();
    private final List<Path> broken = new ArrayList<>();

    /** Opens any existing file except those in {@link #broken}; nothing by name. */
    private final LibraryLoader fakeLoader = new LibraryLoader() {
        @Override
        public SymbolLookup byName(String fileName) {
            opened.add("name:" + fileName);
            throw new IllegalArgumentException("Cannot open library: " + fileName);
        }

        @Override
        public SymbolLookup byPath(Path path) {
            opened.add(path.toString());
            if (broken.contains(path)) {
                throw new IllegalArgumentException("wrong ELF class: ELFCLASS32");
            }
            return name -> Optional.empty();
        }
    };

    private CudaLibraries libraries() {
        return new CudaLibraries(new CudaLibraries.Environment(env::get, props::get, () -> pythonSites,
                List.of(root.resolve("system/lib64")), List.of(root.resolve("usrlocal"))), fakeLoader);
    }

    private Path touch(String relative) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, "not really an ELF file");
        return p;
    }

    @Test
    void nothingFoundListsEveryPlaceTriedInOrder() {
        env.put("CUDA_HOME", root.resolve("cuda").toString());
        Search s = libraries().load(Lib.CUDA);
        assertTrue(s.loaded().isEmpty());
        List<String> tried = s.tried();
        assertTrue(tried.get(0).startsWith("libcuda.so.1 by name on the loader path (Cannot open library"),
                tried.get(0));
        assertEquals(root.resolve("cuda/lib64/libcuda.so.1") + " (absent)", tried.get(1));
        assertEquals(root.resolve("cuda/lib/libcuda.so.1") + " (absent)", tried.get(2));
        assertEquals(root.resolve("cuda/targets/x86_64-linux/lib/libcuda.so.1") + " (absent)", tried.get(3));
        assertTrue(tried.contains(root.resolve("system/lib64/libcuda.so.1") + " (absent)"), tried.toString());
        String text = s.describe();
        assertTrue(text.startsWith("libcuda.so.1 not found; tried: libcuda.so.1 by name"), text);
    }

    @Test
    void propertyDirectoryWinsOverEverythingElse() throws IOException {
        Path mine = touch("mine/libcublas.so.12");
        touch("cuda/lib64/libcublas.so.13");
        env.put("CUDA_HOME", root.resolve("cuda").toString());
        props.put(CudaLibraries.LIBRARY_PATH, root.resolve("empty") + java.io.File.pathSeparator
                + root.resolve("mine"));
        Search s = libraries().load(Lib.CUBLAS);
        assertEquals(mine, s.loaded().orElseThrow().from().path());
        assertEquals(12, s.loaded().get().major());
        assertEquals(List.of(root.resolve("empty/libcublas.so.13") + " (absent)",
                root.resolve("empty/libcublas.so.12") + " (absent)",
                root.resolve("mine/libcublas.so.13") + " (absent)"), s.tried());
    }

    @Test
    void newerMajorAnywhereBeatsOlderMajorEarlier() throws IOException {
        touch("cuda/lib64/libcudnn.so.8");
        Path site = root.resolve("site");
        Path nine = touch("site/nvidia/cudnn/lib/libcudnn.so.9");
        env.put("CUDA_HOME", root.resolve("cuda").toString());
        pythonSites.add(site);
        Search s = libraries().load(Lib.CUDNN);
        assertEquals(nine, s.loaded().orElseThrow().from().path());
        assertEquals(9, s.loaded().get().major());
    }

    @Test
    void olderMajorIsTheFallback() throws IOException {
        Path twelve = touch("cuda/targets/x86_64-linux/lib/libnvrtc.so.12");
        env.put("CUDA_PATH", root.resolve("cuda").toString());
        Search s = libraries().load(Lib.NVRTC);
        assertEquals(twelve, s.loaded().orElseThrow().from().path());
        assertTrue(s.tried().contains("libnvrtc.so.13 by name on the loader path (Cannot open library: "
                + "libnvrtc.so.13)"), s.tried().toString());
        assertTrue(s.tried().contains(root.resolve("cuda/targets/x86_64-linux/lib/libnvrtc.so.13") + " (absent)"));
    }

    @Test
    void aFileThatDoesNotLoadIsRecordedAndTheSearchGoesOn() throws IOException {
        Path bad = touch("a/libcuda.so.1");
        Path good = touch("b/libcuda.so.1");
        broken.add(bad);
        props.put("java.library.path", root.resolve("a") + java.io.File.pathSeparator + root.resolve("b"));
        Search s = libraries().load(Lib.CUDA);
        assertEquals(good, s.loaded().orElseThrow().from().path());
        assertTrue(s.tried().contains(bad + " (wrong ELF class: ELFCLASS32)"), s.tried().toString());
    }

    @Test
    void pythonWheelsAreFoundThroughVirtualEnvPythonPathAndRoots() throws IOException {
        touch("venv/lib/python3.12/site-packages/nvidia/cublas/lib/libcublas.so.13");
        touch("pp/nvidia/cudnn/lib/libcudnn.so.9");
        touch("usrlocal/python3.11/dist-packages/nvidia/cuda_nvrtc/lib/libnvrtc.so.12");
        env.put("VIRTUAL_ENV", root.resolve("venv").toString());
        env.put("PYTHONPATH", root.resolve("pp").toString());
        CudaLibraries libs = libraries();
        List<Path> dirs = libs.directories();
        assertTrue(dirs.contains(root.resolve("venv/lib/python3.12/site-packages/nvidia/cublas/lib")), dirs.toString());
        assertTrue(dirs.contains(root.resolve("pp/nvidia/cudnn/lib")), dirs.toString());
        assertTrue(dirs.contains(root.resolve("usrlocal/python3.11/dist-packages/nvidia/cuda_nvrtc/lib")),
                dirs.toString());
        assertTrue(dirs.indexOf(root.resolve("venv/lib/python3.12/site-packages/nvidia/cublas/lib"))
                < dirs.indexOf(root.resolve("pp/nvidia/cudnn/lib")), "VIRTUAL_ENV before PYTHONPATH");
        assertTrue(libs.load(Lib.CUBLAS).loaded().isPresent());
        assertTrue(libs.load(Lib.CUDNN).loaded().isPresent());
        assertEquals(12, libs.load(Lib.NVRTC).loaded().orElseThrow().major());
    }

    @Test
    void candidatesPutTheLoaderNameBeforeTheDirectoriesForEachMajor() {
        env.put("CUDA_HOME", root.resolve("cuda").toString());
        List<CudaLibraries.Candidate> c = libraries().candidates(Lib.CUBLAS);
        assertEquals(new CudaLibraries.Candidate("libcublas.so.13", null), c.get(0));
        int firstTwelve = -1;
        for (int i = 0; i < c.size(); i++) {
            if (c.get(i).fileName().equals("libcublas.so.12")) {
                firstTwelve = i;
                break;
            }
        }
        assertEquals(new CudaLibraries.Candidate("libcublas.so.12", null), c.get(firstTwelve));
        for (int i = 0; i < firstTwelve; i++) {
            assertEquals("libcublas.so.13", c.get(i).fileName());
        }
    }

    @Test
    void companionsBesideTheLibraryAreOpenedFromTheSameFolder() throws IOException {
        touch("w/libcublas.so.13");
        Path lt = touch("w/libcublasLt.so.13");
        touch("d/libcudnn.so.9");
        Path graph = touch("d/libcudnn_graph.so.9");
        Path cnn = touch("d/libcudnn_cnn.so.9");
        touch("n/libnvrtc.so.13");
        Path builtins = touch("n/libnvrtc-builtins.so.13.0");
        props.put(CudaLibraries.LIBRARY_PATH, String.join(java.io.File.pathSeparator,
                root.resolve("w").toString(), root.resolve("d").toString(), root.resolve("n").toString()));
        CudaLibraries libs = libraries();
        Search cublas = libs.load(Lib.CUBLAS);
        assertEquals(List.of(lt), CudaLibraries.prerequisites(Lib.CUBLAS, 13, root.resolve("w")));
        assertEquals(List.of(lt.toString(), root.resolve("w/libcublas.so.13").toString()), opened,
                "libcublasLt from the same folder before libcublas (no RUNPATH in NVIDIA's libraries)");
        assertTrue(libs.openCompanions(cublas.loaded().orElseThrow()).isEmpty());
        assertEquals(List.of(graph, cnn), CudaLibraries.companions(Lib.CUDNN, 9, root.resolve("d")));
        assertEquals(List.of(builtins), CudaLibraries.companions(Lib.NVRTC, 13, root.resolve("n")));
        broken.add(graph);
        List<String> notes = libs.openCompanions(libs.load(Lib.CUDNN).loaded().orElseThrow());
        assertEquals(1, notes.size());
        assertTrue(notes.get(0).startsWith(graph + " did not load"), notes.get(0));
    }

    @Test
    void fileNamesAreNewestMajorFirst() {
        assertEquals(List.of("libcuda.so.1"), Lib.CUDA.fileNames());
        assertEquals(List.of("libcublas.so.13", "libcublas.so.12"), Lib.CUBLAS.fileNames());
        assertEquals(List.of("libcublasLt.so.13", "libcublasLt.so.12"), Lib.CUBLAS_LT.fileNames());
        assertEquals(List.of("libcudnn.so.9", "libcudnn.so.8"), Lib.CUDNN.fileNames());
        assertEquals(List.of("libnvrtc.so.13", "libnvrtc.so.12"), Lib.NVRTC.fileNames());
        assertFalse(Lib.CUDA.fileNames().isEmpty());
    }
}
