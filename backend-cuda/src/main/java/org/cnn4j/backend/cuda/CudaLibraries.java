package org.cnn4j.backend.cuda;

import java.io.IOException;
import java.lang.foreign.SymbolLookup;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.cnn4j.spi.LibraryLoader;
import org.cnn4j.spi.PythonSites;

/**
 * Finds the CUDA libraries by file name and major version, and records every place it looked, so that an
 * unavailable probe can say exactly what was tried.
 *
 * <p>Search order, for one library:
 * <ol>
 *   <li>the directories of {@code -Dcnn4j.cuda.libraryPath} (path-separator list): what the user names wins;</li>
 *   <li>the dynamic loader by name ({@code dlopen("libcuda.so.1")}: {@code LD_LIBRARY_PATH}, the ldconfig
 *       cache, {@code /lib}, {@code /usr/lib}), the way {@link System#loadLibrary} resolves a name;</li>
 *   <li>the directories of {@code java.library.path};</li>
 *   <li>{@code $CUDA_HOME} and {@code $CUDA_PATH}: {@code lib64}, {@code lib}, {@code targets/x86_64-linux/lib};</li>
 *   <li>the {@code lib} folders of NVIDIA's Python wheels, {@code <site>/nvidia/<package>/lib}, for every site
 *       directory of {@code $VIRTUAL_ENV}, {@code $PYTHONPATH}, {@code python3}'s own site list, and the usual
 *       {@code /usr/local/lib/python3*}/{@code /usr/lib/python3*} locations;</li>
 *   <li>{@code /usr/local/cuda}, the distribution's library directories, WSL's, and {@code /usr/local/nvidia}
 *       (where NVIDIA's container runtime mounts the driver).</li>
 * </ol>
 * Within the directories after the first group, the newer major version is tried everywhere before the older
 * one ({@code libcublas.so.13} anywhere before {@code libcublas.so.12}).
 *
 * <p>Nothing here loads a library until {@link #load} is called; the search itself only looks at files, so
 * tests run it against fake directory trees with a fake {@link LibraryLoader}.
 */
public final class CudaLibraries {
    /** The system property with extra directories to search first. */
    public static final String LIBRARY_PATH = "cnn4j.cuda.libraryPath";

    /** A library the backend uses: its soname stem and the majors accepted, newest first. */
    public enum Lib {
        CUDA("cuda", "libcuda.so", 1),
        CUBLAS_LT("cublasLt", "libcublasLt.so", 13, 12),
        CUBLAS("cublas", "libcublas.so", 13, 12),
        CUDNN("cudnn", "libcudnn.so", 9, 8),
        NVRTC("nvrtc", "libnvrtc.so", 13, 12);

        private final String shortName;
        private final String stem;
        private final int[] majors;

        Lib(String shortName, String stem, int... majors) {
            this.shortName = shortName;
            this.stem = stem;
            this.majors = majors;
        }

        /** The name used in error messages ({@code cuda}, {@code cublas}, ...). */
        public String shortName() {
            return shortName;
        }

        /** The file names tried, newest major first ({@code libcublas.so.13}, {@code libcublas.so.12}). */
        public List<String> fileNames() {
            List<String> names = new ArrayList<>();
            for (int m : majors) {
                names.add(stem + "." + m);
            }
            return names;
        }

        int major(String fileName) {
            return Integer.parseInt(fileName.substring(stem.length() + 1));
        }
    }

    /**
     * Where to look: environment variables, system properties, python's site directories and the fixed system
     * directories, injectable so the search order can be tested on fake trees.
     */
    public record Environment(Function<String, String> env, Function<String, String> properties,
            Supplier<List<Path>> pythonSiteDirs, List<Path> systemDirs, List<Path> pythonRoots) {

        /** This process's environment; python3 is asked for its site directories (once per process, 5 s at most). */
        public static Environment system() {
            return new Environment(System::getenv, System::getProperty, PythonSites::reported,
                    List.of(Path.of("/usr/local/cuda/lib64"), Path.of("/usr/local/cuda/lib"),
                            Path.of("/usr/local/cuda/targets/x86_64-linux/lib"),
                            Path.of("/usr/lib/x86_64-linux-gnu"), Path.of("/usr/lib64"), Path.of("/usr/lib/wsl/lib"),
                            Path.of("/usr/local/nvidia/lib64"), Path.of("/usr/local/nvidia/lib")),
                    List.of(Path.of("/usr/local/lib"), Path.of("/usr/lib")));
        }
    }

    /** One place a library may be: a directory file, or a name for the dynamic loader ({@code path == null}). */
    public record Candidate(String fileName, Path path) {
        String describe() {
            return path == null ? fileName + " by name on the loader path" : path.toString();
        }
    }

    /** A library that loaded, with the candidate it came from and its major version. */
    public record Loaded(Lib lib, Candidate from, int major, SymbolLookup symbols) {
        /** Where it came from, for the device description. */
        public String where() {
            return from.path == null ? from.fileName + " (loader path)" : from.path.toString();
        }
    }

    /** The outcome of looking for one library: what loaded (if anything) and every attempt, in order. */
    public record Search(Lib lib, Optional<Loaded> loaded, List<String> tried) {
        /** A one-paragraph account: found where, or missing and everything tried. */
        public String describe() {
            if (loaded.isPresent()) {
                return loaded.get().from().fileName() + " loaded from " + loaded.get().where();
            }
            return String.join(" or ", lib.fileNames()) + " not found; tried: " + String.join("; ", tried);
        }
    }

    private final Environment environment;
    private final LibraryLoader loader;
    private List<Path> directories;

    public CudaLibraries(Environment environment, LibraryLoader loader) {
        this.environment = environment;
        this.loader = loader;
    }

    /** The directories searched after the property's and the loader's own, in order, without duplicates. */
    public synchronized List<Path> directories() {
        if (directories == null) {
            Set<Path> dirs = new LinkedHashSet<>();
            for (Path p : split(environment.properties().apply("java.library.path"))) {
                dirs.add(p);
            }
            for (String var : List.of("CUDA_HOME", "CUDA_PATH")) {
                String home = environment.env().apply(var);
                if (home != null && !home.isBlank()) {
                    Path h = Path.of(home);
                    dirs.add(h.resolve("lib64"));
                    dirs.add(h.resolve("lib"));
                    dirs.add(h.resolve("targets/x86_64-linux/lib"));
                }
            }
            for (Path site : siteDirectories()) {
                dirs.addAll(nvidiaLibDirs(site));
            }
            dirs.addAll(environment.systemDirs());
            directories = List.copyOf(dirs);
        }
        return directories;
    }

    /** The user's directories from {@code -Dcnn4j.cuda.libraryPath}, in order. */
    public List<Path> propertyDirectories() {
        return split(environment.properties().apply(LIBRARY_PATH));
    }

    /** Every candidate for {@code lib}, in the order they are tried. */
    public List<Candidate> candidates(Lib lib) {
        List<Candidate> out = new ArrayList<>();
        for (Path dir : propertyDirectories()) {
            for (String f : lib.fileNames()) {
                out.add(new Candidate(f, dir.resolve(f)));
            }
        }
        List<Path> dirs = directories();
        for (String f : lib.fileNames()) {
            out.add(new Candidate(f, null));
            for (Path dir : dirs) {
                out.add(new Candidate(f, dir.resolve(f)));
            }
        }
        return out;
    }

    /**
     * Finds and opens {@code lib}: the first candidate that exists and loads. Missing files are recorded as
     * absent; a file that exists but does not load is recorded with the loader's message and the search goes on.
     */
    public Search load(Lib lib) {
        List<String> tried = new ArrayList<>();
        for (Candidate c : candidates(lib)) {
            if (c.path() != null && !Files.exists(c.path())) {
                tried.add(c.path() + " (absent)");
                continue;
            }
            try {
                if (c.path() != null) {
                    openPrerequisites(lib, lib.major(c.fileName()), c.path().getParent());
                }
                SymbolLookup symbols = c.path() == null ? loader.byName(c.fileName()) : loader.byPath(c.path());
                return new Search(lib, Optional.of(new Loaded(lib, c, lib.major(c.fileName()), symbols)),
                        List.copyOf(tried));
            } catch (RuntimeException e) {
                tried.add(c.describe() + " (" + oneLine(e.getMessage()) + ")");
            }
        }
        return new Search(lib, Optional.empty(), List.copyOf(tried));
    }

    /**
     * The libraries that {@code lib} needs at load time (its ELF {@code DT_NEEDED} entries beside it) and that must
     * therefore be open before it: NVIDIA's toolkit libraries carry no RUNPATH, so {@code libcublas.so.13} opened
     * by path from a folder on no loader path (a Python wheel's {@code nvidia/cublas/lib}) resolves
     * {@code libcublasLt.so.13} only if a library of that soname is already loaded. Those present in {@code dir},
     * in load order.
     */
    static List<Path> prerequisites(Lib lib, int major, Path dir) {
        if (lib != Lib.CUBLAS || dir == null) {
            return List.of();
        }
        Path lt = dir.resolve("libcublasLt.so." + major);
        return Files.exists(lt) ? List.of(lt) : List.of();
    }

    /** Opens {@link #prerequisites} of a candidate; a failure shows when the library itself does not load. */
    private void openPrerequisites(Lib lib, int major, Path dir) {
        for (Path p : prerequisites(lib, major, dir)) {
            loader.byPath(p);
        }
    }

    /**
     * Opens the libraries that {@code loaded} opens by soname at run time and that sit beside it (cuDNN 9's
     * sub-libraries, NVRTC's builtins), so that the loader finds them already open even when their folder is on
     * no loader path (a Python wheel). Those it needs at load time (cuBLAS's {@code libcublasLt}) are
     * {@link #prerequisites}, opened before it. Best effort: what fails is returned as text for the device
     * description, the library itself may still work.
     */
    public List<String> openCompanions(Loaded loaded) {
        List<String> notes = new ArrayList<>();
        if (loaded.from().path() == null) {
            return notes;
        }
        Path dir = loaded.from().path().getParent();
        for (Path p : companions(loaded.lib(), loaded.major(), dir)) {
            try {
                loader.byPath(p);
            } catch (RuntimeException e) {
                notes.add(p + " did not load (" + oneLine(e.getMessage()) + ")");
            }
        }
        return notes;
    }

    /** The companion files of {@code lib} present in {@code dir}, in load order. */
    static List<Path> companions(Lib lib, int major, Path dir) {
        List<String> globs = switch (lib) {
            case CUDNN -> List.of("libcudnn_graph.so." + major, "libcudnn_engines_precompiled.so." + major,
                    "libcudnn_engines_runtime_compiled.so." + major, "libcudnn_heuristic.so." + major,
                    "libcudnn_ops.so." + major, "libcudnn_cnn.so." + major, "libcudnn_adv.so." + major,
                    "libcudnn_ops_infer.so." + major, "libcudnn_ops_train.so." + major,
                    "libcudnn_cnn_infer.so." + major, "libcudnn_cnn_train.so." + major);
            case NVRTC -> List.of("libnvrtc-builtins.so." + major + "*");
            case CUDA, CUBLAS, CUBLAS_LT -> List.of(); // cuBLAS's libcublasLt is a prerequisite, opened first
        };
        List<Path> out = new ArrayList<>();
        for (String g : globs) {
            if (!g.endsWith("*")) {
                Path p = dir.resolve(g);
                if (Files.exists(p)) {
                    out.add(p);
                }
                continue;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, g)) {
                List<Path> found = new ArrayList<>();
                ds.forEach(found::add);
                found.sort(null);
                out.addAll(found);
            } catch (IOException e) {
                // no such directory: nothing to open beside the library
            }
        }
        return out;
    }

    /** The site directories to look into for {@code nvidia/*}{@code /lib}, in order, existing or not. */
    List<Path> siteDirectories() {
        Set<Path> sites = new LinkedHashSet<>();
        String venv = environment.env().apply("VIRTUAL_ENV");
        if (venv != null && !venv.isBlank()) {
            sites.addAll(PythonSites.under(Path.of(venv, "lib")));
        }
        sites.addAll(split(environment.env().apply("PYTHONPATH")));
        sites.addAll(environment.pythonSiteDirs().get());
        for (Path root : environment.pythonRoots()) {
            sites.addAll(PythonSites.under(root));
        }
        sites.add(Path.of("/usr/lib/python3/dist-packages"));
        return List.copyOf(sites);
    }

    /** {@code site/nvidia/<package>/lib} for every package of NVIDIA's wheels in {@code site}, sorted. */
    static List<Path> nvidiaLibDirs(Path site) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(site.resolve("nvidia"))) {
            for (Path pkg : ds) {
                Path lib = pkg.resolve("lib");
                if (Files.isDirectory(lib)) {
                    out.add(lib);
                }
            }
        } catch (IOException e) {
            // no NVIDIA wheels in this site directory
        }
        out.sort(null);
        return out;
    }

    private static List<Path> split(String pathList) {
        List<Path> out = new ArrayList<>();
        if (pathList == null) {
            return out;
        }
        for (String s : pathList.split(java.io.File.pathSeparator)) {
            if (!s.isBlank()) {
                out.add(Path.of(s.strip()));
            }
        }
        return out;
    }

    static String oneLine(String s) {
        if (s == null) {
            return "no message";
        }
        return s.replace('\n', ' ').strip();
    }
}
