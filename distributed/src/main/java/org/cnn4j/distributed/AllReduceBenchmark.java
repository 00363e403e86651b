package org.cnn4j.distributed;

import java.util.Locale;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Backends;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;

/**
 * All-reduce time and bandwidth against message size, for the process group this launch gives:
 * {@code mpirun -np 2 java -cp ... org.cnn4j.distributed.AllReduceBenchmark [backend] [maxMiB]} (and the same
 * without {@code mpirun} for one process). Each size is timed as the median of five rounds (see {@link #time}) on
 * tensors of the backend ({@code cpu} unless named), so host copies are included. For an MPI group three
 * reductions are timed: the fixed-order one as chosen (the default), the fixed-order one by reduce-scatter and
 * all-gather, and {@code MPI_Allreduce}. Prints a Markdown table on rank 0: time per all-reduce and bus bandwidth
 * (bytes / time x 2(N-1)/N, what each rank moves in a ring all-reduce); for one process, the time of a tensor's
 * copy out to host memory and back, the least a host-memory group adds.
 */
public final class AllReduceBenchmark {
    private AllReduceBenchmark() {
    }

    public static void main(String[] args) {
        String backendName = args.length > 0 ? args[0] : "cpu";
        int maxMiB = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        try (Backend b = Backends.open(backendName);
                ProcessGroup g = ProcessGroups.open(System.getProperty("cnn4j.distributed", "auto"), b)) {
            int n = g.worldSize();
            boolean mpi = g instanceof MpiProcessGroup;
            if (g.rank() == 0) {
                System.out.println("all-reduce (SUM, float32 " + b.name() + " tensors), " + n + " process"
                        + (n == 1 ? "" : "es") + ": " + g.describe());
                System.out.println();
                System.out.println(mpi && n > 1
                        ? "| bytes | fixed order, " + (n == 2 ? "gather" : "auto") + " us | busbw MB/s | fixed order,"
                        + " reduce-scatter us | busbw MB/s | MPI_Allreduce us | busbw MB/s |\n"
                        + "|---:|---:|---:|---:|---:|---:|---:|"
                        : "| bytes | all-reduce us | host copy out and in us |\n|---:|---:|---:|");
            }
            for (long bytes = 4096; bytes <= (long) maxMiB << 20; bytes *= 4) {
                int count = (int) (bytes / 4);
                try (Tensor t = b.allocate(Shape.of(count))) {
                    StringBuilder row = new StringBuilder("| " + human(bytes) + " |");
                    int modes = mpi && n > 1 ? 3 : 1;
                    for (int mode = 0; mode < modes; mode++) {
                        if (mpi) {
                            MpiProcessGroup m = (MpiProcessGroup) g;
                            m.deterministic(mode < 2);
                            m.sumPath(mode == 1 ? MpiProcessGroup.SumPath.REDUCE_SCATTER
                                    : MpiProcessGroup.SumPath.AUTO);
                        }
                        double us = time(g, t);
                        double algbw = bytes / us; // bytes per microsecond = MB/s
                        row.append(n > 1 ? String.format(Locale.ROOT, " %.1f | %.0f |", us, algbw * 2.0 * (n - 1) / n)
                                : String.format(Locale.ROOT, " %.1f |", us));
                    }
                    if (n == 1) {
                        // what a group that goes through host memory adds at the least: the tensor out and back in
                        float[] h = new float[count];
                        long t0 = System.nanoTime();
                        int reps = Math.clamp((48L << 20) / bytes, 2, 100);
                        for (int i = 0; i < reps; i++) {
                            t.copyTo(h);
                            t.copyFrom(h);
                        }
                        row.append(String.format(Locale.ROOT, " %.1f |", (System.nanoTime() - t0) / 1e3 / reps));
                    }
                    if (g.rank() == 0) {
                        System.out.println(row);
                    }
                }
            }
        }
    }

    /**
     * Microseconds per all-reduce of {@code t}: after a warm-up round, five timed rounds of about 50 ms each
     * (between barriers, averaged over the ranks), the median round reported, so that a machine shared with other
     * work gives a steadier figure.
     */
    private static double time(ProcessGroup g, Tensor t) {
        long bytes = (long) t.size() * 4;
        int iterations = Math.clamp((48L << 20) / Math.max(bytes, 1), 2, 100);
        for (int i = 0; i < iterations; i++) { // warm-up: buffers grown, the paths compiled
            g.allReduce(t, ReduceOp.SUM);
        }
        double[] rounds = new double[5];
        for (int r = 0; r < rounds.length; r++) {
            g.barrier();
            long t0 = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                g.allReduce(t, ReduceOp.SUM);
            }
            double[] us = {(System.nanoTime() - t0) / 1e3 / iterations};
            g.allReduce(us, ReduceOp.AVG);
            rounds[r] = us[0];
        }
        java.util.Arrays.sort(rounds);
        return rounds[rounds.length / 2];
    }

    private static String human(long bytes) {
        return bytes >= 1 << 20 ? (bytes >> 20) + " MiB" : (bytes >> 10) + " KiB";
    }
}
