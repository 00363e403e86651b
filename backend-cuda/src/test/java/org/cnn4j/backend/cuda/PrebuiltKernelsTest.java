package org.cnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.TreeSet;
import org.cnn4j.kernels.host.KernelSource;
import org.junit.jupiter.api.Test;

/**
 * The prebuilt kernels shipped in the jar (CPU only): one fatbin per kernel file, each built from the kernel
 * sources as they are now (the manifest's source hash), unaltered (its binary hash), a whole fatbin, holding the
 * PTX of every entry its file declares. A kernel edited without rerunning {@code scripts/cuda/build-kernels.sh}
 * fails here.
 */
class PrebuiltKernelsTest {
    @Test
    void theShippedBinariesMatchTheCurrentSources() {
        PrebuiltKernels p = PrebuiltKernels.load();
        assertNotNull(p, "no " + PrebuiltKernels.DIR + PrebuiltKernels.MANIFEST + " on the class path");
        assertEquals(new TreeSet<>(KernelSource.STEMS), new TreeSet<>(p.entries().keySet()),
                "one fatbin per kernel file");
        assertTrue(p.describe().matches("prebuilt kernels \\(nvcc 13\\.\\d+ V[0-9.]+, sm_90 cubin \\+ compute_90 PTX\\)"),
                p.describe());
        for (String stem : KernelSource.STEMS) {
            String source = KernelSource.Dialect.CUDA.source(stem);
            assertEquals(p.entries().get(stem).sourceSha(), PrebuiltKernels.sourceSha(source), stem
                    + ".fatbin was built from another version of " + stem + ".k or its headers, or with other options:"
                    + " run scripts/cuda/build-kernels.sh");
            byte[] bin = p.image(stem + ".k", source);
            ByteBuffer header = ByteBuffer.wrap(bin).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(0xBA55ED50, header.getInt(0), stem + ": fatbin magic");
            assertEquals(bin.length, (header.getShort(6) & 0xffff) + header.getLong(8), stem + ": whole fatbin");
            String text = new String(bin, StandardCharsets.ISO_8859_1);
            for (String entry : KernelSource.entries(stem)) {
                assertTrue(text.contains(".entry " + entry + "("), stem + ".fatbin lacks the PTX of " + entry);
            }
        }
    }

    @Test
    void aChangedSourceOrABinaryThatIsNotTheRecordedOneIsRefused() {
        PrebuiltKernels p = PrebuiltKernels.load();
        IllegalStateException stale = assertThrows(IllegalStateException.class,
                () -> p.image("pool2d.k", KernelSource.Dialect.CUDA.source("pool2d") + "\n// edited"));
        assertTrue(stale.getMessage().contains("built from another version of pool2d.k"), stale.getMessage());
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> p.image("nope.k", "x"));
        assertTrue(none.getMessage().contains("no prebuilt kernel for nope.k"), none.getMessage());
    }

    /** The prebuilt fatbins keep the floating-point contract of every CUDA compilation (no contraction). */
    @Test
    void nvccTakesTheDialectsOptions() {
        assertTrue(PrebuiltKernels.NVCC_OPTIONS.containsAll(KernelSource.Dialect.CUDA.options()),
                PrebuiltKernels.NVCC_OPTIONS + " lacks " + KernelSource.Dialect.CUDA.options());
        assertTrue(PrebuiltKernels.NVCC_OPTIONS.contains(KernelSource.CUDA_CONTRACTION_OFF));
    }

    @Test
    void theyRunOnComputeCapability90AndNewer() {
        assertTrue(PrebuiltKernels.runsOn(9, 0));
        assertTrue(PrebuiltKernels.runsOn(10, 0));
        assertTrue(PrebuiltKernels.runsOn(12, 0));
        assertTrue(!PrebuiltKernels.runsOn(8, 9));
    }
}
