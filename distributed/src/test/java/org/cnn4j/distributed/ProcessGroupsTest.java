package org.cnn4j.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.SymbolLookup;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.cnn4j.backend.cpu.CpuBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.spi.LibraryLoader;
import org.junit.jupiter.api.Test;

/** Choosing a group, reading launchers' variables, and the one-process group; no library needed. */
class ProcessGroupsTest {
    /** A search that finds nothing anywhere. */
    static NativeLibraries nothing(Path dir) {
        Map<String, String> props = Map.of(NativeLibraries.LIBRARY_PATH, dir.toString());
        return new NativeLibraries(k -> null, props::get, new LibraryLoader() {
            @Override
            public SymbolLookup byName(String fileName) {
                throw new IllegalArgumentException(fileName + ": cannot open shared object file");
            }

            @Override
            public SymbolLookup byPath(Path path) {
                throw new IllegalArgumentException(path + ": cannot open shared object file");
            }
        });
    }

    static Optional<LaunchEnvironment> env(String... kv) {
        Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return LaunchEnvironment.detect(m::get);
    }

    @Test
    void launchersVariablesAreRead() {
        assertEquals(Optional.empty(), env());
        assertEquals(Optional.of(new LaunchEnvironment(1, 4, 1, "OMPI_COMM_WORLD_RANK/SIZE", true)), env(
                "OMPI_COMM_WORLD_RANK", "1", "OMPI_COMM_WORLD_SIZE", "4", "OMPI_COMM_WORLD_LOCAL_RANK", "1",
                "RANK", "3", "WORLD_SIZE", "8"));
        assertEquals(Optional.of(new LaunchEnvironment(5, 8, 1, "SLURM_PROCID/NTASKS", true)), env(
                "SLURM_PROCID", "5", "SLURM_NTASKS", "8", "SLURM_LOCALID", "1"));
        assertEquals(Optional.of(new LaunchEnvironment(2, 3, 0, "RANK/WORLD_SIZE", false)), env("RANK", "2",
                "WORLD_SIZE", "3"));
        assertEquals(Optional.of(new LaunchEnvironment(0, 2, 0, "PMI_RANK/SIZE", true)), env("PMI_RANK", "0",
                "PMI_SIZE", "2"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> env("RANK", "x",
                "WORLD_SIZE", "2"));
        assertEquals("launch environment: RANK=x is not a number", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> env("RANK", "2", "WORLD_SIZE", "2"));
        assertEquals("launch environment RANK/WORLD_SIZE: rank 2, world size 2, local rank 0 (need 0 <= rank <"
                + " world size)", e.getMessage());
    }

    @Test
    void autoIsOneProcessWithoutALauncherAndNeedsNoLibrary(@org.junit.jupiter.api.io.TempDir Path dir) {
        try (ProcessGroup g = ProcessGroups.open(null, null, env(), nothing(dir))) {
            assertInstanceOf(SingleProcessGroup.class, g);
        }
        try (ProcessGroup g = ProcessGroups.open("auto", null, env("OMPI_COMM_WORLD_RANK", "0",
                "OMPI_COMM_WORLD_SIZE", "1"), nothing(dir))) {
            assertInstanceOf(SingleProcessGroup.class, g);
        }
        try (ProcessGroup g = ProcessGroups.open(" Single ", null, env(), nothing(dir))) {
            assertEquals("single (one process, no library)", g.describe());
        }
    }

    @Test
    void aMissingMpiIsAnErrorNamingItAndEveryPlaceTried(@org.junit.jupiter.api.io.TempDir Path dir) {
        Optional<LaunchEnvironment> two = env("OMPI_COMM_WORLD_RANK", "1", "OMPI_COMM_WORLD_SIZE", "2");
        for (String flag : new String[] {"auto", "mpi"}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ProcessGroups.open(flag, null,
                    two, nothing(dir)));
            assertTrue(e.getMessage().startsWith("process group 'mpi' (rank 1 of 2, OMPI_COMM_WORLD_RANK/SIZE) needs"
                    + " Open MPI's libmpi (Debian: apt-get install openmpi-bin libopenmpi-dev): libmpi.so.40 or"
                    + " libmpi.so not found; tried: " + dir.resolve("libmpi.so.40") + " (absent); "
                    + dir.resolve("libmpi.so") + " (absent); libmpi.so.40 by name on the loader path (libmpi.so.40:"
                    + " cannot open shared object file); "), e.getMessage());
            assertTrue(e.getMessage().contains("/usr/lib/x86_64-linux-gnu/openmpi/lib/libmpi.so.40"),
                    e.getMessage());
        }
    }

    /** The two-rank tests skip with the reason where MPI is missing (and fail under -Dcnn4j.require=mpi). */
    @Test
    void theTwoRankTestsSayWhyTheyCannotRun(@org.junit.jupiter.api.io.TempDir Path dir) {
        assertEquals(null, MpiLaunchTest.findMpirun(dir.toString()));
        assertEquals("no mpirun on the PATH (Debian: apt-get install openmpi-bin libopenmpi-dev)",
                MpiLaunchTest.missing(null, nothing(dir)));
        String why = MpiLaunchTest.missing(dir.resolve("mpirun"), nothing(dir));
        assertTrue(why.startsWith("libmpi.so.40 or libmpi.so not found; tried: "), why);
    }

    @Test
    void flagsAreCheckedWithOneClearMessage(@org.junit.jupiter.api.io.TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProcessGroups.open("gloo",
                null, env(), nothing(dir)));
        assertEquals("process group 'gloo' is not one of auto, single, mpi, nccl", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ProcessGroups.open("single", null, env("RANK", "0",
                "WORLD_SIZE", "2"), nothing(dir)));
        assertEquals("process group 'single' but this process was launched as rank 0 of 2 (RANK/WORLD_SIZE): use"
                + " mpi, nccl or auto", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ProcessGroups.open("nccl", null, env(),
                nothing(dir)));
        assertEquals("process group 'nccl' works on the cuda backend's tensors, but the backend is none (host"
                + " tensors): use mpi", e.getMessage());
    }

    @Test
    void propertiesAreCheckedWithTheirNames() {
        String saved = System.getProperty(ProcessGroups.TIMEOUT);
        try {
            System.setProperty(ProcessGroups.TIMEOUT, "soon");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ProcessGroups::timeoutMillis);
            assertEquals("-Dcnn4j.distributed.timeout=soon: expected seconds (a number >= 0, 0 for no timeout)",
                    e.getMessage());
            System.setProperty(ProcessGroups.TIMEOUT, "-1");
            assertThrows(IllegalArgumentException.class, ProcessGroups::timeoutMillis);
            System.setProperty(ProcessGroups.TIMEOUT, "2.5");
            assertEquals(2500, ProcessGroups.timeoutMillis());
            System.clearProperty(ProcessGroups.TIMEOUT);
            assertEquals(600_000, ProcessGroups.timeoutMillis());
        } finally {
            if (saved != null) {
                System.setProperty(ProcessGroups.TIMEOUT, saved);
            }
        }
        String det = System.getProperty(ProcessGroups.DETERMINISTIC);
        try {
            System.setProperty(ProcessGroups.DETERMINISTIC, "maybe");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ProcessGroups::deterministic);
            assertEquals("-Dcnn4j.distributed.deterministic=maybe: expected true or false", e.getMessage());
        } finally {
            if (det == null) {
                System.clearProperty(ProcessGroups.DETERMINISTIC);
            } else {
                System.setProperty(ProcessGroups.DETERMINISTIC, det);
            }
        }
    }

    @Test
    void theOneProcessGroupLeavesValuesAndCopiesAllGather() {
        try (Backend b = new CpuBackend(new CpuBackend.Config(1, false)); SingleProcessGroup g =
                new SingleProcessGroup(); Tensor x = b.fromArray(Shape.of(3), new float[] {1, 2, 3});
                Tensor out = b.allocate(Shape.of(1, 3)); Tensor wrong = b.allocate(Shape.of(2))) {
            g.allReduce(x, ReduceOp.AVG);
            g.broadcast(x, 0);
            g.allGather(x, out);
            g.barrier();
            assertArrayEquals(new float[] {1, 2, 3}, x.toFloatArray());
            assertArrayEquals(new float[] {1, 2, 3}, out.toFloatArray());
            float[] f = {0.1f};
            g.allReduce(f, ReduceOp.AVG);
            assertArrayEquals(new float[] {0.1f}, f);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.allReduce(new long[1],
                    ReduceOp.AVG));
            assertEquals("allReduce(long[]): op must be SUM (an average of integers is not an integer; reduce as"
                    + " double[] instead), got AVG", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> g.allGather(x, wrong));
            assertEquals("allGather: out must hold worldSize (1) times in's elements of in's dtype: in [3] float32,"
                    + " out [2] float32", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> g.broadcast(x, 1));
            g.close();
            assertThrows(IllegalStateException.class, g::barrier);
        }
    }
}
