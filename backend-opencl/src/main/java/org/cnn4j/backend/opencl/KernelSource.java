package org.cnn4j.backend.opencl;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The portable kernels of module {@code kernels} ({@code org/cnn4j/kernels/portable/<stem>.k}) turned into
 * OpenCL C: {@code prelude_opencl.h}, then the kernel file with its {@code #include "x.h"} lines replaced by the
 * header's text (clBuildProgram has no file system to search).
 */
final class KernelSource {
    static final String ROOT = "/org/cnn4j/kernels/portable/";
    private static final Pattern INCLUDE = Pattern.compile("(?m)^\\s*#include\\s+\"([^\"]+)\"\\s*$");

    private KernelSource() {
    }

    /** The full OpenCL source of kernel file {@code stem}. */
    static String opencl(String stem) {
        return "/* prelude_opencl.h */\n" + resource("prelude_opencl.h") + "\n/* " + stem + ".k */\n"
                + expand(resource(stem + ".k"), 0);
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
