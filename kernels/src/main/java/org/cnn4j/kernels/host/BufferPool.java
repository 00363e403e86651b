package org.cnn4j.kernels.host;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;
import org.cnn4j.core.DeviceMemoryException;

/**
 * The device-buffer pool of a backend on the portable kernels, keyed by size: a request is rounded to its size
 * ({@link #EXACT} or {@link #POWER_OF_TWO} classes), freed buffers go back to their size's list and are reused
 * before the device is asked again, up to a limit of pooled bytes beyond which a freed buffer goes back to the
 * device at once. When the device reports out-of-memory, the queue is waited for (queued work may still use
 * pooled buffers), the pool is emptied and the allocation retried once; a second failure is a
 * {@link DeviceMemoryException}.
 *
 * <p>Reuse needs no wait because a backend issues all work in one order (an in-order queue, one stream): a buffer
 * freed after the work that used it was issued is handed to work issued later. During a graph capture
 * ({@link #beginCapture}) freed buffers are kept for the graph instead, whose replays use the captured addresses.
 *
 * <p>The device is behind {@link Device}, so the pool is tested without one.
 */
public final class BufferPool {
    /** Sizes as requested. */
    public static final LongUnaryOperator EXACT = bytes -> bytes;
    /** The smallest power-of-two class. */
    public static final long MIN_CLASS = 256;
    /** The next power of two, at least {@link #MIN_CLASS}. */
    public static final LongUnaryOperator POWER_OF_TWO = BufferPool::powerOfTwoClass;

    /** The device side: raw allocation returning a status, free, the free-bytes query, the wait. */
    public interface Device {
        /** Allocates {@code bytes}; writes the buffer to {@code out[0]} and returns 0, or a failure status. */
        int allocate(long bytes, long[] out);

        /** True when {@code status} means the device is out of memory. */
        boolean outOfMemory(int status);

        /** The status's name ({@code CUDA_ERROR_OUT_OF_MEMORY}, {@code CL_MEM_OBJECT_ALLOCATION_FAILURE}). */
        String statusName(int status);

        /** The exception for an allocation that failed with a status other than out-of-memory. */
        RuntimeException failure(int status, long bytes);

        /** Gives a buffer back to the device. */
        void free(long buffer);

        /** Free device bytes now, or -1 when unknown. */
        long freeBytes();

        /** Waits for the queued work, which may still use pooled buffers, before they go back to the device. */
        void synchronize();
    }

    private final String backend;
    private final Device device;
    private final LongUnaryOperator sizeOf;
    private final long limitBytes;
    private final Map<Long, ArrayDeque<Long>> cache = new HashMap<>();
    private final long[] out = new long[1];
    private long cachedBytes;
    private long inUseBytes;
    private long created;
    /** While a graph is being captured: the buffers freed meanwhile, {buffer, size}; else null. */
    private List<long[]> captured;

    /**
     * A pool for backend {@code backend} (in messages) on {@code device}, sizes rounded by {@code sizeOf}, at most
     * {@code limitBytes} pooled.
     */
    public BufferPool(String backend, Device device, LongUnaryOperator sizeOf, long limitBytes) {
        this.backend = backend;
        this.device = device;
        this.sizeOf = sizeOf;
        this.limitBytes = limitBytes;
    }

    /** The power-of-two class of a request: the next power of two, at least {@link #MIN_CLASS}. */
    public static long powerOfTwoClass(long bytes) {
        if (bytes <= MIN_CLASS) {
            return MIN_CLASS;
        }
        long c = Long.highestOneBit(bytes);
        return c == bytes ? c : c << 1;
    }

    /** The size a request of {@code bytes} takes. */
    public long sizeOf(long bytes) {
        return sizeOf.applyAsLong(bytes);
    }

    /** A buffer of at least {@code bytes}; give it back with {@link #free(long, long)} and the same {@code bytes}. */
    public synchronized long allocate(long bytes) {
        long size = sizeOf(bytes);
        ArrayDeque<Long> list = cache.get(size);
        if (list != null && !list.isEmpty()) {
            cachedBytes -= size;
            inUseBytes += size;
            return list.pop();
        }
        int status = device.allocate(size, out);
        if (status != 0 && captured == null && device.outOfMemory(status)) {
            // (not during a graph capture, where a wait is illegal: the capture fails instead)
            device.synchronize();
            emptyCache();
            status = device.allocate(size, out);
        }
        if (status != 0) {
            if (device.outOfMemory(status)) {
                throw new DeviceMemoryException(backend, size, device.freeBytes(), device.statusName(status));
            }
            throw device.failure(status, size);
        }
        created++;
        inUseBytes += size;
        return out[0];
    }

    /**
     * Returns a buffer of a request of {@code bytes} to its size's list (to the capture's list during one; to the
     * device when the pool holds its limit).
     */
    public synchronized void free(long buffer, long bytes) {
        long size = sizeOf(bytes);
        if (captured != null) {
            captured.add(new long[] {buffer, size});
            return;
        }
        inUseBytes -= size;
        if (cachedBytes + size > limitBytes) {
            device.free(buffer);
            return;
        }
        cache.computeIfAbsent(size, k -> new ArrayDeque<>()).push(buffer);
        cachedBytes += size;
    }

    /**
     * Starts a graph capture: buffers freed from now on are not handed out again but kept for the graph, whose
     * every replay reads and writes the addresses baked into it ({@link #endCapture}).
     */
    public synchronized void beginCapture() {
        if (captured != null) {
            throw new IllegalStateException("a capture is already under way");
        }
        captured = new ArrayList<>();
    }

    /** Ends the capture; the buffers freed during it belong to the graph until {@link #release} gives them back. */
    public synchronized List<long[]> endCapture() {
        List<long[]> blocks = captured == null ? List.of() : List.copyOf(captured);
        captured = null;
        return blocks;
    }

    /** Returns a graph's buffers to the pool (the graph is destroyed, or its capture failed). */
    public synchronized void release(List<long[]> blocks) {
        for (long[] b : blocks) {
            cache.computeIfAbsent(b[1], k -> new ArrayDeque<>()).push(b[0]);
            cachedBytes += b[1];
            inUseBytes -= b[1];
        }
    }

    /** Gives every pooled buffer back to the device; all are freed, then the first failure is thrown. */
    public synchronized void emptyCache() {
        RuntimeException first = null;
        for (ArrayDeque<Long> list : cache.values()) {
            while (!list.isEmpty()) {
                try {
                    device.free(list.pop());
                } catch (RuntimeException e) {
                    if (first == null) {
                        first = e;
                    }
                }
            }
        }
        cache.clear();
        cachedBytes = 0;
        if (first != null) {
            throw first;
        }
    }

    /** Bytes held in the pool for reuse. */
    public synchronized long cachedBytes() {
        return cachedBytes;
    }

    /** Bytes handed out and not freed. */
    public synchronized long inUseBytes() {
        return inUseBytes;
    }

    /** Buffers the device allocated (the pool's misses). */
    public synchronized long created() {
        return created;
    }
}
