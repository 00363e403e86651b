package org.cnn4j.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The portable kernels of module {@code kernels} ({@code org/cnn4j/kernels/portable/<stem>.k}) as CUDA C++ for
 * NVRTC: {@code prelude_cuda.h}, then the kernel file with each {@code #include "x.h"} replaced by the header's
 * text, so the program is one self-contained string (what NVRTC compiles is exactly what the tests compile with
 * nvcc), and the options every portable program is compiled with.
 */
final class CudaKernelSource {
    static final String ROOT = "/org/cnn4j/kernels/portable/";
    /** Every kernel file, by stem. */
    static final List<String> STEMS = List.of("activation", "batchnorm", "concat", "conv2d", "dropout",
            "elementwise", "gemm", "loss", "optimizer", "pool2d", "reduce", "softmax", "upsample");
    /**
     * Options beside the architecture: no contraction of a product and a sum into an FMA, since the portable
     * kernels' compensated sums (reduce.h) and dropout's two-float scale depend on each product being rounded
     * as written (the kernels call FMAF where they want one). No fast math.
     */
    static final List<String> OPTIONS = List.of("--fmad=false");

    private static final Pattern INCLUDE = Pattern.compile("(?m)^\\s*#include\\s+\"([^\"]+)\"\\s*$");
    private static final Pattern ENTRY = Pattern.compile("KERNEL\\s+void\\s+(\\w+)\\s*\\(");

    private CudaKernelSource() {
    }

    /** The full CUDA source of kernel file {@code stem}. */
    static String cuda(String stem) {
        return withPrelude("prelude_cuda.h", stem);
    }

    /** Kernel file {@code stem} behind {@code prelude} (a dialect's prelude), includes inlined. */
    static String withPrelude(String prelude, String stem) {
        return "/* " + prelude + " */\n" + resource(prelude) + "\n/* " + stem + ".k */\n"
                + expand(resource(stem + ".k"), 0);
    }

    /** The kernel entry names declared in kernel file {@code stem}, in source order. */
    static List<String> entries(String stem) {
        Matcher m = ENTRY.matcher(resource(stem + ".k"));
        List<String> names = new ArrayList<>();
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static String expand(String text, int depth) {
        if (depth > 8) {
            throw new IllegalStateException("kernel includes nest deeper than 8 levels");
        }
        Matcher m = INCLUDE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(expand(resource(m.group(1)), depth + 1)));
        }
        m.appendTail(out);
        return out.toString();
    }

    static String resource(String name) {
        try (InputStream in = CudaKernelSource.class.getResourceAsStream(ROOT + name)) {
            if (in == null) {
                throw new IllegalStateException("kernel source " + ROOT + name
                        + " is not on the class path (module cnn4j-kernels)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading kernel source " + ROOT + name, e);
        }
    }
}
