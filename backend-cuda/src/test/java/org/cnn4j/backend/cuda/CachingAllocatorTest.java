package org.cnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.cnn4j.core.DeviceMemoryException;
import org.cnn4j.core.NativeCallException;
import org.junit.jupiter.api.Test;

/** The caching allocator against a fake device with a byte budget. */
class CachingAllocatorTest {
    /** A device of {@code capacity} bytes; a request beyond what is left fails with CUDA_ERROR_OUT_OF_MEMORY. */
    static final class FakeDevice implements CachingAllocator.Device {
        final long capacity;
        long used;
        long next = 0x1000;
        int allocations;
        final List<Long> freed = new ArrayList<>();
        /** Device calls in order: "alloc", "free", "sync". */
        final List<String> calls = new ArrayList<>();
        int failWith;

        FakeDevice(long capacity) {
            this.capacity = capacity;
        }

        @Override
        public int allocate(long bytes, long[] out) {
            allocations++;
            calls.add("alloc");
            if (failWith != 0) {
                return failWith;
            }
            if (used + bytes > capacity) {
                return 2;
            }
            used += bytes;
            out[0] = next;
            next += bytes;
            return 0;
        }

        @Override
        public String statusName(int status) {
            return CudaStatus.cuResult(status);
        }

        @Override
        public void free(long pointer) {
            calls.add("free");
            freed.add(pointer);
            used -= 1024;
        }

        @Override
        public long freeBytes() {
            return capacity - used;
        }

        @Override
        public void synchronize() {
            calls.add("sync");
        }
    }

    @Test
    void sizeClassesArePowersOfTwoFrom256() {
        assertEquals(256, CachingAllocator.sizeClass(1));
        assertEquals(256, CachingAllocator.sizeClass(256));
        assertEquals(512, CachingAllocator.sizeClass(257));
        assertEquals(1024, CachingAllocator.sizeClass(1024));
        assertEquals(1L << 31, CachingAllocator.sizeClass((1L << 30) + 1));
    }

    @Test
    void freedBlocksAreReusedByTheirClass() {
        FakeDevice dev = new FakeDevice(1 << 20);
        CachingAllocator a = new CachingAllocator("cuda", dev);
        long p = a.allocate(1000);
        a.free(p, 1000);
        assertEquals(1024, a.cachedBytes());
        assertEquals(p, a.allocate(900), "same class, same block");
        assertEquals(1, dev.allocations);
        long q = a.allocate(2000);
        assertTrue(q != p);
        assertEquals(2, dev.allocations);
        assertEquals(1024 + 2048, a.inUseBytes());
    }

    @Test
    void outOfMemoryEmptiesTheCacheAndRetriesOnce() {
        FakeDevice dev = new FakeDevice(2048);
        CachingAllocator a = new CachingAllocator("cuda", dev);
        long p = a.allocate(1024);
        a.free(p, 1024);
        long q = a.allocate(2048);
        assertEquals(List.of(p), dev.freed, "the cached block was freed before the retry");
        assertEquals(0, a.cachedBytes());
        assertTrue(q != 0);
        assertEquals(3, dev.allocations, "first try, then one retry");
        assertEquals(List.of("alloc", "alloc", "sync", "free", "alloc"), dev.calls,
                "the stream is synchronized before cached blocks go back to the driver");
    }

    @Test
    void outOfMemoryTwiceIsADeviceMemoryExceptionWithSizes() {
        FakeDevice dev = new FakeDevice(1000);
        CachingAllocator a = new CachingAllocator("cuda", dev);
        DeviceMemoryException e = assertThrows(DeviceMemoryException.class, () -> a.allocate(4000));
        assertEquals(4096, e.requestedBytes());
        assertEquals(1000, e.freeBytes());
        assertTrue(e.getMessage().contains("CUDA_ERROR_OUT_OF_MEMORY"), e.getMessage());
        assertEquals(2, dev.allocations);
    }

    @Test
    void otherFailuresAreNamedAndNotRetried() {
        FakeDevice dev = new FakeDevice(1 << 20);
        dev.failWith = 201;
        CachingAllocator a = new CachingAllocator("cuda", dev);
        NativeCallException e = assertThrows(NativeCallException.class, () -> a.allocate(10));
        assertEquals("CUDA_ERROR_INVALID_CONTEXT", e.status());
        assertEquals("cuMemAlloc_v2", e.function());
        assertEquals(1, dev.allocations);
    }
}
