package org.cnn4j.distributed;

import java.util.Locale;
import java.util.Optional;
import org.cnn4j.core.Backend;

/**
 * Opens the process group a run asks for.
 *
 * <ul>
 *   <li>{@code single}: one process, no library (world size 1);</li>
 *   <li>{@code mpi}: Open MPI's {@code libmpi.so.40}, for tensors of every backend through host memory;</li>
 *   <li>{@code nccl}: NVIDIA's {@code libnccl.so.2} for the cuda backend's tensors, with MPI to start it when several processes run (NCCL's
 *       unique id goes from rank 0 to the others by {@code MPI_Bcast}) and for host values;</li>
 *   <li>{@code auto} (or null or empty): {@code single} when no launcher set a world of more than one process
 *       ({@link LaunchEnvironment}); else {@code nccl} for a cuda backend when NCCL and MPI are found, else
 *       {@code mpi}.</li>
 * </ul>
 * A library that is needed and not found is an error naming it and every place it was looked for; nothing falls
 * back silently.
 *
 * <p>Properties: {@value #TIMEOUT} (seconds a collective may take before the job is aborted, default
 * {@value #DEFAULT_TIMEOUT_SECONDS}, 0 for none), {@value #DETERMINISTIC} (fixed-order float sums, default true;
 * see {@link MpiProcessGroup}) and {@link NativeLibraries#LIBRARY_PATH} (directories searched first).
 */
public final class ProcessGroups {
    /** The collective timeout in seconds. */
    public static final String TIMEOUT = "cnn4j.distributed.timeout";
    /** The default collective timeout: ten minutes, long enough for a slow first step on every machine. */
    public static final int DEFAULT_TIMEOUT_SECONDS = 600;
    /** {@code false} uses {@code MPI_Allreduce} for float sums (faster where MPI's algorithm is, not reproducible). */
    public static final String DETERMINISTIC = "cnn4j.distributed.deterministic";
    /** The flags {@link #open} accepts. */
    public static final String FLAGS = "auto, single, mpi, nccl";

    private ProcessGroups() {
    }

    /** {@link #open(String, Backend)} for host tensors (no cuda backend, so never NCCL). */
    public static ProcessGroup open(String flag) {
        return open(flag, null);
    }

    /**
     * Opens the group {@code flag} names ({@value #FLAGS}) for tensors of {@code backend} (null: host only), in this
     * process's launch environment.
     */
    public static ProcessGroup open(String flag, Backend backend) {
        return open(flag, backend, LaunchEnvironment.detect(), NativeLibraries.system());
    }

    static ProcessGroup open(String flag, Backend backend, Optional<LaunchEnvironment> launch,
            NativeLibraries libraries) {
        String f = flag == null || flag.isBlank() ? "auto" : flag.strip().toLowerCase(Locale.ROOT);
        boolean cuda = backend != null && "cuda".equals(backend.name());
        switch (f) {
            case "single" -> {
                if (launch.isPresent() && launch.get().worldSize() > 1) {
                    throw new IllegalArgumentException("process group 'single' but this process was launched as"
                            + " rank " + launch.get().rank() + " of " + launch.get().worldSize() + " ("
                            + launch.get().source() + "): use mpi, nccl or auto");
                }
                return new SingleProcessGroup();
            }
            case "mpi" -> {
                return openMpi(launch, libraries);
            }
            case "nccl" -> {
                if (!cuda) {
                    throw new IllegalArgumentException("process group 'nccl' works on the cuda backend's tensors, "
                            + "but the backend is " + (backend == null ? "none (host tensors)" : backend.name())
                            + ": use mpi");
                }
                return openNccl(backend, launch, libraries);
            }
            case "auto" -> {
                if (launch.isEmpty() || launch.get().worldSize() == 1) {
                    return new SingleProcessGroup();
                }
                if (cuda) {
                    NativeLibraries.Search nccl = libraries.load(NativeLibraries.Lib.NCCL);
                    if (nccl.loaded().isPresent()) {
                        return openNccl(backend, launch, libraries);
                    }
                }
                return openMpi(launch, libraries);
            }
            default -> throw new IllegalArgumentException("process group '" + flag + "' is not one of " + FLAGS);
        }
    }

    private static MpiProcessGroup openMpi(Optional<LaunchEnvironment> launch, NativeLibraries libraries) {
        return MpiProcessGroup.open(mpi(libraries, launch), launch.orElse(null), deterministic(), timeoutMillis());
    }

    private static ProcessGroup openNccl(Backend backend, Optional<LaunchEnvironment> launch,
            NativeLibraries libraries) {
        NativeLibraries.Search search = libraries.load(NativeLibraries.Lib.NCCL);
        Nccl nccl = new Nccl(search.loaded().orElseThrow(() -> new IllegalStateException(
                "process group 'nccl' needs NVIDIA's NCCL: " + search.describe())));
        ProcessGroup bootstrap = ncclBootstrap(launch, libraries);
        try {
            return NcclProcessGroup.open(nccl, bootstrap, CudaDeviceAccess.of(backend), timeoutMillis());
        } catch (RuntimeException e) {
            if (bootstrap.worldSize() == 1) {
                bootstrap.close();
                throw e;
            }
            // the other ranks would wait for this one in the id broadcast or in ncclCommInitRank
            bootstrap.abort("NCCL did not start: " + e.getMessage());
            throw e;
        }
    }

    /**
     * The group that hands NCCL's unique id to the ranks and carries host values: MPI's for a launch of several
     * processes; for one process (no launcher, or a world of one) none is needed, so no MPI either (a GPU machine
     * without Open MPI runs NCCL on one rank).
     */
    static ProcessGroup ncclBootstrap(Optional<LaunchEnvironment> launch, NativeLibraries libraries) {
        return launch.isEmpty() || launch.get().worldSize() == 1 ? new SingleProcessGroup()
                : openMpi(launch, libraries);
    }

    static Mpi mpi(NativeLibraries libraries, Optional<LaunchEnvironment> launch) {
        NativeLibraries.Search search = libraries.load(NativeLibraries.Lib.MPI);
        NativeLibraries.Loaded loaded = search.loaded().orElseThrow(() -> new IllegalStateException(
                "process group 'mpi'" + launch.map(l -> " (rank " + l.rank() + " of " + l.worldSize() + ", "
                        + l.source() + ")").orElse("") + " needs Open MPI's libmpi (Debian: apt-get install "
                        + "openmpi-bin libopenmpi-dev): " + search.describe()));
        return new Mpi(loaded.symbols(), loaded.where());
    }

    /** {@value #TIMEOUT} in milliseconds; a value that is not a number is an error naming the property. */
    static long timeoutMillis() {
        String v = System.getProperty(TIMEOUT);
        if (v == null || v.isBlank()) {
            return DEFAULT_TIMEOUT_SECONDS * 1000L;
        }
        try {
            double s = Double.parseDouble(v.strip());
            if (!(s >= 0) || Double.isInfinite(s)) {
                throw new NumberFormatException();
            }
            return (long) (s * 1000);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + TIMEOUT + "=" + v + ": expected seconds (a number >= 0, 0 for"
                    + " no timeout)");
        }
    }

    static boolean deterministic() {
        String v = System.getProperty(DETERMINISTIC);
        if (v == null || v.isBlank() || v.strip().equalsIgnoreCase("true")) {
            return true;
        }
        if (v.strip().equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException("-D" + DETERMINISTIC + "=" + v + ": expected true or false");
    }
}
