package org.cnn4j.distributed;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.cnn4j.backend.cpu.CpuBackend;
import org.cnn4j.backend.reference.ReferenceBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;

/**
 * One rank of the multi-process tests, started by {@code mpirun -np N java ... MpiWorker <scenario> <dir>}.
 *
 * <ul>
 *   <li>{@code collectives}: every collective on cpu tensors and host arrays, each result checked bit for bit
 *       against the rank-order result this rank computes from every rank's (seeded) inputs; all results written to
 *       {@code <dir>/rank<r>.bin} for comparison across ranks and runs. Exit 0 when all match.</li>
 *   <li>{@code kill}: rank 1 kills itself (SIGKILL) while rank 0 waits in an all-reduce.</li>
 *   <li>{@code stall}: rank 1 stays alive but never joins the all-reduce rank 0 waits in.</li>
 *   <li>{@code abort}: rank 1 calls {@link ProcessGroup#abort} while rank 0 waits in a barrier.</li>
 * </ul>
 */
public final class MpiWorker {
    private MpiWorker() {
    }

    static final int[] SIZES = {1, 3, 1000, 65_537};

    public static void main(String[] args) throws Exception {
        String scenario = args[0];
        Path dir = Path.of(args[1]);
        PrintStream out = System.out;
        try (ProcessGroup g = ProcessGroups.open("mpi"); Backend b = new CpuBackend(new CpuBackend.Config(1,
                false)); Backend ref = new ReferenceBackend()) {
            out.println("rank " + g.rank() + " of " + g.worldSize() + ": " + g.describe());
            switch (scenario) {
                case "collectives" -> {
                    // both ways of moving the data, each checked against the rank-order sum bit for bit
                    ((MpiProcessGroup) g).sumPath(MpiProcessGroup.SumPath.REDUCE_SCATTER);
                    collectives(g, b, ref, dir, "rs-");
                    ((MpiProcessGroup) g).sumPath(MpiProcessGroup.SumPath.AUTO);
                    collectives(g, b, ref, dir, "");
                }
                case "kill" -> kill(g, b);
                case "stall" -> stall(g, b);
                case "abort" -> {
                    g.barrier();
                    if (g.rank() == 1) {
                        g.abort("cannot read its shard (test)");
                    }
                    g.barrier();
                    System.out.println("rank " + g.rank() + ": barrier returned (unexpected)");
                }
                default -> throw new IllegalArgumentException("scenario " + scenario);
            }
        }
    }

    /** Rank {@code r}'s input of {@code n} values for test {@code salt}: varied magnitudes, so order matters. */
    static float[] input(int r, int n, int salt) {
        SplittableRandom rnd = new SplittableRandom(1000L * salt + r);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-3, 4)));
        }
        return x;
    }

    private static void collectives(ProcessGroup g, Backend b, Backend ref, Path dir, String prefix) throws IOException {
        int r = g.rank();
        int world = g.worldSize();
        ByteBuffer bits = ByteBuffer.allocate(64 << 20).order(ByteOrder.LITTLE_ENDIAN);
        int salt = 0;
        for (int n : SIZES) {
            for (ReduceOp op : ReduceOp.values()) {
                salt++;
                float[] expected = new float[n];
                float[][] all = new float[world][];
                for (int j = 0; j < world; j++) {
                    all[j] = input(j, n, salt);
                }
                for (int k = 0; k < n; k++) {
                    float acc = all[0][k];
                    for (int j = 1; j < world; j++) {
                        acc += all[j][k];
                    }
                    expected[k] = op == ReduceOp.AVG ? acc / world : acc;
                }
                try (Tensor t = b.fromArray(Shape.of(n), input(r, n, salt))) {
                    g.allReduce(t, op);
                    float[] got = t.toFloatArray();
                    same("allReduce(tensor " + n + ", " + op + ")", expected, got);
                    put(bits, got);
                }
                float[] host = input(r, n, salt);
                g.allReduce(host, op);
                same("allReduce(float[" + n + "], " + op + ")", expected, host);
                double[] d = new double[n];
                double[] dexp = new double[n];
                for (int k = 0; k < n; k++) {
                    d[k] = all[r][k] * 1.000001;
                    double acc = all[0][k] * 1.000001;
                    for (int j = 1; j < world; j++) {
                        acc += all[j][k] * 1.000001;
                    }
                    dexp[k] = op == ReduceOp.AVG ? acc / world : acc;
                }
                g.allReduce(d, op);
                if (!Arrays.equals(dexp, d)) {
                    throw new AssertionError("allReduce(double[" + n + "], " + op + ") differs from the rank-order"
                            + " sum");
                }
                float[][] all2 = new float[world][];
                for (int j = 0; j < world; j++) {
                    all2[j] = input(j, n, salt + 500);
                }
                try (Tensor t = ref.fromArray(Shape.of(n), DType.FLOAT64, toDouble(all2[r]))) {
                    g.allReduce(t, op);
                    double[] e = new double[n];
                    for (int k = 0; k < n; k++) {
                        double acc = all2[0][k];
                        for (int j = 1; j < world; j++) {
                            acc += all2[j][k];
                        }
                        e[k] = op == ReduceOp.AVG ? acc / world : acc;
                    }
                    if (!Arrays.equals(e, t.toDoubleArray())) {
                        throw new AssertionError("allReduce(float64 tensor " + n + ", " + op + ") differs");
                    }
                }
            }
            // broadcast from the last rank
            int root = world - 1;
            try (Tensor t = b.fromArray(Shape.of(n), input(r, n, 77))) {
                g.broadcast(t, root);
                same("broadcast(" + n + ")", input(root, n, 77), t.toFloatArray());
                put(bits, t.toFloatArray());
            }
            // all-gather into a [world, n] tensor
            try (Tensor in = b.fromArray(Shape.of(n), input(r, n, 99)); Tensor o = b.allocate(Shape.of(world, n))) {
                g.allGather(in, o);
                float[] e = new float[world * n];
                for (int j = 0; j < world; j++) {
                    System.arraycopy(input(j, n, 99), 0, e, j * n, n);
                }
                same("allGather(" + n + ")", e, o.toFloatArray());
                put(bits, o.toFloatArray());
            }
        }
        // a bucket of tensors: the same bits as one all-reduce each
        int[] sizes = {5, 1000, 1, 4097};
        Tensor[] one = new Tensor[sizes.length];
        Tensor[] many = new Tensor[sizes.length];
        try {
            for (int i = 0; i < sizes.length; i++) {
                one[i] = b.fromArray(Shape.of(sizes[i]), input(r, sizes[i], 300 + i));
                many[i] = b.fromArray(Shape.of(sizes[i]), input(r, sizes[i], 300 + i));
                g.allReduce(one[i], ReduceOp.AVG);
            }
            g.allReduce(java.util.List.of(many), ReduceOp.AVG);
            for (int i = 0; i < sizes.length; i++) {
                same("allReduce(bucket) tensor " + i, one[i].toFloatArray(), many[i].toFloatArray());
                put(bits, many[i].toFloatArray());
            }
        } finally {
            for (int i = 0; i < sizes.length; i++) {
                if (one[i] != null) {
                    one[i].close();
                }
                if (many[i] != null) {
                    many[i].close();
                }
            }
        }
        long[] counts = {r + 1, 1L << 40, -r};
        g.allReduce(counts, ReduceOp.SUM);
        long[] ce = {(long) world * (world + 1) / 2, (long) world << 40, -(long) world * (world - 1) / 2};
        if (!Arrays.equals(ce, counts)) {
            throw new AssertionError("allReduce(long[]) " + Arrays.toString(counts) + " != " + Arrays.toString(ce));
        }
        byte[] id = new byte[128];
        if (r == 0) {
            for (int i = 0; i < id.length; i++) {
                id[i] = (byte) (i * 7 + 1);
            }
        }
        g.broadcast(id, 0);
        for (int i = 0; i < id.length; i++) {
            if (id[i] != (byte) (i * 7 + 1)) {
                throw new AssertionError("broadcast(byte[]) byte " + i);
            }
        }
        g.barrier();
        Files.write(dir.resolve(prefix + "rank" + r + ".bin"), Arrays.copyOf(bits.array(), bits.position()));
        System.out.println("rank " + r + ": " + prefix + "collectives OK");
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static void put(ByteBuffer bits, float[] v) {
        for (float x : v) {
            bits.putInt(Float.floatToRawIntBits(x));
        }
    }

    private static void same(String what, float[] expected, float[] got) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(got[i])) {
                throw new AssertionError(what + ": element " + i + " is " + got[i] + ", expected " + expected[i]
                        + " bit for bit");
            }
        }
    }

    private static void kill(ProcessGroup g, Backend b) throws Exception {
        try (Tensor t = b.allocate(Shape.of(1 << 16))) {
            g.allReduce(t, ReduceOp.SUM); // both ranks are up
            if (g.rank() == 1) {
                Thread.sleep(300);
                System.out.println("rank 1: killing myself");
                System.out.flush();
                new ProcessBuilder("kill", "-9", Long.toString(ProcessHandle.current().pid())).start().waitFor();
                Thread.sleep(60_000);
            }
            System.out.println("rank " + g.rank() + ": entering allReduce");
            System.out.flush();
            g.allReduce(t, ReduceOp.SUM);
            System.out.println("rank " + g.rank() + ": allReduce returned (unexpected)");
        }
    }

    private static void stall(ProcessGroup g, Backend b) throws Exception {
        try (Tensor t = b.allocate(Shape.of(1 << 16))) {
            g.allReduce(t, ReduceOp.SUM);
            if (g.rank() == 1) {
                System.out.println("rank 1: not joining");
                System.out.flush();
                Thread.sleep(120_000);
            }
            g.allReduce(t, ReduceOp.SUM);
            System.out.println("rank " + g.rank() + ": allReduce returned (unexpected)");
        }
    }
}
