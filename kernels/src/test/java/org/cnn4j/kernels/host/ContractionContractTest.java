package org.cnn4j.kernels.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The floating-point contract of the portable kernels, held by both dialects ({@link KernelSource}): contraction
 * off (OpenCL: prelude_opencl.h's pragma before any code; CUDA: {@code --fmad=false} in every compilation), no
 * fast-math option, {@code FMAF} the fused multiply-add, and the two preludes defining the same macros. A prelude
 * or an option list that drifts from it fails here, without a device; the OpenCL backend's tests check the
 * rounding itself on PoCL.
 */
class ContractionContractTest {
    private static final Pattern DEFINE = Pattern.compile("(?m)^#define\\s+(\\w+)");
    private static final List<String> FAST_MATH = List.of("fast-relaxed-math", "mad-enable", "unsafe-math",
            "fast_math", "fast-math", "ftz=true", "fmad=true", "FP_CONTRACT ON", "FP_CONTRACT FAST",
            "FP_CONTRACT DEFAULT", "__fmul_", "__fadd_", "__fmaf_", "native_", "half_");

    private static String code(String text) {
        return text.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("(?m)//.*$", "");
    }

    @Test
    void openClTurnsContractionOffBeforeAnyCode() {
        String code = code(KernelSource.resource(KernelSource.Dialect.OPENCL.prelude())).strip();
        assertTrue(code.startsWith(KernelSource.OPENCL_CONTRACTION_OFF + "\n"),
                "prelude_opencl.h must open with " + KernelSource.OPENCL_CONTRACTION_OFF + ", found: "
                        + code.lines().findFirst().orElse(""));
        for (String stem : KernelSource.STEMS) {
            String src = KernelSource.Dialect.OPENCL.source(stem);
            assertEquals(1, src.split(Pattern.quote(KernelSource.OPENCL_CONTRACTION_OFF), -1).length - 1,
                    stem + ": the pragma once, from the prelude");
            assertTrue(src.indexOf(KernelSource.OPENCL_CONTRACTION_OFF) < src.indexOf("KERNEL void"), stem);
        }
    }

    @Test
    void cudaCompilesWithoutFmad() {
        assertTrue(KernelSource.Dialect.CUDA.options().contains(KernelSource.CUDA_CONTRACTION_OFF),
                KernelSource.Dialect.CUDA.options().toString());
        // CUDA C++ has no contraction pragma: a prelude that tried one would be ignored, not obeyed
        assertFalse(code(KernelSource.resource(KernelSource.Dialect.CUDA.prelude())).contains("#pragma"),
                "prelude_cuda.h must not rely on a pragma for the floating-point contract");
    }

    @Test
    void noDialectAsksForFastMath() {
        for (KernelSource.Dialect d : KernelSource.Dialect.values()) {
            String prelude = code(KernelSource.resource(d.prelude()));
            for (String bad : FAST_MATH) {
                assertFalse(prelude.contains(bad), d.prelude() + " uses " + bad);
                for (String o : d.options()) {
                    assertFalse(o.contains(bad), d + " option " + o);
                }
            }
        }
        for (String stem : KernelSource.STEMS) {
            String k = code(KernelSource.resource(stem + ".k"));
            for (String bad : FAST_MATH) {
                assertFalse(k.contains(bad), stem + ".k uses " + bad);
            }
            assertFalse(k.contains("#pragma"), stem + ".k: the floating-point contract is the preludes' alone");
        }
    }

    @Test
    void fmafIsTheFusedMultiplyAddInBoth() {
        assertTrue(KernelSource.resource("prelude_opencl.h").contains("#define FMAF(a, b, c) fma(a, b, c)"));
        assertTrue(KernelSource.resource("prelude_cuda.h").contains("#define FMAF(a, b, c) fmaf(a, b, c)"));
    }

    @Test
    void bothPreludesDefineTheSameMacros() {
        Set<String> cl = defines(KernelSource.resource("prelude_opencl.h"));
        Set<String> cuda = defines(KernelSource.resource("prelude_cuda.h"));
        assertTrue(cl.size() > 20, cl.toString());
        assertEquals(cl, cuda, "prelude_opencl.h and prelude_cuda.h define different names");
    }

    private static Set<String> defines(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = DEFINE.matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }
}
