package org.cnn4j.core;

/** A device allocation failed; the backend stays usable. */
public final class DeviceMemoryException extends Cnn4jException {
    private final long requestedBytes;
    private final long freeBytes;

    public DeviceMemoryException(String backend, long requestedBytes, long freeBytes, String status) {
        super(backend + ": out of device memory (" + status + "): requested " + requestedBytes + " bytes, "
                + (freeBytes < 0 ? "free unknown" : freeBytes + " bytes free"));
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
    }

    /**
     * The exception of a host backend whose array of {@code bytes} for {@code shape} did not fit in the Java heap;
     * the free bytes are the heap's headroom.
     */
    public static DeviceMemoryException heapExhausted(String backend, long bytes, Shape shape) {
        Runtime rt = Runtime.getRuntime();
        return new DeviceMemoryException(backend, bytes, rt.maxMemory() - (rt.totalMemory() - rt.freeMemory()),
                "the Java heap is exhausted (-Xmx " + (rt.maxMemory() >> 20) + " MiB), shape " + shape);
    }

    public long requestedBytes() {
        return requestedBytes;
    }

    /** Free device bytes at the time of the failure, or -1 when unknown. */
    public long freeBytes() {
        return freeBytes;
    }
}
