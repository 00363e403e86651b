package org.cnn4j.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Backends;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Gemm;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Square SGEMM, {@code C = A * B} with n x n matrices, on a backend chosen by {@code backend}. The score is the
 * time of one product; GFLOP/s = 2 n^3 / time. The result is checked against a double-precision dot product on a
 * few elements before timing.
 *
 * <pre>
 *   ./mvnw -pl bench -am package -DskipTests
 *   java -cp "$(cat bench/target/classpath.txt):bench/target/classes" org.openjdk.jmh.Main SgemmBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class SgemmBenchmark {
    @Param({"1024", "2048", "4096"})
    public int n;

    @Param({"cpu"})
    public String backend;

    private Backend be;
    private Tensor a;
    private Tensor b;
    private Tensor c;
    private Gemm.Run op;

    @Setup(Level.Trial)
    public void setUp() {
        be = Backends.open(backend);
        Shape s = Shape.of(n, n);
        float[] av = BenchData.random(n * n, 1);
        float[] bv = BenchData.random(n * n, 2);
        a = be.fromArray(s, av);
        b = be.fromArray(s, bv);
        c = be.allocate(s);
        op = new Gemm.Run(Gemm.plain(), a, b, c);
        be.execute(op);
        float[] cv = c.toFloatArray();
        SplittableRandom r = new SplittableRandom(3);
        for (int t = 0; t < 16; t++) {
            int i = r.nextInt(n);
            int j = r.nextInt(n);
            double want = 0;
            for (int p = 0; p < n; p++) {
                want += (double) av[i * n + p] * bv[p * n + j];
            }
            if (Math.abs(want - cv[i * n + j]) > 1e-3 * Math.sqrt(n)) {
                throw new IllegalStateException("sgemm " + n + " on " + be.name() + ": c[" + i + "," + j + "] = "
                        + cv[i * n + j] + " but should be " + want);
            }
        }
    }

    @Benchmark
    public void sgemm() {
        be.execute(op);
        be.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.close();
        b.close();
        c.close();
        be.close();
    }
}
