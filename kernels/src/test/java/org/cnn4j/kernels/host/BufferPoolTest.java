package org.cnn4j.kernels.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.cnn4j.core.DeviceMemoryException;
import org.junit.jupiter.api.Test;

/**
 * The buffer pool both GPU backends use, on a fake device: exact sizes with a limit (OpenCL's policy), reuse,
 * out-of-memory handling, capture, and emptying that frees every buffer even when one free fails. (The CUDA
 * allocator's power-of-two classes are tested in backend-cuda's {@code CachingAllocatorTest}.)
 */
class BufferPoolTest {
    /** A device of {@code capacity} bytes; status 1 is out of memory, 2 another failure. */
    static final class FakeDevice implements BufferPool.Device {
        long capacity;
        long used;
        long next = 0x1000;
        int syncs;
        int failStatus;
        final List<Long> freed = new ArrayList<>();
        final java.util.Map<Long, Long> sizes = new java.util.HashMap<>();
        long failFree = -1;

        FakeDevice(long capacity) {
            this.capacity = capacity;
        }

        @Override
        public int allocate(long bytes, long[] out) {
            if (failStatus != 0) {
                return failStatus;
            }
            if (used + bytes > capacity) {
                return 1;
            }
            used += bytes;
            out[0] = next;
            sizes.put(next, bytes);
            next += 0x1000;
            return 0;
        }

        @Override
        public boolean outOfMemory(int status) {
            return status == 1;
        }

        @Override
        public String statusName(int status) {
            return status == 1 ? "OUT_OF_MEMORY" : "ERROR_" + status;
        }

        @Override
        public RuntimeException failure(int status, long bytes) {
            return new IllegalStateException(statusName(status) + " allocating " + bytes);
        }

        @Override
        public void free(long buffer) {
            freed.add(buffer);
            used -= sizes.remove(buffer);
            if (buffer == failFree) {
                throw new IllegalStateException("free failed for " + buffer);
            }
        }

        @Override
        public long freeBytes() {
            return capacity - used;
        }

        @Override
        public void synchronize() {
            syncs++;
        }
    }

    @Test
    void exactSizesAreReusedUpToTheLimit() {
        FakeDevice d = new FakeDevice(1 << 20);
        BufferPool p = new BufferPool("test", d, BufferPool.EXACT, 1000);
        long a = p.allocate(600);
        long b = p.allocate(600);
        assertEquals(2, p.created());
        p.free(a, 600);
        assertEquals(600, p.cachedBytes());
        p.free(b, 600); // 1200 would pass the limit: back to the device at once
        assertEquals(600, p.cachedBytes());
        assertEquals(List.of(b), d.freed);
        assertEquals(a, p.allocate(600), "the pooled buffer of the same size is reused");
        assertEquals(2, p.created());
        long c = p.allocate(601);
        assertTrue(c != a && c != b);
        assertEquals(3, p.created(), "another size is another buffer");
    }

    @Test
    void outOfMemoryWaitsEmptiesAndRetriesOnceThenThrows() {
        FakeDevice d = new FakeDevice(1000);
        BufferPool p = new BufferPool("test", d, BufferPool.EXACT, Long.MAX_VALUE);
        long a = p.allocate(700);
        p.free(a, 700);
        long b = p.allocate(500); // 700 pooled + 500 > 1000: wait, empty, retry
        assertEquals(1, d.syncs);
        assertEquals(List.of(a), d.freed);
        assertEquals(0, p.cachedBytes());
        DeviceMemoryException e = assertThrows(DeviceMemoryException.class, () -> p.allocate(600));
        assertTrue(e.getMessage().contains("OUT_OF_MEMORY"), e.getMessage());
        assertEquals(2, d.syncs);
        p.free(b, 500);
        d.failStatus = 2;
        IllegalStateException other = assertThrows(IllegalStateException.class, () -> p.allocate(800));
        assertEquals("ERROR_2 allocating 800", other.getMessage());
    }

    @Test
    void aCaptureKeepsFreedBuffersForTheGraph() {
        FakeDevice d = new FakeDevice(1 << 20);
        BufferPool p = new BufferPool("test", d, BufferPool.POWER_OF_TWO, Long.MAX_VALUE);
        long a = p.allocate(300);
        p.beginCapture();
        p.free(a, 300);
        assertTrue(p.allocate(300) != a, "a buffer freed during a capture is not handed out again");
        List<long[]> kept = p.endCapture();
        assertEquals(1, kept.size());
        assertEquals(512, kept.get(0)[1]);
        p.release(kept);
        assertEquals(512, p.cachedBytes());
        assertEquals(a, p.allocate(400));
    }

    @Test
    void emptyingFreesEveryBufferThenReportsTheFirstFailure() {
        FakeDevice d = new FakeDevice(1 << 20);
        BufferPool p = new BufferPool("test", d, BufferPool.EXACT, Long.MAX_VALUE);
        long a = p.allocate(10);
        long b = p.allocate(20);
        long c = p.allocate(30);
        p.free(a, 10);
        p.free(b, 20);
        p.free(c, 30);
        d.failFree = b;
        IllegalStateException e = assertThrows(IllegalStateException.class, p::emptyCache);
        assertEquals("free failed for " + b, e.getMessage());
        assertEquals(3, d.freed.size(), "every pooled buffer freed");
        assertEquals(0, p.cachedBytes());
    }
}
