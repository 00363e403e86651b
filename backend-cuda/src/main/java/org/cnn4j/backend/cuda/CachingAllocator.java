package org.cnn4j.backend.cuda;

import org.cnn4j.core.NativeCallException;
import org.cnn4j.kernels.host.BufferPool;

/**
 * A caching device allocator by size class: module {@code kernels}' {@link BufferPool} (the pool both backends on
 * the portable kernels share) with power-of-two classes, no limit, and the driver's statuses. A request is rounded
 * up to its class (a power of two, at least 256 bytes); freed blocks go back to their class's list and are reused
 * before the device is asked again.
 * When the device reports out-of-memory, the stream is synchronized (queued work may still use cached blocks),
 * the cache is emptied (every cached block freed) and the allocation is retried once; a second failure is a
 * {@link org.cnn4j.core.DeviceMemoryException} with the requested and free bytes.
 *
 * <p>Reuse is safe without synchronization because all work runs on one stream: a block freed after the work
 * that used it was issued is handed to work issued later on the same stream.
 *
 * <p>The device is behind {@link Device}, so the caching and the retry are tested here without a GPU.
 */
final class CachingAllocator {
    /** The smallest size class. */
    static final long MIN_CLASS = 256;

    /** The device side: raw allocation returning a status, free, and the free-bytes query. */
    interface Device {
        /** Allocates {@code bytes}; writes the pointer to {@code out[0]} and returns 0, or a failure status. */
        int allocate(long bytes, long[] out);

        /** The status's name ({@code CUDA_ERROR_OUT_OF_MEMORY}). */
        String statusName(int status);

        void free(long pointer);

        /** Free device bytes now, or -1 when unknown. */
        long freeBytes();

        /**
         * Waits for the work queued on the stream: cached blocks may still be read or written by kernels in
         * flight, so they are given back to the driver only after it.
         */
        void synchronize();
    }

    private final BufferPool pool;

    CachingAllocator(String backend, Device device) {
        this.pool = new BufferPool(backend, new BufferPool.Device() {
            @Override
            public int allocate(long bytes, long[] out) {
                return device.allocate(bytes, out);
            }

            @Override
            public boolean outOfMemory(int status) {
                return CudaStatus.isOutOfMemory(device.statusName(status));
            }

            @Override
            public String statusName(int status) {
                return device.statusName(status);
            }

            @Override
            public RuntimeException failure(int status, long bytes) {
                return new NativeCallException(CudaDriver.LIB, "cuMemAlloc_v2", status, device.statusName(status),
                        "allocating " + bytes + " bytes");
            }

            @Override
            public void free(long buffer) {
                device.free(buffer);
            }

            @Override
            public long freeBytes() {
                return device.freeBytes();
            }

            @Override
            public void synchronize() {
                device.synchronize();
            }
        }, BufferPool.POWER_OF_TWO, Long.MAX_VALUE);
    }

    /** The size class of a request: the next power of two, at least {@link #MIN_CLASS}. */
    static long sizeClass(long bytes) {
        return BufferPool.powerOfTwoClass(bytes);
    }

    /** A block of at least {@code bytes}; free it with {@link #free(long, long)} and the same {@code bytes}. */
    long allocate(long bytes) {
        return pool.allocate(bytes);
    }

    /**
     * Starts a graph capture: blocks freed from now on are not handed out again but kept for the graph, whose
     * every replay reads and writes the addresses baked into it ({@link #endCapture}).
     */
    void beginCapture() {
        pool.beginCapture();
    }

    /** Ends the capture; the blocks freed during it belong to the graph until {@link #release} gives them back. */
    java.util.List<long[]> endCapture() {
        return pool.endCapture();
    }

    /** Returns a graph's blocks to the cache (the graph is destroyed, or its capture failed). */
    void release(java.util.List<long[]> blocks) {
        pool.release(blocks);
    }

    /** Returns a block of a request of {@code bytes} to its class's cache (to the capture's list during one). */
    void free(long pointer, long bytes) {
        pool.free(pointer, bytes);
    }

    /** Frees every cached block to the device. */
    void emptyCache() {
        pool.emptyCache();
    }

    long cachedBytes() {
        return pool.cachedBytes();
    }

    long inUseBytes() {
        return pool.inUseBytes();
    }
}
