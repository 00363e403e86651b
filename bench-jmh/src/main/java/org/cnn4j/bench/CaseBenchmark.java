package org.cnn4j.bench;

import java.util.concurrent.TimeUnit;
import org.cnn4j.bench.runner.BenchCase;
import org.cnn4j.bench.runner.Cases;
import org.cnn4j.bench.runner.Check;
import org.cnn4j.bench.runner.Instance;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Backends;
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
 * The cases of {@code cnn4j bench} ({@link Cases}) under JMH: the same tensors, calls and reference check, JMH's
 * forks, warm-up and statistics. The default {@code case} list is the set issue 7 names (SGEMM 1024, 2048, 4096,
 * convolution forward and forward+backward of every layer of LeNet-5, the seed 002 CNN and AlexNet at batch 8, the
 * LeNet-5 and seed 002 training steps); any case name from {@code cnn4j bench --list} can be given with
 * {@code -p case=...}. Each case is checked against the reference once in setup (unless it is over 25 GFLOP per
 * call, as in the runner), and a failed check fails the trial.
 *
 * <pre>
 *   java -cp "$(cat bench/target/classpath.txt):bench/target/classes" org.openjdk.jmh.Main CaseBenchmark \
 *       -p backend=cpu,opencl -p case=lenet5-b64/train-step,sgemm/1024
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class CaseBenchmark {
    @Param({"sgemm/1024", "sgemm/2048", "sgemm/4096",
            "lenet5-b64/conv1/fwd", "lenet5-b64/conv1/fwdbwd", "lenet5-b64/conv2/fwd", "lenet5-b64/conv2/fwdbwd",
            "seed002-b64/conv1/fwd", "seed002-b64/conv1/fwdbwd", "seed002-b64/conv2/fwd", "seed002-b64/conv2/fwdbwd",
            "seed002-b64/conv3/fwd", "seed002-b64/conv3/fwdbwd", "seed002-b64/conv4/fwd", "seed002-b64/conv4/fwdbwd",
            "alexnet-b8/conv1/fwd", "alexnet-b8/conv1/fwdbwd", "alexnet-b8/conv2/fwd", "alexnet-b8/conv2/fwdbwd",
            "alexnet-b8/conv3/fwd", "alexnet-b8/conv3/fwdbwd", "alexnet-b8/conv4/fwd", "alexnet-b8/conv4/fwdbwd",
            "alexnet-b8/conv5/fwd", "alexnet-b8/conv5/fwdbwd",
            "lenet5-b64/train-step", "seed002-b64/train-step"})
    public String name;

    @Param({"cpu"})
    public String backend;

    private Backend be;
    private Instance instance;

    @Setup(Level.Trial)
    public void setUp() {
        BenchCase c = Cases.byName(name);
        be = Backends.open(backend);
        instance = c.build(be);
        try (Backend reference = Backends.open("reference")) {
            Check.Result r = new Check(reference, 25e9).check(c, instance, be);
            if (r.failed()) {
                throw new IllegalStateException(name + " on " + backend + " disagrees with the reference: "
                        + r.detail());
            }
            System.out.println(name + " on " + backend + ": check " + r.status() + " (" + r.detail() + ")");
        }
    }

    @Benchmark
    public void run() {
        instance.run();
        be.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        instance.close();
        be.close();
    }
}
