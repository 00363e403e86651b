package org.cnn4j.conformance;

import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.cnn4j.core.Backend;
import org.cnn4j.core.BackendUnavailableException;
import org.cnn4j.core.Backends;
import org.cnn4j.core.DType;
import org.cnn4j.core.DeviceMemoryException;
import org.cnn4j.core.Requirements;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Size2d;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Activation;
import org.cnn4j.ops.Conv2d;
import org.cnn4j.ops.Op;
import org.cnn4j.ops.Pool2d;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.function.Executable;

/**
 * The reliability battery, run on every backend the way {@link ConformanceSuite} is:
 *
 * <pre>{@code
 * @TestFactory
 * Stream<DynamicNode> reliability() {
 *     return ReliabilitySuite.tests(CpuBackend::new);
 * }
 * }</pre>
 *
 * Four groups of dynamic tests:
 * <ul>
 *   <li><b>bad input</b>: invalid shapes, parameters, dtypes, closed tensors, tensors of another backend. Each must
 *       be an exception that names the parameter and the shapes, raised before the backend computes anything, and
 *       the backend must still compute a small convolution exactly afterwards;</li>
 *   <li><b>values</b> ({@link ValueCases}): NaN and infinities through every operator family, compared with the
 *       reference (NaN where it has NaN, the same infinities) and with the documented semantics;</li>
 *   <li><b>memory</b>: the memory limit ({@code cnn4j.<name>.memoryLimit}) is a {@link DeviceMemoryException}
 *       after which the backend still runs; live tensor and byte counts return to where they were; closing a
 *       backend reports the tensors still open;</li>
 *   <li><b>threads</b>: several threads, each with its own tensors, compute bit for bit what one thread computes
 *       alone;</li>
 *   <li><b>soak</b>: a thousand small training steps ({@code -Dcnn4j.reliability.soakSteps}), the model allocated
 *       and closed every {@value #SOAK_CHUNK}: live tensors and bytes return to the start every time, the heap
 *       after GC stays within a bound.</li>
 * </ul>
 * The candidate is opened on first use; a backend that cannot start here makes every test a skip with the reason
 * (a failure where {@code -Dcnn4j.require} lists the backend).
 */
public final class ReliabilitySuite {
    /** Threads of the concurrency test. */
    static final int THREADS = 4;
    /** Rounds each thread runs. */
    static final int ROUNDS = Integer.getInteger("cnn4j.reliability.rounds", 8);

    private ReliabilitySuite() {
    }

    /** The battery for a JUnit {@code @TestFactory}; {@code reference} from the class path is the oracle. */
    public static Stream<DynamicNode> tests(Supplier<Backend> candidate) {
        Session s = new Session(candidate);
        List<DynamicNode> groups = new ArrayList<>();
        groups.add(dynamicContainer("bad input", badInput(s)));
        groups.add(dynamicContainer("values", ValueCases.cases().stream().map(v ->
                dynamicTest(v.name(), () -> s.run(() -> ValueCases.check(s.candidate, s.reference, v))))));
        groups.add(dynamicContainer("memory", Stream.of(
                dynamicTest("allocation over the memory limit is a DeviceMemoryException; the backend still runs",
                        () -> s.run(() -> memoryLimit(candidate))),
                dynamicTest("closing tensors returns their count and bytes; views count nothing",
                        () -> s.run(() -> liveCounts(s.candidate))),
                dynamicTest("closing a backend reports the tensors still open", () -> s.run(() -> closeReports(
                        candidate))))));
        groups.add(dynamicContainer("threads", Stream.of(
                dynamicTest(THREADS + " threads, own tensors, compute bit for bit what one thread computes",
                        () -> s.run(() -> Concurrency.sameAsAlone(s.candidate, THREADS, ROUNDS))),
                dynamicTest(THREADS + " threads allocating and closing leave the live counts where they were",
                        () -> s.run(() -> Concurrency.allocateAndClose(s.candidate, THREADS))),
                dynamicTest("a backend closed while " + THREADS + " threads compute on it: each ends in the"
                        + " backend's IllegalStateException", () -> s.run(() -> Concurrency.closedWhileComputing(
                                candidate, THREADS))))));
        groups.add(dynamicContainer("soak", Stream.of(
                dynamicTest(SOAK_STEPS + " training steps, tensors allocated and closed every " + SOAK_CHUNK
                        + ": live tensors, bytes and heap do not grow", () -> s.run(() -> soak(s.candidate))))));
        return Stream.concat(groups.stream(), Stream.of(dynamicTest("close backends", s::close)));
    }

    /**
     * Only the bad-input and value groups, for a backend that computes but should not be loaded with the memory,
     * thread and soak groups (the CUDA backend on its fake driver, its kernels run on OpenCL).
     */
    public static Stream<DynamicNode> inputAndValueTests(Supplier<Backend> candidate) {
        Session s = new Session(candidate);
        return Stream.of(dynamicContainer("bad input", badInput(s)),
                dynamicContainer("values", ValueCases.cases().stream().map(v ->
                        dynamicTest(v.name(), () -> s.run(() -> ValueCases.check(s.candidate, s.reference, v))))),
                dynamicTest("close backends", s::close));
    }

    // ---- bad input ----------------------------------------------------------------------------------

    private static Stream<DynamicNode> badInput(Session s) {
        List<DynamicNode> t = new ArrayList<>();
        t.add(rejects(s, "a zero dimension", "dimension 1 is 0", () -> Shape.of(2, 0, 3)));
        t.add(rejects(s, "a negative dimension", "dimension 0 is -4", () -> Shape.of(-4, 3)));
        t.add(rejects(s, "an element count over 2^31-1", "2^31-1", () -> Shape.of(65536, 32768)));
        t.add(rejects(s, "an element count that wraps to a small int", "2^31-1",
                () -> Shape.of(1 << 16, 1 << 16, 1 << 16)));
        t.add(rejects(s, "padding so large the output height passes 2^31-1", "does not fit in an int",
                () -> Conv2d.of(1, 1 << 30).outputShape(Shape.of(1, 1, 4, 4), Shape.of(1, 1, 1, 1))));
        t.add(rejects(s, "a convolution output whose element count passes 2^31-1", "2^31-1",
                () -> Conv2d.of(1, 20000).outputShape(Shape.of(1, 1, 4, 4), Shape.of(8, 1, 1, 1))));
        t.add(rejects(s, "stride 0", "stride must be at least 1", () -> Conv2d.of(0, 1)));
        t.add(rejects(s, "negative padding", "padding must not be negative", () -> Conv2d.of(1, -1)));
        t.add(rejects(s, "dilation 0", "dilation must be at least 1",
                () -> Conv2d.of(1, 0).withDilation(Size2d.of(1, 0))));
        t.add(rejects(s, "groups -1", "groups must be at least 1", () -> Conv2d.of(1, 0).withGroups(-1)));
        t.add(rejects(s, "pooling window 0", "kernel must be at least 1", () -> Pool2d.max(0, 1)));
        t.add(rejects(s, "pooling stride -2", "stride must be at least 1", () -> Pool2d.max(2, -2)));
        t.add(rejects(s, "pooling dilation 0", "dilation must be at least 1",
                () -> Pool2d.max(2, 2).withDilation(Size2d.of(0, 1))));
        t.add(rejects(s, "average pooling dilated", "defined only for MAX pooling",
                () -> Pool2d.avg(2, 2).withDilation(Size2d.of(2))));
        t.add(rejectsOp(s, "kernel larger than the padded input", List.of("dilated kernel", "[1, 3, 4, 4]",
                "[2, 3, 7, 7]"), a -> new Conv2d.Forward(Conv2d.of(1, 1), a.of(1, 3, 4, 4), a.of(2, 3, 7, 7), null,
                a.of(1, 2, 1, 1))));
        t.add(rejectsOp(s, "channels of weight and x differ", List.of("weight [4, 2, 3, 3]", "x [1, 3, 5, 5]"),
                a -> new Conv2d.Forward(Conv2d.of(1, 0), a.of(1, 3, 5, 5), a.of(4, 2, 3, 3), null,
                        a.of(1, 4, 3, 3))));
        t.add(rejectsOp(s, "groups not dividing the channels", List.of("groups=2", "[1, 3, 5, 5]"),
                a -> new Conv2d.Forward(Conv2d.of(1, 0).withGroups(2), a.of(1, 3, 5, 5), a.of(4, 1, 3, 3), null,
                        a.of(1, 4, 3, 3))));
        t.add(rejectsOp(s, "a bias of the wrong length", List.of("'bias'", "[3]", "[4]"),
                a -> new Conv2d.Forward(Conv2d.of(1, 0), a.of(1, 2, 5, 5), a.of(4, 2, 3, 3), a.of(3),
                        a.of(1, 4, 3, 3))));
        t.add(rejectsOp(s, "an output of the wrong shape", List.of("'y'", "[1, 2, 3, 3]", "[1, 1, 4, 4]"),
                a -> new Activation.Forward(Activation.relu(), a.of(1, 1, 4, 4), a.of(1, 2, 3, 3))));
        t.add(rejectsOp(s, "a pooling window larger than the input", List.of("kernel", "[1, 1, 3, 3]"),
                a -> new Pool2d.Forward(Pool2d.max(4, 1), a.of(1, 1, 3, 3), a.of(1, 1, 1, 1))));
        t.add(rejectsOp(s, "an output that is a view of the input", List.of("'y'", "shares memory"), a -> {
            Tensor x = a.of(2, 6);
            return new Activation.Forward(Activation.relu(), x, x.reshape(Shape.of(2, 6)));
        }));
        t.add(rejectsOp(s, "operands of two dtypes", List.of("float64", "[2, 3]"), a -> {
            Tensor x = a.of(2, 3);
            // a backend without float64 refuses the allocation itself, naming the dtype and the shape
            return new Activation.Forward(Activation.relu(), x, a.f64(2, 3));
        }));
        t.add(dynamicTest("a dtype the backend does not hold", () -> s.run(() -> {
            Assumptions.assumeFalse(s.candidate.supports(DType.FLOAT64), "backend '" + s.candidate.name()
                    + "' holds float64 tensors");
            long live = s.candidate.liveBytes();
            IllegalArgumentException e = Assertions.assertThrows(IllegalArgumentException.class,
                    () -> s.candidate.allocate(Shape.of(3, 5), DType.FLOAT64));
            assertMentions(e, "float64", "[3, 5]");
            Assertions.assertEquals(live, s.candidate.liveBytes(), "a refused allocation must not be counted");
            stillComputes(s.candidate);
        })));
        t.add(dynamicTest("a closed input tensor", () -> s.run(() -> {
            try (Tensor x = s.candidate.allocate(Shape.of(2, 3)); Tensor y = s.candidate.allocate(Shape.of(2, 3))) {
                x.close();
                IllegalStateException e = Assertions.assertThrows(IllegalStateException.class,
                        () -> s.candidate.execute(new Activation.Forward(Activation.relu(), x, y)));
                assertMentions(e, "'x'", "[2, 3]", "closed");
                Assertions.assertThrows(IllegalStateException.class, () -> x.copyFrom(new float[6]));
                Assertions.assertThrows(IllegalStateException.class, x::toFloatArray);
            }
            stillComputes(s.candidate);
        })));
        t.add(dynamicTest("a closed output tensor, and a view of a closed tensor", () -> s.run(() -> {
            try (Tensor x = s.candidate.allocate(Shape.of(2, 3)); Tensor y = s.candidate.allocate(Shape.of(2, 3))) {
                Tensor view = y.reshape(Shape.of(6));
                y.close();
                IllegalStateException e = Assertions.assertThrows(IllegalStateException.class,
                        () -> s.candidate.execute(new Activation.Forward(Activation.relu(), x, y)));
                assertMentions(e, "'y'", "[2, 3]", "closed");
                Assertions.assertThrows(IllegalStateException.class, view::toFloatArray);
            }
            stillComputes(s.candidate);
        })));
        t.add(dynamicTest("a tensor of another backend (reference)", () -> s.run(() -> {
            try (Tensor x = s.reference.allocate(Shape.of(2, 3)); Tensor y = s.candidate.allocate(Shape.of(2, 3))) {
                IllegalArgumentException e = Assertions.assertThrows(IllegalArgumentException.class,
                        () -> s.candidate.execute(new Activation.Forward(Activation.relu(), x, y)));
                assertMentions(e, "'x'", "[2, 3]", "reference");
            }
            stillComputes(s.candidate);
        })));
        t.add(dynamicTest("a tensor of another instance of the same backend", () -> s.run(() -> {
            Backend other = s.factory.get();
            try (other; Tensor x = other.allocate(Shape.of(2, 3)); Tensor y = s.candidate.allocate(Shape.of(2, 3))) {
                IllegalArgumentException e = Assertions.assertThrows(IllegalArgumentException.class,
                        () -> s.candidate.execute(new Activation.Forward(Activation.relu(), y, x)));
                assertMentions(e, "'y'", "[2, 3]");
            }
            stillComputes(s.candidate);
        })));
        t.add(dynamicTest("host arrays of the wrong length, a reshape to another size", () -> s.run(() -> {
            try (Tensor x = s.candidate.allocate(Shape.of(2, 3))) {
                assertMentions(Assertions.assertThrows(IllegalArgumentException.class,
                        () -> x.copyFrom(new float[5])), "5", "[2, 3]");
                assertMentions(Assertions.assertThrows(IllegalArgumentException.class,
                        () -> x.copyTo(new float[7])), "7", "[2, 3]");
                assertMentions(Assertions.assertThrows(IllegalArgumentException.class,
                        () -> x.reshape(Shape.of(5))), "[5]", "[2, 3]");
            }
            stillComputes(s.candidate);
        })));
        t.add(dynamicTest("a closed backend refuses work with a clear error", () -> s.run(() -> {
            Backend other = s.factory.get();
            Tensor x = other.allocate(Shape.of(4));
            other.close();
            assertMentions(Assertions.assertThrows(IllegalStateException.class,
                    () -> other.allocate(Shape.of(2))), "closed");
            Assertions.assertThrows(IllegalStateException.class, x::toFloatArray);
            x.close();
            stillComputes(s.candidate);
        })));
        return t.stream();
    }

    /** A test that {@code call} throws an {@link IllegalArgumentException} mentioning {@code text}. */
    private static DynamicNode rejects(Session s, String what, String text, Executable call) {
        return dynamicTest(what, () -> s.run(() -> {
            IllegalArgumentException e = Assertions.assertThrows(IllegalArgumentException.class, call, what);
            assertMentions(e, text);
            stillComputes(s.candidate);
        }));
    }

    /** Allocates the tensors of an invalid call and remembers them, so the test closes them all. */
    static final class Alloc {
        final Backend b;
        final List<Tensor> owned = new ArrayList<>();

        Alloc(Backend b) {
            this.b = b;
        }

        Tensor of(int... dims) {
            Tensor t = b.allocate(Shape.of(dims));
            owned.add(t);
            return t;
        }

        Tensor f64(int... dims) {
            Tensor t = b.allocate(Shape.of(dims), DType.FLOAT64);
            owned.add(t);
            return t;
        }
    }

    /** Builds an invalid call from tensors of an {@link Alloc}. */
    private interface Setup {
        Op build(Alloc a);
    }

    /**
     * A test that building (or executing) the call of {@code setup} is an {@link IllegalArgumentException} that
     * names every text of {@code texts}, that no tensor leaks, and that the backend still computes afterwards.
     */
    private static DynamicNode rejectsOp(Session s, String what, List<String> texts, Setup setup) {
        return dynamicTest(what, () -> s.run(() -> {
            Backend b = s.candidate;
            long live = b.liveTensors();
            long liveBytes = b.liveBytes();
            Alloc a = new Alloc(b);
            try {
                IllegalArgumentException e = Assertions.assertThrows(IllegalArgumentException.class,
                        () -> b.execute(setup.build(a)), what);
                assertMentions(e, texts.toArray(String[]::new));
            } finally {
                a.owned.forEach(Tensor::close);
            }
            Assertions.assertEquals(live, b.liveTensors(), "live tensors after the rejected call");
            Assertions.assertEquals(liveBytes, b.liveBytes(), "live bytes after the rejected call");
            stillComputes(b);
        }));
    }

    static void assertMentions(Throwable e, String... texts) {
        String m = String.valueOf(e.getMessage());
        for (String t : texts) {
            Assertions.assertTrue(m.contains(t), () -> "the message should name '" + t + "': " + m);
        }
    }

    /**
     * Fails unless {@code b} computes a 1x1x4x4 convolution with a 2x2 kernel of ones exactly (integer sums):
     * the check that a rejected call left the backend usable.
     */
    static void stillComputes(Backend b) {
        float[] in = new float[16];
        for (int i = 0; i < 16; i++) {
            in[i] = i;
        }
        try (Tensor x = b.fromArray(Shape.of(1, 1, 4, 4), in);
                Tensor w = b.fromArray(Shape.of(1, 1, 2, 2), new float[] {1, 1, 1, 1});
                Tensor y = b.allocate(Shape.of(1, 1, 3, 3))) {
            b.execute(new Conv2d.Forward(Conv2d.of(1, 0), x, w, null, y));
            float[] got = y.toFloatArray();
            float[] want = {10, 14, 18, 26, 30, 34, 42, 46, 50};
            Assertions.assertArrayEquals(want, got, "backend '" + b.name() + "' no longer computes a small"
                    + " convolution correctly");
        }
    }

    // ---- soak ---------------------------------------------------------------------------------------

    /** Training steps of the soak test ({@code -Dcnn4j.reliability.soakSteps}, default 1000). */
    static final int SOAK_STEPS = Integer.getInteger("cnn4j.reliability.soakSteps", 1000);
    /** Steps between a model's allocation and its closing in the soak test. */
    static final int SOAK_CHUNK = 20;
    /** Heap growth the soak test tolerates between its first chunks and its end. */
    static final long SOAK_HEAP_SLACK = 24L << 20;

    private static void soak(Backend b) {
        long live = b.liveTensors();
        long bytes = b.liveBytes();
        Concurrency.Job job = new Concurrency.Job(4, 3, 10, 77);
        int chunks = Math.max(4, SOAK_STEPS / SOAK_CHUNK);
        long warmHeap = 0;
        long maxHeap = 0;
        for (int c = 0; c < chunks; c++) {
            Concurrency.train(b, job, SOAK_CHUNK);
            Assertions.assertEquals(live, b.liveTensors(), "live tensors after chunk " + c + " of " + chunks);
            Assertions.assertEquals(bytes, b.liveBytes(), "live bytes after chunk " + c + " of " + chunks);
            if (c == 2) {
                warmHeap = usedHeapAfterGc();
            } else if (c > 2 && (c % 10 == 0 || c == chunks - 1)) {
                maxHeap = Math.max(maxHeap, usedHeapAfterGc());
            }
        }
        long growth = maxHeap - warmHeap;
        Assertions.assertTrue(growth < SOAK_HEAP_SLACK, "heap grew by " + (growth >> 10) + " KiB over "
                + chunks * SOAK_CHUNK + " steps on backend '" + b.name() + "' (warm " + (warmHeap >> 10)
                + " KiB, max " + (maxHeap >> 10) + " KiB)");
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            best = Math.min(best, rt.totalMemory() - rt.freeMemory());
        }
        return best;
    }

    // ---- memory -------------------------------------------------------------------------------------

    private static final Object PROPERTY_LOCK = new Object();

    /** A new backend from {@code factory} with {@code cnn4j.<name>.memoryLimit} set to {@code limit}. */
    static Backend withMemoryLimit(Supplier<Backend> factory, String name, String limit) {
        synchronized (PROPERTY_LOCK) {
            String key = "cnn4j." + name + ".memoryLimit";
            String before = System.getProperty(key);
            System.setProperty(key, limit);
            try {
                return factory.get();
            } finally {
                if (before == null) {
                    System.clearProperty(key);
                } else {
                    System.setProperty(key, before);
                }
            }
        }
    }

    private static void memoryLimit(Supplier<Backend> factory) {
        String name;
        try (Backend probe = factory.get()) {
            name = probe.name();
        }
        try (Backend b = withMemoryLimit(factory, name, "64m")) {
            Assertions.assertEquals(64L << 20, b.memoryLimit(), "-Dcnn4j." + name + ".memoryLimit=64m");
            long live = b.liveBytes();
            long liveT = b.liveTensors();
            // one allocation far over the limit
            DeviceMemoryException big = Assertions.assertThrows(DeviceMemoryException.class,
                    () -> b.allocate(Shape.of(1 << 15, 1 << 15)));
            assertMentions(big, "[32768, 32768]", String.valueOf(4L << 30));
            Assertions.assertEquals(live, b.liveBytes(), "a refused allocation must not be counted");
            Assertions.assertEquals(liveT, b.liveTensors(), "a refused allocation must not be counted");
            stillComputes(b);
            // fill the limit with 4 MiB tensors until the next is refused, then free them and allocate again
            List<Tensor> held = new ArrayList<>();
            DeviceMemoryException full = null;
            try {
                for (int i = 0; i < 64 && full == null; i++) {
                    try {
                        held.add(b.allocate(Shape.of(1 << 20)));
                    } catch (DeviceMemoryException e) {
                        full = e;
                    }
                }
                Assertions.assertNotNull(full, "64 MiB limit, yet 64 tensors of 4 MiB were allocated");
                Assertions.assertTrue(held.size() >= 15, "only " + held.size() + " tensors of 4 MiB fit in 64 MiB");
                Assertions.assertTrue(b.liveBytes() <= b.memoryLimit(), "live bytes " + b.liveBytes()
                        + " over the limit " + b.memoryLimit());
                // the backend still computes while its memory is full
                held.remove(held.size() - 1).close();
                stillComputes(b);
            } finally {
                held.forEach(Tensor::close);
            }
            Assertions.assertEquals(live, b.liveBytes(), "live bytes after closing every tensor");
            Assertions.assertEquals(liveT, b.liveTensors(), "live tensors after closing every tensor");
            try (Tensor again = b.allocate(Shape.of(15, 1 << 20))) {
                Assertions.assertEquals(live + 60L * (1 << 20), b.liveBytes());
                again.copyFrom(new float[again.size()]);
            }
            stillComputes(b);
        }
    }

    private static void liveCounts(Backend b) {
        long t0 = b.liveTensors();
        long b0 = b.liveBytes();
        List<Tensor> ts = new ArrayList<>();
        long bytes = 0;
        for (int i = 1; i <= 10; i++) {
            ts.add(b.allocate(Shape.of(i, 7)));
            bytes += 4L * i * 7;
        }
        Assertions.assertEquals(t0 + 10, b.liveTensors());
        Assertions.assertEquals(b0 + bytes, b.liveBytes());
        Tensor view = ts.get(9).reshape(Shape.of(70));
        Assertions.assertEquals(t0 + 10, b.liveTensors(), "a view is not an allocation");
        view.close();
        Assertions.assertEquals(t0 + 10, b.liveTensors(), "closing a view frees nothing");
        Assertions.assertDoesNotThrow(() -> ts.get(9).toFloatArray(), "closing a view leaves its base open");
        for (Tensor t : ts) {
            t.close();
            t.close(); // idempotent
        }
        Assertions.assertEquals(t0, b.liveTensors());
        Assertions.assertEquals(b0, b.liveBytes());
    }

    private static void closeReports(Supplier<Backend> factory) {
        List<String> messages = new ArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                synchronized (messages) {
                    messages.add(r.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger log = Logger.getLogger("org.cnn4j");
        log.addHandler(h);
        try {
            Backend b = factory.get();
            Tensor a = b.allocate(Shape.of(3, 4));
            b.allocate(Shape.of(5));
            b.close();
            Assertions.assertTrue(a.isReleased(), "a tensor of a closed backend is released");
            Assertions.assertThrows(IllegalStateException.class, a::toFloatArray);
            a.close();
            synchronized (messages) {
                Assertions.assertTrue(messages.stream().anyMatch(m -> m.contains("'" + b.name() + "'")
                        && m.contains("2 tensor(s) still open") && m.contains("68 bytes")),
                        "closing a backend with 2 open tensors (68 bytes) should report them; logged: " + messages);
            }
        } finally {
            log.removeHandler(h);
        }
    }

    // ---- the session --------------------------------------------------------------------------------

    /** The candidate and the reference, opened on first use. */
    static final class Session {
        final Supplier<Backend> factory;
        Backend candidate;
        Backend reference;
        private String unavailable;
        private String unavailableBackend;

        Session(Supplier<Backend> factory) {
            this.factory = factory;
        }

        synchronized void open() {
            if (candidate != null || unavailable != null) {
                return;
            }
            try {
                candidate = factory.get();
            } catch (BackendUnavailableException e) {
                unavailable = e.getMessage();
                unavailableBackend = e.backend();
                return;
            }
            reference = Backends.open("reference");
        }

        void run(Executable body) throws Throwable {
            open();
            if (unavailable != null) {
                String why = "the candidate backend is unavailable here: " + unavailable;
                Requirements.failIfRequired(unavailableBackend, why);
                Assumptions.abort(why);
            }
            body.execute();
        }

        synchronized void close() {
            if (candidate != null) {
                candidate.close();
            }
            if (reference != null) {
                reference.close();
            }
        }
    }

    // ---- helpers shared by the groups ---------------------------------------------------------------

    /** Runs {@code tasks} on their own threads at once; returns their results in order. */
    static <T> List<T> together(List<Callable<T>> tasks) throws Exception {
        ExecutorService ex = Executors.newFixedThreadPool(tasks.size());
        try {
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(tasks.size());
            List<Future<T>> fs = new ArrayList<>();
            for (Callable<T> c : tasks) {
                fs.add(ex.submit(() -> {
                    start.await();
                    return c.call();
                }));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : fs) {
                out.add(f.get(120, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            ex.shutdownNow();
        }
    }
}
