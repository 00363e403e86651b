package org.cnn4j.backend.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.cnn4j.core.DeviceMemoryException;
import org.cnn4j.core.NativeCallException;

/**
 * A caching device allocator by size class. A request is rounded up to its class (a power of two, at least
 * 256 bytes); freed blocks go back to their class's list and are reused before the device is asked again.
 * When the device reports out-of-memory, the stream is synchronized (queued work may still use cached blocks),
 * the cache is emptied (every cached block freed) and the allocation is retried once; a second failure is a {@link DeviceMemoryException} with the requested and free bytes.
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

    private final String backend;
    private final Device device;
    private final Map<Long, ArrayDeque<Long>> cache = new HashMap<>();
    private long cachedBytes;
    private long inUseBytes;
    /** While a graph is being captured: the blocks freed meanwhile, {pointer, size class}; else null. */
    private java.util.List<long[]> captured;

    CachingAllocator(String backend, Device device) {
        this.backend = backend;
        this.device = device;
    }

    /** The size class of a request: the next power of two, at least {@link #MIN_CLASS}. */
    static long sizeClass(long bytes) {
        if (bytes <= MIN_CLASS) {
            return MIN_CLASS;
        }
        long c = Long.highestOneBit(bytes);
        return c == bytes ? c : c << 1;
    }

    /** A block of at least {@code bytes}; free it with {@link #free(long, long)} and the same {@code bytes}. */
    synchronized long allocate(long bytes) {
        long size = sizeClass(bytes);
        ArrayDeque<Long> list = cache.get(size);
        if (list != null && !list.isEmpty()) {
            cachedBytes -= size;
            inUseBytes += size;
            return list.pop();
        }
        long[] out = new long[1];
        int status = device.allocate(size, out);
        if (status != 0 && captured == null && CudaStatus.isOutOfMemory(device.statusName(status))) {
            // (not during a graph capture, where a stream synchronization is illegal: the capture fails instead)
            device.synchronize();
            emptyCache();
            status = device.allocate(size, out);
        }
        if (status != 0) {
            String name = device.statusName(status);
            if (CudaStatus.isOutOfMemory(name)) {
                throw new DeviceMemoryException(backend, size, device.freeBytes(), name);
            }
            throw new NativeCallException(CudaDriver.LIB, "cuMemAlloc_v2", status, name,
                    "allocating " + size + " bytes");
        }
        inUseBytes += size;
        return out[0];
    }

    /**
     * Starts a graph capture: blocks freed from now on are not handed out again but kept for the graph, whose
     * every replay reads and writes the addresses baked into it ({@link #endCapture}).
     */
    synchronized void beginCapture() {
        if (captured != null) {
            throw new IllegalStateException("a capture is already under way");
        }
        captured = new java.util.ArrayList<>();
    }

    /** Ends the capture; the blocks freed during it belong to the graph until {@link #release} gives them back. */
    synchronized java.util.List<long[]> endCapture() {
        java.util.List<long[]> out = captured == null ? java.util.List.of() : java.util.List.copyOf(captured);
        captured = null;
        return out;
    }

    /** Returns a graph's blocks to the cache (the graph is destroyed, or its capture failed). */
    synchronized void release(java.util.List<long[]> blocks) {
        for (long[] b : blocks) {
            cache.computeIfAbsent(b[1], k -> new ArrayDeque<>()).push(b[0]);
            cachedBytes += b[1];
            inUseBytes -= b[1];
        }
    }

    /** Returns a block of a request of {@code bytes} to its class's cache (to the capture's list during one). */
    synchronized void free(long pointer, long bytes) {
        long size = sizeClass(bytes);
        if (captured != null) {
            captured.add(new long[] {pointer, size});
            return;
        }
        cache.computeIfAbsent(size, k -> new ArrayDeque<>()).push(pointer);
        cachedBytes += size;
        inUseBytes -= size;
    }

    /** Frees every cached block to the device. */
    synchronized void emptyCache() {
        for (ArrayDeque<Long> list : cache.values()) {
            while (!list.isEmpty()) {
                device.free(list.pop());
            }
        }
        cache.clear();
        cachedBytes = 0;
    }

    synchronized long cachedBytes() {
        return cachedBytes;
    }

    synchronized long inUseBytes() {
        return inUseBytes;
    }
}
