package org.cnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The vector width picks the micro-kernel's tile: 5 x 16 at 256 bits (AVX2), 8 x 32 at 512 (AVX-512). The build
 * runs the kernels' tests at the machine's width and again with {@code -Dcnn4j.cpu.vectorBits=512}.
 */
class VectorWidthTest {
    @Test
    void theTileFollowsTheWidth() {
        int bits = VectorWidth.FLOATS.vectorBitSize();
        String configured = System.getProperty(VectorWidth.PROPERTY);
        if (configured != null) {
            assertEquals(Integer.parseInt(configured), bits, "the configured width is not the kernels' width");
        }
        MicroKernel k = VectorKernel.create();
        int lanes = bits / Float.SIZE;
        assertEquals(2 * lanes, k.nr, k.name());
        assertEquals(lanes >= 16 ? 8 : 5, k.mr, k.name());
        assertTrue(k.name().contains(bits + "-bit"), k.name());
    }

    @Test
    void aWidthOtherThan128256Or512IsRefusedNamingTheProperty() {
        String before = System.setProperty(VectorWidth.PROPERTY, "384");
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    CpuBackend.Config::fromSystemProperties);
            assertTrue(e.getMessage().contains("cnn4j.cpu.vectorBits") && e.getMessage().contains("384"),
                    e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(VectorWidth.PROPERTY);
            } else {
                System.setProperty(VectorWidth.PROPERTY, before);
            }
        }
    }
}
