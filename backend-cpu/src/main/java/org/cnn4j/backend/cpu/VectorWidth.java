package org.cnn4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector width of the cpu backend's Vector API kernels, one per JVM: {@value #PROPERTY} ({@code 128}, {@code
 * 256} or {@code 512}), default the platform's preferred width (256 with AVX2, 512 with AVX-512). A width wider
 * than the hardware's runs correctly on the Vector API's Java fallback, far slower: CI forces 512 on its AVX2
 * machine so that the AVX-512 kernels are tested there too. Read once, at class initialisation, so that the
 * species is a constant the JIT folds. Loaded only when {@code jdk.incubator.vector} is present.
 */
final class VectorWidth {
    /** System property: the vector width in bits. */
    static final String PROPERTY = CpuBackend.VECTOR_BITS_PROPERTY;
    /** The float species of every cpu kernel. */
    static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED.withShape(shape());
    /** Long lanes of the same width (dropout's Philox rounds). */
    static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED.withShape(shape());

    private VectorWidth() {
    }

    private static VectorShape shape() {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) {
            return VectorShape.preferredShape();
        }
        try {
            int bits = Integer.parseInt(v.trim());
            if (bits == 128 || bits == 256 || bits == 512) {
                return VectorShape.forBitSize(bits);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + PROPERTY + "=" + v + ": the vector width must be 128, 256 or 512"
                + " bits");
    }

    /** True when the width is the hardware's own (the JIT compiles the kernels to vector instructions). */
    static boolean onHardware() {
        return FLOATS.vectorShape() == VectorShape.preferredShape()
                || FLOATS.vectorBitSize() < VectorShape.preferredShape().vectorBitSize();
    }
}
