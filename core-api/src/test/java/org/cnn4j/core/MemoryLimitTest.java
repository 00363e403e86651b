package org.cnn4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MemoryLimitTest {
    @Test
    void withoutThePropertyABackendIsUnlimited() {
        try (ArrayBackend b = new ArrayBackend("limit-none")) {
            assertEquals(Long.MAX_VALUE, b.memoryLimit());
        }
    }

    @Test
    void anAllocationOverTheLimitFailsBeforeTheBackendAllocatesAndLeavesTheCountsAlone() {
        System.setProperty("cnn4j.limit-a.memoryLimit", "4k");
        try (ArrayBackend b = new ArrayBackend("limit-a")) {
            assertEquals(4096, b.memoryLimit());
            try (Tensor t = b.allocate(Shape.of(1000))) {
                DeviceMemoryException e = assertThrows(DeviceMemoryException.class,
                        () -> b.allocate(Shape.of(25)));
                assertEquals(100, e.requestedBytes());
                assertEquals(96, e.freeBytes());
                assertTrue(e.getMessage().contains("cnn4j.limit-a.memoryLimit"), e.getMessage());
                assertTrue(e.getMessage().contains("[25]"), e.getMessage());
                assertEquals(1, b.liveTensors());
                assertEquals(4000, b.liveBytes());
                b.allocate(Shape.of(24)).close(); // exactly up to the limit is allowed
            }
            try (Tensor t = b.allocate(Shape.of(1024))) {
                assertEquals(4096, b.liveBytes());
            }
        } finally {
            System.clearProperty("cnn4j.limit-a.memoryLimit");
        }
    }

    @Test
    void aMalformedLimitNamesTheProperty() {
        for (String bad : new String[] {"lots", "-5m", "0", "12q"}) {
            System.setProperty("cnn4j.limit-b.memoryLimit", bad);
            try {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> new ArrayBackend("limit-b"));
                assertTrue(e.getMessage().contains("cnn4j.limit-b.memoryLimit"), e.getMessage());
            } finally {
                System.clearProperty("cnn4j.limit-b.memoryLimit");
            }
        }
    }
}
