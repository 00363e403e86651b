package org.cnn4j.distributed;

import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.cnn4j.spi.LibraryLoader;
import org.cnn4j.spi.PythonSites;

/**
 * Finds MPI's and NCCL's shared libraries at run time and records every place it looked, so that a missing library
 * is reported with the list of what was tried (as the cuda backend finds its own).
 *
 * <p>Order, for one library: the directories of {@code -Dcnn4j.distributed.libraryPath} (path-separator list); the
 * dynamic loader by name ({@code LD_LIBRARY_PATH}, the ldconfig cache); {@code java.library.path}; then the
 * library's usual homes: for MPI {@code $MPI_HOME}, {@code $OPAL_PREFIX}, Debian's and Fedora's Open MPI folders
 * and {@code /opt/openmpi}; for NCCL {@code $NCCL_HOME}, {@code $CUDA_HOME}, NVIDIA's Python wheel
 * ({@code <site>/nvidia/nccl/lib}) and the distribution's library folders.
 */
public final class NativeLibraries {
    /** The system property with extra directories to search first. */
    public static final String LIBRARY_PATH = "cnn4j.distributed.libraryPath";

    /** A library this module binds: its short name and file names, preferred first. */
    public enum Lib {
        /** Open MPI's library (4.x and 5.x keep soname 40). */
        MPI("mpi", "libmpi.so.40", "libmpi.so"),
        /** NVIDIA's collective library. */
        NCCL("nccl", "libnccl.so.2", "libnccl.so");

        private final String shortName;
        private final List<String> fileNames;

        Lib(String shortName, String... fileNames) {
            this.shortName = shortName;
            this.fileNames = List.of(fileNames);
        }

        /** {@code mpi} or {@code nccl}. */
        public String shortName() {
            return shortName;
        }

        /** The file names tried, preferred first. */
        public List<String> fileNames() {
            return fileNames;
        }
    }

    /** A library that loaded: where from (a path, or a name on the loader path) and its symbols. */
    public record Loaded(Lib lib, String where, Path path, SymbolLookup symbols) {
    }

    /** The outcome of a search: what loaded, if anything, and every attempt in order. */
    public record Search(Lib lib, Optional<Loaded> loaded, List<String> tried) {
        /** One paragraph: where it loaded from, or that it is missing and everything tried. */
        public String describe() {
            if (loaded.isPresent()) {
                return lib.shortName() + " loaded from " + loaded.get().where();
            }
            return String.join(" or ", lib.fileNames()) + " not found; tried: " + String.join("; ", tried);
        }
    }

    private final Function<String, String> env;
    private final Function<String, String> properties;
    private final LibraryLoader loader;

    public NativeLibraries(Function<String, String> env, Function<String, String> properties, LibraryLoader loader) {
        this.env = env;
        this.properties = properties;
        this.loader = loader;
    }

    /** This process's environment, properties and loader. */
    public static NativeLibraries system() {
        return new NativeLibraries(System::getenv, System::getProperty, LibraryLoader.system());
    }

    /** The directories searched after the loader's own, for {@code lib}, in order, without duplicates. */
    public List<Path> directories(Lib lib) {
        Set<Path> dirs = new LinkedHashSet<>(split(properties.apply("java.library.path")));
        switch (lib) {
            case MPI -> {
                for (String var : List.of("MPI_HOME", "OPAL_PREFIX", "MPI_ROOT")) {
                    home(dirs, env.apply(var), "lib", "lib64");
                }
                dirs.add(Path.of("/usr/lib/x86_64-linux-gnu/openmpi/lib"));
                dirs.add(Path.of("/usr/lib/aarch64-linux-gnu/openmpi/lib"));
                dirs.add(Path.of("/usr/lib64/openmpi/lib"));
                dirs.add(Path.of("/opt/openmpi/lib"));
            }
            case NCCL -> {
                for (String var : List.of("NCCL_HOME", "CUDA_HOME", "CUDA_PATH")) {
                    home(dirs, env.apply(var), "lib", "lib64", "targets/x86_64-linux/lib");
                }
                for (Path site : siteDirectories()) {
                    dirs.add(site.resolve("nvidia/nccl/lib"));
                }
                dirs.add(Path.of("/usr/local/cuda/lib64"));
            }
        }
        dirs.add(Path.of("/usr/lib/x86_64-linux-gnu"));
        dirs.add(Path.of("/usr/lib/aarch64-linux-gnu"));
        dirs.add(Path.of("/usr/lib64"));
        dirs.add(Path.of("/usr/local/lib"));
        return List.copyOf(dirs);
    }

    /**
     * Finds and opens {@code lib}: the first candidate that exists and loads. A file that exists but does not load
     * is recorded with the loader's message and the search goes on.
     */
    public Search load(Lib lib) {
        List<String> tried = new ArrayList<>();
        for (Path dir : split(properties.apply(LIBRARY_PATH))) {
            Optional<Loaded> l = tryDir(lib, dir, tried);
            if (l.isPresent()) {
                return new Search(lib, l, List.copyOf(tried));
            }
        }
        for (String f : lib.fileNames()) {
            try {
                return new Search(lib, Optional.of(new Loaded(lib, f + " (loader path)", null, loader.byName(f))),
                        List.copyOf(tried));
            } catch (RuntimeException e) {
                tried.add(f + " by name on the loader path (" + oneLine(e.getMessage()) + ")");
            }
        }
        for (Path dir : directories(lib)) {
            Optional<Loaded> l = tryDir(lib, dir, tried);
            if (l.isPresent()) {
                return new Search(lib, l, List.copyOf(tried));
            }
        }
        return new Search(lib, Optional.empty(), List.copyOf(tried));
    }

    private Optional<Loaded> tryDir(Lib lib, Path dir, List<String> tried) {
        for (String f : lib.fileNames()) {
            Path p = dir.resolve(f);
            if (!Files.exists(p)) {
                tried.add(p + " (absent)");
                continue;
            }
            try {
                return Optional.of(new Loaded(lib, p.toString(), p, loader.byPath(p)));
            } catch (RuntimeException e) {
                tried.add(p + " (" + oneLine(e.getMessage()) + ")");
            }
        }
        return Optional.empty();
    }

    private List<Path> siteDirectories() {
        List<Path> sites = new ArrayList<>();
        String venv = env.apply("VIRTUAL_ENV");
        if (venv != null && !venv.isBlank()) {
            sites.addAll(PythonSites.under(Path.of(venv, "lib")));
        }
        sites.addAll(split(env.apply("PYTHONPATH")));
        sites.addAll(PythonSites.reported());
        sites.addAll(PythonSites.under(Path.of("/usr/local/lib")));
        sites.addAll(PythonSites.under(Path.of("/usr/lib")));
        sites.add(Path.of("/usr/lib/python3/dist-packages"));
        return sites;
    }

    private static void home(Set<Path> dirs, String home, String... subdirs) {
        if (home != null && !home.isBlank()) {
            for (String s : subdirs) {
                dirs.add(Path.of(home).resolve(s));
            }
        }
    }

    static List<Path> split(String pathList) {
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
        return s == null ? "no message" : s.replace('\n', ' ').strip();
    }
}
