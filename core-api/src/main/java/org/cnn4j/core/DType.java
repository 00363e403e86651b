package org.cnn4j.core;

/**
 * Element types. Every backend supports {@link #FLOAT32}; {@link #FLOAT64} exists so that the reference
 * backend can run finite-difference gradient checks in double precision.
 */
public enum DType {
    FLOAT32(4),
    FLOAT64(8);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** Lower-case name as used in messages and flags ({@code float32}). */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
