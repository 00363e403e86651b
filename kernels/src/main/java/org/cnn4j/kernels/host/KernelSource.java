package org.cnn4j.kernels.host;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The portable kernels of this module ({@code org/cnn4j/kernels/portable/<stem>.k}) as one self-contained program
 * per dialect: the dialect's prelude, then the kernel file with each {@code #include "x.h"} replaced by the
 * header's text (neither clBuildProgram nor NVRTC gets a file system to search), and the options every portable
 * program of the dialect is compiled with.
 *
 * <h2>Floating-point contraction</h2>
 * Both dialects compile with contraction of a product and a sum into a fused multiply-add <b>off</b>: the
 * compensated sums of reduce.h and dropout's two-float scale depend on each product being rounded as written,
 * and a kernel that wants a fused multiply-add says so with {@code FMAF}. OpenCL C lets a compiler contract by
 * default, so prelude_opencl.h opens with {@code #pragma OPENCL FP_CONTRACT OFF}; CUDA C++ has no such pragma,
 * so every CUDA compilation (NVRTC, and nvcc for the prebuilt fatbins and the compile checks) takes
 * {@code --fmad=false} ({@link Dialect#options()}). Neither dialect uses fast-math options.
 */
public final class KernelSource {
    /** Where the kernel files are, as a class-path resource directory. */
    public static final String ROOT = "/org/cnn4j/kernels/portable/";
    /** Every kernel file, by stem. */
    public static final List<String> STEMS = List.of("activation", "batchnorm", "concat", "conv2d", "dropout",
            "elementwise", "gemm", "loss", "optimizer", "pool2d", "reduce", "softmax", "upsample");

    /** The pragma that turns contraction off in OpenCL C; prelude_opencl.h carries it. */
    public static final String OPENCL_CONTRACTION_OFF = "#pragma OPENCL FP_CONTRACT OFF";
    /** The compiler option that turns contraction off for CUDA (NVRTC and nvcc). */
    public static final String CUDA_CONTRACTION_OFF = "--fmad=false";

    /** A language the portable kernels are compiled in: its prelude and its compile options. */
    public enum Dialect {
        /** OpenCL C 1.2, built by clBuildProgram; contraction off by the prelude's pragma. */
        OPENCL("prelude_opencl.h", List.of()),
        /** CUDA C++, compiled by NVRTC (or nvcc); contraction off by {@code --fmad=false}. */
        CUDA("prelude_cuda.h", List.of(CUDA_CONTRACTION_OFF));

        private final String prelude;
        private final List<String> options;

        Dialect(String prelude, List<String> options) {
            this.prelude = prelude;
            this.options = options;
        }

        /** The prelude's file name in {@link #ROOT}. */
        public String prelude() {
            return prelude;
        }

        /** The options beside the architecture that every portable program of this dialect is compiled with. */
        public List<String> options() {
            return options;
        }

        /** The full source of kernel file {@code stem} in this dialect. */
        public String source(String stem) {
            return withPrelude(prelude, stem);
        }
    }

    private static final Pattern INCLUDE = Pattern.compile("(?m)^\\s*#include\\s+\"([^\"]+)\"\\s*$");
    private static final Pattern ENTRY = Pattern.compile("KERNEL\\s+void\\s+(\\w+)\\s*\\(");

    private KernelSource() {
    }

    /** Kernel file {@code stem} behind {@code prelude} (a dialect's prelude), includes inlined. */
    public static String withPrelude(String prelude, String stem) {
        return "/* " + prelude + " */\n" + resource(prelude) + "\n/* " + stem + ".k */\n"
                + expand(resource(stem + ".k"), 0);
    }

    /** The kernel entry names declared in kernel file {@code stem}, in source order. */
    public static List<String> entries(String stem) {
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

    /** The text of {@code name} in {@link #ROOT} (a kernel file or a header). */
    public static String resource(String name) {
        try (InputStream in = KernelSource.class.getResourceAsStream(ROOT + name)) {
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
