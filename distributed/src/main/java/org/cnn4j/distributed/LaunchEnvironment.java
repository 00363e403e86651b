package org.cnn4j.distributed;

import java.util.Optional;
import java.util.function.Function;

/**
 * Where a launcher said this process stands: its rank, the world size and its rank on its machine, read from the
 * variables that launchers set: Open MPI's {@code mpirun} ({@code OMPI_COMM_WORLD_RANK}, {@code _SIZE},
 * {@code _LOCAL_RANK}), MPICH/Hydra and PMI ({@code PMI_RANK}, {@code PMI_SIZE}), Slurm's {@code srun}
 * ({@code SLURM_PROCID}, {@code SLURM_NTASKS}, {@code SLURM_LOCALID}) and torchrun-style launchers ({@code RANK},
 * {@code WORLD_SIZE}, {@code LOCAL_RANK}), in that order.
 *
 * @param source the variables read, for messages ({@code OMPI_COMM_WORLD_RANK/SIZE})
 * @param mpiLauncher whether the launcher starts MPI's runtime (mpirun, PMI, srun); torchrun does not
 */
public record LaunchEnvironment(int rank, int worldSize, int localRank, String source, boolean mpiLauncher) {
    public LaunchEnvironment {
        if (worldSize < 1 || rank < 0 || rank >= worldSize || localRank < 0) {
            throw new IllegalArgumentException("launch environment " + source + ": rank " + rank + ", world size "
                    + worldSize + ", local rank " + localRank + " (need 0 <= rank < world size)");
        }
    }

    /** This process's launch environment, if a launcher set one. */
    public static Optional<LaunchEnvironment> detect() {
        return detect(System::getenv);
    }

    /** The launch environment in {@code env}; a variable that is set but not a number is an error naming it. */
    public static Optional<LaunchEnvironment> detect(Function<String, String> env) {
        String[][] schemes = {
            {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK", "mpi"},
            {"PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "mpi"},
            {"SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "mpi"},
            {"RANK", "WORLD_SIZE", "LOCAL_RANK", "torchrun"},
        };
        for (String[] s : schemes) {
            String r = env.apply(s[0]);
            String n = env.apply(s[1]);
            if (r == null || n == null) {
                continue;
            }
            int rank = number(s[0], r);
            int size = number(s[1], n);
            String l = env.apply(s[2]);
            int local = l == null ? 0 : number(s[2], l);
            String prefix = common(s[0], s[1]);
            return Optional.of(new LaunchEnvironment(rank, size, local, prefix, s[3].equals("mpi")));
        }
        return Optional.empty();
    }

    private static String common(String a, String b) {
        int i = 0;
        while (i < Math.min(a.length(), b.length()) && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i == 0 ? a + "/" + b : a + "/" + b.substring(i);
    }

    private static int number(String name, String value) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("launch environment: " + name + "=" + value + " is not a number");
        }
    }
}
