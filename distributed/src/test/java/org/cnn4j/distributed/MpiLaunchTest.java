package org.cnn4j.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cnn4j.core.Requirements;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real ranks on this machine: {@code mpirun --oversubscribe -np 2 java ... MpiWorker <scenario>}. Skipped with
 * the reason where {@code mpirun} or {@code libmpi} is missing, failed instead under {@code -Dcnn4j.require=mpi}
 * (or {@code CNN4J_REQUIRE=mpi}).
 */
class MpiLaunchTest {
    static Path mpirun;

    @BeforeAll
    static void findMpi() {
        mpirun = findMpirun(System.getenv().getOrDefault("PATH", ""));
        String why = missing(mpirun, NativeLibraries.system());
        if (why != null) {
            Requirements.failIfRequired("mpi", why);
        }
        assumeTrue(why == null, why);
    }

    /** Why these tests cannot run here (null when they can): no {@code mpirun}, or no {@code libmpi}. */
    static String missing(Path mpirun, NativeLibraries libraries) {
        if (mpirun == null) {
            return "no mpirun on the PATH (Debian: apt-get install openmpi-bin libopenmpi-dev)";
        }
        NativeLibraries.Search s = libraries.load(NativeLibraries.Lib.MPI);
        return s.loaded().isEmpty() ? s.describe() : null;
    }

    static Path findMpirun(String pathList) {
        for (String dir : pathList.split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "mpirun");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** What a launch printed, how it ended and how long it took. */
    record Run(int exitCode, String output, double seconds) {
    }

    static Run launch(Path dir, String scenario, long limitSeconds, String... jvmArgs) throws Exception {
        return launch(dir, scenario, limitSeconds, List.of(jvmArgs), MpiWorker.class.getName(), scenario,
                dir.toString());
    }

    /** {@code mpirun -np 2} of {@code main}'s class with {@code dir} and {@code args}, logged to {@code dir}. */
    static Run launchMain(Path dir, String main, long limitSeconds, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(main, dir.toString()));
        all.addAll(List.of(args));
        return launch(dir, "main", limitSeconds, List.of("--add-modules=jdk.incubator.vector"),
                all.toArray(String[]::new));
    }

    private static Run launch(Path dir, String log, long limitSeconds, List<String> jvmArgs, String... mainAndArgs)
            throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(mpirun.toString(), "--oversubscribe", "--bind-to", "none",
                "--mca", "mpi_yield_when_idle", "1", "-np", "2",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m"));
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(cp);
        cmd.addAll(List.of(mainAndArgs));
        String scenario = log;
        // two ranks on a shared 2-core machine: unbound, and yielding the core while they wait for each other
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(scenario + ".log").toFile());
        // mpirun refuses to start as root unless both are set (a CI container runs as root)
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT", "1");
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        long t0 = System.nanoTime();
        Process p = pb.start();
        boolean done = p.waitFor(limitSeconds, TimeUnit.SECONDS);
        double s = (System.nanoTime() - t0) / 1e9;
        if (!done) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        String out = Files.readString(dir.resolve(scenario + ".log"), StandardCharsets.UTF_8);
        assertTrue(done, "mpirun did not end within " + limitSeconds + " s:\n" + out);
        return new Run(p.exitValue(), out, s);
    }

    @Test
    void twoRanksGetTheRankOrderResultsBitForBitAndTwoRunsTheSameBits(@TempDir Path tmp) throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        Run first = launch(a, "collectives", 60);
        assertEquals(0, first.exitCode(), first.output());
        for (String ok : new String[] {"rank 0: collectives OK", "rank 1: collectives OK",
            "rank 0: rs-collectives OK", "rank 1: rs-collectives OK"}) {
            assertTrue(first.output().contains(ok), first.output());
        }
        Run second = launch(b, "collectives", 60);
        assertEquals(0, second.exitCode(), second.output());
        byte[] bits = Files.readAllBytes(a.resolve("rank0.bin"));
        assertTrue(bits.length > 1_000_000, bits.length + " bytes of results");
        assertArrayEquals(bits, Files.readAllBytes(a.resolve("rank1.bin")), "rank 0 and rank 1 differ");
        assertArrayEquals(bits, Files.readAllBytes(b.resolve("rank0.bin")), "two runs differ");
        assertArrayEquals(bits, Files.readAllBytes(b.resolve("rank1.bin")), "two runs differ");
        assertArrayEquals(bits, Files.readAllBytes(a.resolve("rs-rank0.bin")), "reduce-scatter and gather differ");
        assertArrayEquals(bits, Files.readAllBytes(b.resolve("rs-rank1.bin")), "reduce-scatter and gather differ");
    }

    /** Open MPI's mpirun ends the job when a rank dies; the ranks waiting in a collective do not hang. */
    @Test
    void aRankKilledMidCollectiveEndsTheJob(@TempDir Path tmp) throws Exception {
        Run r = launch(tmp, "kill", 60, "-D" + ProcessGroups.TIMEOUT + "=120");
        assertNotEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("rank 0: entering allReduce"), r.output());
        assertTrue(r.output().contains("exited on signal 9"), r.output());
        assertTrue(!r.output().contains("returned (unexpected)"), r.output());
        assertTrue(r.seconds() < 45, r.seconds() + " s");
    }

    /** {@code abort} on one rank ends every rank, with its reason and exit code 1. */
    @Test
    void abortOnOneRankEndsTheJobWithItsReason(@TempDir Path tmp) throws Exception {
        Run r = launch(tmp, "abort", 60);
        assertEquals(MpiProcessGroup.ABORT_EXIT_CODE, r.exitCode(), r.output());
        assertTrue(r.output().contains("cnn4j: rank 1 of 2 aborts the job: cannot read its shard (test)"),
                r.output());
        assertTrue(!r.output().contains("returned (unexpected)"), r.output());
        assertTrue(r.seconds() < 45, r.seconds() + " s");
    }

    /** A rank that lives but never joins: the watchdog aborts the job after the collective timeout. */
    @Test
    void aRankThatNeverJoinsEndsTheJobAfterTheTimeout(@TempDir Path tmp) throws Exception {
        Run r = launch(tmp, "stall", 60, "-D" + ProcessGroups.TIMEOUT + "=2");
        assertEquals(MpiProcessGroup.TIMEOUT_EXIT_CODE, r.exitCode(), r.output());
        assertTrue(r.output().contains("cnn4j: rank 0 of 2: MPI_Allgather did not finish within 2.0 s (-D"
                + ProcessGroups.TIMEOUT + ")"), r.output());
        assertTrue(!r.output().contains("returned (unexpected)"), r.output());
        assertTrue(r.seconds() < 45, r.seconds() + " s");
    }
}
