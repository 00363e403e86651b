package org.cnn4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Backends;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Activation;
import org.cnn4j.ops.Adam;
import org.cnn4j.ops.Add;
import org.cnn4j.ops.BatchNorm;
import org.cnn4j.ops.Dropout;
import org.cnn4j.ops.Linear;
import org.cnn4j.ops.Loss;
import org.cnn4j.ops.Op;
import org.cnn4j.ops.Pool2d;
import org.cnn4j.ops.Sgd;
import org.cnn4j.ops.Softmax;
import org.cnn4j.ops.SumAxes;
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
 * The operators besides convolution and GEMM, on the shapes of a LeNet-5 training step at batch 64: activations
 * [64, 6, 28, 28], the first fully connected layer 400 -> 120, logits [64, 10]. One call per invocation, the
 * device synchronized before the clock stops.
 *
 * <pre>
 *   java -cp "$(cat bench/target/classpath.txt):bench/target/classes" org.openjdk.jmh.Main OpBenchmark -p backend=cpu,opencl
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class OpBenchmark {
    private static final Shape ACT = Shape.of(64, 6, 28, 28);
    private static final Shape CH = Shape.of(6);
    private static final Shape LOGITS = Shape.of(64, 10);

    @Param({"Pool2d.Forward", "Pool2d.Backward", "BatchNorm.ForwardTraining", "BatchNorm.Backward",
            "Activation.Forward", "Activation.Backward", "Softmax.Forward", "Dropout.Forward", "Linear.Forward",
            "Linear.BackwardData", "Linear.BackwardWeights", "Loss.Forward", "Loss.Backward", "Sgd.Step",
            "Adam.Step", "Add.Run", "SumAxes.Run"})
    public String op;

    @Param({"cpu"})
    public String backend;

    private Backend be;
    private final List<Tensor> tensors = new ArrayList<>();
    private Op call;

    private Tensor in(Shape s, long seed) {
        Tensor t = be.fromArray(s, BenchData.random(s.size(), seed));
        tensors.add(t);
        return t;
    }

    private Tensor out(Shape s) {
        Tensor t = be.allocate(s);
        tensors.add(t);
        return t;
    }

    private Tensor positive(Shape s, long seed) {
        float[] v = BenchData.random(s.size(), seed);
        for (int i = 0; i < v.length; i++) {
            v[i] = 0.5f + Math.abs(v[i]);
        }
        Tensor t = be.fromArray(s, v);
        tensors.add(t);
        return t;
    }

    private Tensor oneHot(Shape s) {
        float[] v = new float[s.size()];
        for (int n = 0; n < s.dim(0); n++) {
            v[n * s.dim(1) + n % s.dim(1)] = 1;
        }
        Tensor t = be.fromArray(s, v);
        tensors.add(t);
        return t;
    }

    @Setup(Level.Trial)
    public void setUp() {
        be = Backends.open(backend);
        Pool2d pool = Pool2d.max(2, 2);
        BatchNorm bn = BatchNorm.defaults();
        Shape fcIn = Shape.of(64, 400);
        Shape fcW = Shape.of(120, 400);
        Shape fcOut = Shape.of(64, 120);
        call = switch (op) {
            case "Pool2d.Forward" -> new Pool2d.Forward(pool, in(ACT, 1), out(pool.outputShape(ACT)));
            case "Pool2d.Backward" -> new Pool2d.Backward(pool, in(ACT, 1), in(pool.outputShape(ACT), 2), out(ACT));
            case "BatchNorm.ForwardTraining" -> new BatchNorm.ForwardTraining(bn, in(ACT, 1), positive(CH, 2),
                    in(CH, 3), in(CH, 4), positive(CH, 5), out(ACT), out(CH), out(CH));
            case "BatchNorm.Backward" -> new BatchNorm.Backward(bn, in(ACT, 1), in(ACT, 2), positive(CH, 3),
                    in(CH, 4), positive(CH, 5), out(ACT), out(CH), out(CH));
            case "Activation.Forward" -> new Activation.Forward(Activation.relu(), in(ACT, 1), out(ACT));
            case "Activation.Backward" -> new Activation.Backward(Activation.relu(), in(ACT, 1), in(ACT, 2),
                    in(ACT, 3), out(ACT));
            case "Softmax.Forward" -> new Softmax.Forward(Softmax.softmax(), in(LOGITS, 1), out(LOGITS));
            case "Dropout.Forward" -> new Dropout.Forward(new Dropout(0.5, 7), in(fcOut, 1), out(fcOut));
            case "Linear.Forward" -> new Linear.Forward(in(fcIn, 1), in(fcW, 2), in(Shape.of(120), 3), out(fcOut));
            case "Linear.BackwardData" -> new Linear.BackwardData(in(fcOut, 1), in(fcW, 2), out(fcIn));
            case "Linear.BackwardWeights" -> new Linear.BackwardWeights(in(fcIn, 1), in(fcOut, 2), out(fcW),
                    out(Shape.of(120)));
            case "Loss.Forward" -> new Loss.Forward(Loss.softmaxCrossEntropy(), in(LOGITS, 1), oneHot(LOGITS),
                    out(Shape.scalar()));
            case "Loss.Backward" -> new Loss.Backward(Loss.softmaxCrossEntropy(), in(LOGITS, 1), oneHot(LOGITS),
                    out(LOGITS));
            case "Sgd.Step" -> new Sgd.Step(new Sgd(0.01, 0.9, 5e-4, false), in(fcW, 1), in(fcW, 2), out(fcW));
            case "Adam.Step" -> new Adam.Step(Adam.defaults(1e-3, 1), in(fcW, 1), in(fcW, 2), out(fcW), out(fcW));
            case "Add.Run" -> new Add.Run(Add.sum(), in(ACT, 1), in(ACT, 2), out(ACT));
            case "SumAxes.Run" -> new SumAxes.Run(SumAxes.of(0, 2, 3), in(ACT, 1), out(CH));
            default -> throw new IllegalArgumentException("unknown op " + op);
        };
    }

    @Benchmark
    public void run() {
        be.execute(call);
        be.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        tensors.forEach(Tensor::close);
        be.close();
    }
}
