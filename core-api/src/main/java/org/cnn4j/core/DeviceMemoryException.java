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

    public long requestedBytes() {
        return requestedBytes;
    }

    /** Free device bytes at the time of the failure, or -1 when unknown. */
    public long freeBytes() {
        return freeBytes;
    }
}
