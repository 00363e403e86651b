package org.cnn4j.distributed;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.cnn4j.backend.cpu.CpuBackend;
import org.cnn4j.backend.reference.ReferenceBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.core.DType;
import org.cnn4j.core.NativeCallException;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.spi.LibraryLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NCCL binding for real, against a fake {@code libnccl.so.2} compiled here with gcc ({@code fake/fake_nccl.c}):
 * one rank, "device" memory is host memory, every call logged with its arguments. This runs the symbol names,
 * argument order and types (the 128-byte unique id passed by value), the status checks and their messages, the
 * search by {@code -Dcnn4j.distributed.libraryPath}, and the group's routing (device tensors to NCCL on the
 * backend's stream, others to the bootstrap group). It says nothing about a GPU. Skipped where gcc is missing.
 */
class FakeNcclTest {
    @TempDir
    static Path dir;
    static Path ok;
    static Path failing;
    static Path old;
    static final long STREAM = 0x5151;

    static Backend cpu;
    static Backend ref;

    @BeforeAll
    static void build() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/gcc")) || Files.isExecutable(Path.of("/usr/bin/cc")),
                "no C compiler (/usr/bin/gcc or /usr/bin/cc) to build the fake NCCL");
        Path src = dir.resolve("fake_nccl.c");
        try (InputStream in = FakeNcclTest.class.getResourceAsStream("fake/fake_nccl.c")) {
            Files.copy(in, src);
        }
        ok = Files.createDirectories(dir.resolve("ok"));
        failing = Files.createDirectories(dir.resolve("failing"));
        old = Files.createDirectories(dir.resolve("old"));
        gcc(src, ok.resolve("libnccl.so.2"));
        gcc(src, failing.resolve("libnccl.so.2"), "-DFAIL_ALLREDUCE");
        gcc(src, old.resolve("libnccl.so.2"), "-DVERSION=2708");
        cpu = new CpuBackend(new CpuBackend.Config(1, false));
        ref = new ReferenceBackend();
    }

    @AfterAll
    static void close() {
        if (cpu != null) {
            cpu.close();
            ref.close();
        }
    }

    static void gcc(Path src, Path out, String... defines) throws Exception {
        String cc = Files.isExecutable(Path.of("/usr/bin/gcc")) ? "/usr/bin/gcc" : "/usr/bin/cc";
        List<String> cmd = new ArrayList<>(List.of(cc, "-shared", "-fPIC", "-O1", "-o", out.toString(),
                src.toString()));
        cmd.addAll(List.of(defines));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "gcc failed: " + log);
    }

    /** Libraries searched only in {@code libDir}, never on the system. */
    static NativeLibraries only(Path libDir) {
        Map<String, String> props = Map.of(NativeLibraries.LIBRARY_PATH, libDir.toString());
        return new NativeLibraries(k -> null, props::get, new LibraryLoader() {
            @Override
            public SymbolLookup byName(String fileName) {
                throw new IllegalArgumentException("the loader path is not searched in this test");
            }

            @Override
            public SymbolLookup byPath(Path path) {
                return LibraryLoader.system().byPath(path);
            }
        });
    }

    static Nccl nccl(Path libDir) {
        NativeLibraries.Search s = only(libDir).load(NativeLibraries.Lib.NCCL);
        assertTrue(s.loaded().isPresent(), s.describe());
        return new Nccl(s.loaded().get());
    }

    static String log(Path libDir) {
        SymbolLookup lib = LibraryLoader.system().byPath(libDir.resolve("libnccl.so.2"));
        try {
            MemorySegment s = (MemorySegment) Linker.nativeLinker().downcallHandle(
                    lib.find("fake_nccl_log").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS)).invoke();
            return s.reinterpret(8192).getString(0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** "Device" tensors: host tensors each given a native buffer that stands for its device memory. */
    static final class FakeDevice implements DeviceAccess {
        final Arena arena = Arena.ofShared();
        final Map<Tensor, MemorySegment> memory = new IdentityHashMap<>();

        MemorySegment add(Tensor t, double... values) {
            MemorySegment m = arena.allocate((long) t.size() * t.dtype().byteSize(), 16);
            for (int i = 0; i < values.length; i++) {
                if (t.dtype() == DType.FLOAT64) {
                    m.setAtIndex(JAVA_DOUBLE, i, values[i]);
                } else {
                    m.setAtIndex(JAVA_FLOAT, i, (float) values[i]);
                }
            }
            memory.put(t, m);
            return m;
        }

        @Override
        public boolean owns(Tensor t) {
            return memory.containsKey(t);
        }

        @Override
        public long pointer(Tensor t) {
            return memory.get(t).address();
        }

        @Override
        public void onStream(LongConsumer call) {
            call.accept(STREAM);
        }

        @Override
        public String describe() {
            return "fake device";
        }
    }

    static String since(Path lib, int mark) {
        return log(lib).substring(mark).strip();
    }

    @Test
    void startsWithTheUniqueIdPassedByValueAndQueuesCollectivesOnTheStream() {
        FakeDevice dev = new FakeDevice();
        int mark = log(ok).length();
        try (NcclProcessGroup g = NcclProcessGroup.open(nccl(ok), new SingleProcessGroup(), dev, 10_000);
                Tensor x = cpu.allocate(Shape.of(5)); Tensor d = ref.allocate(Shape.of(3), DType.FLOAT64);
                Tensor out = cpu.allocate(Shape.of(1, 5)); Tensor host = cpu.fromArray(Shape.of(2), new float[] {
                    1, 2}); Tensor wrong = cpu.allocate(Shape.of(6))) {
            // the fake checks all 128 bytes of the id it made: the struct went by value, whole
            assertEquals("version uniqueid init(nranks 1, rank 0)", since(ok, mark));
            assertEquals(0, g.rank());
            assertEquals(1, g.worldSize());
            assertTrue(g.describe().startsWith("nccl (NCCL 2.27.4, " + ok.resolve("libnccl.so.2")), g.describe());
            MemorySegment xm = dev.add(x, 1, 2, 3, 4, 5);
            MemorySegment dm = dev.add(d, 0.5, 1.5, 2.5);
            MemorySegment om = dev.add(out);
            dev.add(wrong);

            mark = log(ok).length();
            g.allReduce(x, ReduceOp.AVG);
            assertEquals("allreduce(in place, count 5, type 7, op 4, stream 0x5151)", since(ok, mark));
            mark = log(ok).length();
            g.allReduce(d, ReduceOp.SUM);
            assertEquals("allreduce(in place, count 3, type 8, op 0, stream 0x5151)", since(ok, mark));
            assertArrayEquals(new double[] {0.5, 1.5, 2.5}, dm.toArray(JAVA_DOUBLE));
            mark = log(ok).length();
            g.broadcast(x, 0);
            assertEquals("broadcast(in place, count 5, type 7, root 0, stream 0x5151)", since(ok, mark));
            mark = log(ok).length();
            g.allGather(x, out);
            assertEquals("allgather(count 5, type 7, stream 0x5151)", since(ok, mark));
            assertArrayEquals(xm.toArray(JAVA_FLOAT), om.toArray(JAVA_FLOAT));
            assertArrayEquals(new float[] {1, 2, 3, 4, 5}, om.toArray(JAVA_FLOAT));

            // host tensors and values go to the bootstrap group, not to NCCL
            mark = log(ok).length();
            g.allReduce(host, ReduceOp.SUM);
            g.allReduce(new double[] {1}, ReduceOp.AVG);
            g.broadcast(new byte[4], 0);
            g.barrier();
            assertEquals("", since(ok, mark));
            assertArrayEquals(new float[] {1, 2}, host.toFloatArray());

            // bad input: an exception naming the shapes, before any native call
            mark = log(ok).length();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.allGather(x, wrong));
            assertEquals("allGather: out must hold worldSize (1) times in's elements of in's dtype: in [5] float32,"
                    + " out [6] float32", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> g.allGather(x, d));
            assertThrows(IllegalArgumentException.class, () -> g.allGather(host, out));
            e = assertThrows(IllegalArgumentException.class, () -> g.broadcast(x, 1));
            assertEquals("root 1 is not a rank of this group (world size 1)", e.getMessage());
            assertEquals("", since(ok, mark));
            mark = log(ok).length();
            g.close();
            assertEquals("destroy", since(ok, mark));
            assertThrows(IllegalStateException.class, () -> g.allReduce(x, ReduceOp.SUM));
        } finally {
            dev.arena.close();
        }
    }

    @Test
    void aFailingCallIsAnExceptionNamingTheCallAndNcclsMessage() {
        FakeDevice dev = new FakeDevice();
        try (NcclProcessGroup g = NcclProcessGroup.open(nccl(failing), new SingleProcessGroup(), dev, 10_000);
                Tensor x = cpu.allocate(Shape.of(4))) {
            dev.add(x);
            NativeCallException e = assertThrows(NativeCallException.class, () -> g.allReduce(x, ReduceOp.SUM));
            assertTrue(e.getMessage().startsWith("nccl: ncclAllReduce failed with invalid usage (fake) (5): libnccl "
                    + failing.resolve("libnccl.so.2")), e.getMessage());
        } finally {
            dev.arena.close();
        }
    }

    @Test
    void abortAndDirectCallsOfTheBinding() {
        Nccl n = nccl(ok);
        int mark = log(ok).length();
        byte[] id = n.uniqueId();
        assertEquals(128, id.length);
        assertEquals(5, id[0]);
        assertEquals((byte) (127 * 3 + 5), id[127]);
        MemorySegment comm = n.commInitRank(1, id, 0);
        n.commAbort(comm);
        assertEquals("uniqueid init(nranks 1, rank 0) abort", since(ok, mark));
        id[64]++;
        NativeCallException e = assertThrows(NativeCallException.class, () -> n.commInitRank(1, id, 0));
        assertTrue(e.getMessage().startsWith("nccl: ncclCommInitRank failed with invalid argument (fake) (4)"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> n.commInitRank(1, new byte[127], 0));
        assertEquals("no error", n.errorString(0));
        assertEquals("2.27.4", Nccl.versionString(n.version()));
    }

    @Test
    void anNcclOlderThan210IsRefusedWithItsVersion() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> NcclProcessGroup.open(nccl(old),
                new SingleProcessGroup(), new FakeDevice(), 10_000));
        assertTrue(e.getMessage().startsWith("NCCL 2.7.8 at " + old.resolve("libnccl.so.2")
                + " is older than 2.10"), e.getMessage());
    }

    @Test
    void aMissingNcclIsReportedWithEveryPlaceTried() {
        NativeLibraries.Search s = only(dir.resolve("nowhere")).load(NativeLibraries.Lib.NCCL);
        assertTrue(s.loaded().isEmpty());
        assertTrue(s.describe().startsWith("libnccl.so.2 or libnccl.so not found; tried: " + dir.resolve(
                "nowhere/libnccl.so.2") + " (absent); "), s.describe());
        assertTrue(s.describe().contains("libnccl.so.2 by name on the loader path (the loader path is not searched"
                + " in this test)"), s.describe());
    }

    @Test
    void oneProcessStartsNcclWithoutMpi() {
        // a machine without any native library: nothing loads, by name or by path
        NativeLibraries none = new NativeLibraries(k -> null, k -> null, new LibraryLoader() {
            @Override
            public SymbolLookup byName(String fileName) {
                throw new IllegalArgumentException("no " + fileName + " here");
            }

            @Override
            public SymbolLookup byPath(Path path) {
                throw new IllegalArgumentException("no " + path + " here");
            }
        });
        assertTrue(none.load(NativeLibraries.Lib.MPI).loaded().isEmpty());
        try (ProcessGroup alone = ProcessGroups.ncclBootstrap(java.util.Optional.empty(), none);
                ProcessGroup worldOfOne = ProcessGroups.ncclBootstrap(java.util.Optional.of(
                        new LaunchEnvironment(0, 1, 0, "test", false)), none)) {
            assertTrue(alone instanceof SingleProcessGroup && worldOfOne instanceof SingleProcessGroup);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ProcessGroups.ncclBootstrap(
                java.util.Optional.of(new LaunchEnvironment(1, 2, 1, "test", true)), none));
        assertTrue(e.getMessage().contains("needs Open MPI's libmpi"), e.getMessage());
    }

    @Test
    void ncclIsRefusedForABackendOtherThanCuda() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProcessGroups.open("nccl",
                cpu));
        assertEquals("process group 'nccl' works on the cuda backend's tensors, but the backend is cpu: use mpi",
                e.getMessage());
    }
}
