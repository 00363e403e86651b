package org.cnn4j.bench;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Backends;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Size2d;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Conv2d;
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
 * The convolution layers that matter (DESIGN.md, Performance): LeNet-5's two layers and the seed 002 CNN's four
 * (batch 64), AlexNet's five (one tower for conv1, two towers as groups = 2 for conv2, conv4 and conv5; batch 16).
 * Forward, backward data and backward filter (with bias) per layer. GFLOP/s = {@link Layer#flops()} / time.
 *
 * <pre>
 *   java -cp "$(cat bench/target/classpath.txt):bench/target/classes" org.openjdk.jmh.Main Conv2dBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class Conv2dBenchmark {
    /** One layer: input [n, c, h, w], k filters of kernel x kernel, stride, padding, groups. */
    public record Layer(int n, int c, int h, int w, int k, int kernel, int stride, int padding, int groups) {
        Conv2d conv() {
            return new Conv2d(Size2d.of(stride), Size2d.of(padding), Size2d.of(1), groups);
        }

        Shape x() {
            return Shape.of(n, c, h, w);
        }

        Shape weight() {
            return conv().weightShape(c, k, Size2d.of(kernel));
        }

        Conv2d.Geometry geometry() {
            return conv().geometry(x(), weight());
        }

        Shape y() {
            return geometry().outputShape();
        }

        /** Floating-point operations of the forward (2 per multiply-add); each backward has as many. */
        public double flops() {
            return 2.0 * geometry().macs();
        }
    }

    public static final Map<String, Layer> LAYERS = Map.ofEntries(
            Map.entry("lenet5-c1", new Layer(64, 1, 32, 32, 6, 5, 1, 0, 1)),
            Map.entry("lenet5-c3", new Layer(64, 6, 14, 14, 16, 5, 1, 0, 1)),
            Map.entry("cnn002-c1", new Layer(64, 1, 28, 28, 32, 3, 1, 1, 1)),
            Map.entry("cnn002-c2", new Layer(64, 32, 28, 28, 32, 3, 1, 1, 1)),
            Map.entry("cnn002-c3", new Layer(64, 32, 14, 14, 64, 3, 1, 1, 1)),
            Map.entry("cnn002-c4", new Layer(64, 64, 14, 14, 64, 3, 1, 1, 1)),
            Map.entry("alexnet-c1", new Layer(16, 3, 227, 227, 96, 11, 4, 0, 1)),
            Map.entry("alexnet-c2", new Layer(16, 96, 27, 27, 256, 5, 1, 2, 2)),
            Map.entry("alexnet-c3", new Layer(16, 256, 13, 13, 384, 3, 1, 1, 1)),
            Map.entry("alexnet-c4", new Layer(16, 384, 13, 13, 384, 3, 1, 1, 2)),
            Map.entry("alexnet-c5", new Layer(16, 384, 13, 13, 256, 3, 1, 1, 2)));

    @Param({"lenet5-c1", "lenet5-c3", "cnn002-c1", "cnn002-c2", "cnn002-c3", "cnn002-c4", "alexnet-c1",
            "alexnet-c2", "alexnet-c3", "alexnet-c4", "alexnet-c5"})
    public String layer;

    @Param({"cpu"})
    public String backend;

    private Backend be;
    private Tensor x;
    private Tensor w;
    private Tensor bias;
    private Tensor y;
    private Tensor dx;
    private Tensor dw;
    private Tensor db;
    private Conv2d.Forward forward;
    private Conv2d.BackwardData backwardData;
    private Conv2d.BackwardFilter backwardFilter;

    @Setup(Level.Trial)
    public void setUp() {
        Layer l = LAYERS.get(layer);
        be = Backends.open(backend);
        x = be.fromArray(l.x(), BenchData.random(l.x().size(), 1));
        w = be.fromArray(l.weight(), BenchData.random(l.weight().size(), 2));
        bias = be.fromArray(Shape.of(l.k()), BenchData.random(l.k(), 3));
        y = be.allocate(l.y());
        dx = be.allocate(l.x());
        dw = be.allocate(l.weight());
        db = be.allocate(Shape.of(l.k()));
        forward = new Conv2d.Forward(l.conv(), x, w, bias, y);
        backwardData = new Conv2d.BackwardData(l.conv(), y, w, dx);
        backwardFilter = new Conv2d.BackwardFilter(l.conv(), x, y, dw, db);
    }

    @Benchmark
    public void forward() {
        be.execute(forward);
        be.synchronize();
    }

    @Benchmark
    public void backwardData() {
        be.execute(backwardData);
        be.synchronize();
    }

    @Benchmark
    public void backwardFilter() {
        be.execute(backwardFilter);
        be.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Tensor t : new Tensor[] {x, w, bias, y, dx, dw, db}) {
            t.close();
        }
        be.close();
    }
}
