package org.cnn4j.kernels.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.cnn4j.conformance.ConformanceSuite;
import org.cnn4j.conformance.OpCase;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Backends;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Size2d;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Pool2d;
import org.junit.jupiter.api.Test;

/**
 * Every launch of every launcher, by name, without a device: the conformance suite's calls run through
 * {@link PortableBackend}'s dispatch on a {@link RecordingBackend}, which checks each launch's arguments against
 * the kernel's signature parsed from its {@code .k} file (name, kind and order of each argument, their count).
 * The run must reach every public method of every {@code *Launches} class and launch every kernel the files
 * declare, so no launch goes unchecked.
 */
class LaunchArgumentsTest {
    private static final Path HOST = Path.of("src/main/java/org/cnn4j/kernels/host");

    /** The launcher classes, from the source directory (a new one is walked without editing this test). */
    private static List<Class<?>> launchers() throws IOException, ClassNotFoundException {
        List<Class<?>> out = new java.util.ArrayList<>();
        try (Stream<Path> files = Files.list(HOST)) {
            for (Path f : files.sorted().toList()) {
                String n = f.getFileName().toString();
                if (n.endsWith("Launches.java")) {
                    out.add(Class.forName("org.cnn4j.kernels.host." + n.replace(".java", "")));
                }
            }
        }
        return out;
    }

    @Test
    void everyLaunchNamesTheKernelsParametersInOrder() throws Exception {
        Map<String, KernelSignatures.Kernel> sigs = KernelSignatures.all();
        RecordingBackend rec = new RecordingBackend(sigs);
        int ran = 0;
        try (rec; Backend reference = Backends.open("reference")) {
            for (OpCase c : ConformanceSuite.cases()) {
                if (c.kind() == OpCase.Kind.ERROR) {
                    continue;
                }
                rec.current = c.name();
                ConformanceSuite.run(rec, reference, c); // nothing is computed: only the launches count
                ran++;
            }
        }
        assertTrue(ran > 100, ran + " calls");
        assertTrue(rec.problems.isEmpty(), rec.problems.size() + " launch(es) that do not match their kernel:\n"
                + String.join("\n", rec.problems.subList(0, Math.min(40, rec.problems.size()))));
        assertEquals(0, rec.tempsOut(), "every scratch buffer given back");

        assertEquals(new TreeSet<>(sigs.keySet()), new TreeSet<>(rec.launched),
                "every kernel the .k files declare is launched by some call");
        List<Class<?>> launchers = launchers();
        assertTrue(launchers.size() >= 12, launchers.toString());
        Set<String> methods = new TreeSet<>();
        for (Class<?> l : launchers) {
            for (Method m : l.getDeclaredMethods()) {
                if (Modifier.isPublic(m.getModifiers()) && Modifier.isStatic(m.getModifiers())) {
                    methods.add(l.getSimpleName() + "#" + m.getName());
                }
            }
        }
        methods.removeAll(rec.callers);
        assertTrue(methods.isEmpty(), "launcher methods that no call reached: " + methods);
    }

    /** The check itself: a swapped, a missing, an extra or a mistyped argument and an unknown entry are reported. */
    @Test
    void aSwappedMissingOrExtraArgumentIsReported() {
        Map<String, KernelSignatures.Kernel> sigs = KernelSignatures.all();
        try (RecordingBackend rec = new RecordingBackend(sigs)) {
            rec.current = "swapped";
            KernelHost.Launch l = rec.host.kernel("pool2d", "pool2d_forward_f32").p("x", 1).p("y", 2).i("mode", 0)
                    .i("H", 4).i("W", 4).i("OH", 2).i("OW", 2).i("kh", 2).i("kw", 2);
            l.i("sw", 2).i("sh", 2).i("ph", 0).i("pw", 0).i("dh", 1).i("dw", 1).i("countIncludePad", 1)
                    .i("total", 8).elements(8);
            rec.current = "missing";
            rec.host.kernel("elementwise", "axpy_f32").p("x", 1).p("y", 2).f("alpha", 1).elements(4);
            rec.current = "extra";
            rec.host.kernel("elementwise", "fill_f32").p("y", 1).f("value", 0).i("total", 4).i("more", 1)
                    .elements(4);
            rec.current = "kind";
            rec.host.kernel("elementwise", "scale_f32").p("x", 1).p("out", 2).i("alpha", 1).i("total", 4)
                    .elements(4);
            rec.current = "file";
            rec.host.kernel("reduce", "fill_all_f32").p("y", 1).f("value", 0).i("total", 4).elements(4);
            assertEquals(5, rec.problems.size(), String.join("\n", rec.problems));
            assertTrue(rec.problems.get(0).startsWith("swapped: pool2d_forward_f32: argument 9 is named 'sw' but the"
                    + " parameter is const int sh"), rec.problems.get(0));
            assertTrue(rec.problems.get(1).contains("3 arguments for 4 parameters"), rec.problems.get(1));
            assertTrue(rec.problems.get(2).contains("argument 3 'more' beyond the 3 parameters"), rec.problems.get(2));
            assertTrue(rec.problems.get(3).contains("(const float alpha) set as 'i'"), rec.problems.get(3));
            assertTrue(rec.problems.get(4).contains("not declared in reduce.k"), rec.problems.get(4));
        }
    }

    /** A real launcher with a parameter swapped: what the check catches in the launchers' code. */
    @Test
    void aLauncherThatSwapsTheStridesFails() {
        Map<String, KernelSignatures.Kernel> sigs = KernelSignatures.all();
        try (RecordingBackend rec = new RecordingBackend(sigs)) {
            Pool2d pool = new Pool2d(Pool2d.Mode.MAX, Size2d.of(2), Size2d.of(2, 1), Size2d.of(0), false, true);
            try (Tensor x = rec.allocate(Shape.of(1, 1, 4, 4)); Tensor y = rec.allocate(Shape.of(1, 1, 2, 3))) {
                Pool2d.Forward o = new Pool2d.Forward(pool, x, y);
                // the right launch passes
                Pool2dLaunches.forward(rec.host, o);
                assertTrue(rec.problems.isEmpty(), rec.problems.toString());
                // the same arguments with the strides' names in the other order fail
                rec.current = "swapped";
                rec.host.kernel("pool2d", "pool2d_forward_f32").p("x", x).p("y", y).i("mode", 0).i("H", 4)
                        .i("W", 4).i("OH", 2).i("OW", 3).i("kh", 2).i("kw", 2).i("sw", 1).i("sh", 2)
                        .i("ph", 0).i("pw", 0).i("dh", 1).i("dw", 1).i("countIncludePad", 1).i("total", 6)
                        .elements(6);
                assertEquals(1, rec.problems.size(), rec.problems.toString());
            }
        }
    }
}
