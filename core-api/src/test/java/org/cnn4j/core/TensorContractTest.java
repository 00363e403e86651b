package org.cnn4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cnn4j.ops.Fill;
import org.junit.jupiter.api.Test;

class TensorContractTest {
    @Test
    void copiesRoundTripAndCheckLengths() {
        try (Backend b = new ArrayBackend("a"); Tensor t = b.fromArray(Shape.of(2, 2), new float[] {1, 2, 3, 4})) {
            assertArrayEquals(new float[] {1, 2, 3, 4}, t.toFloatArray());
            assertArrayEquals(new double[] {1, 2, 3, 4}, t.toDoubleArray());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> t.copyFrom(new float[3]));
            assertTrue(e.getMessage().contains("[2, 2]"), e.getMessage());
        }
    }

    @Test
    void useAfterCloseIsAnIllegalState() {
        try (Backend b = new ArrayBackend("a")) {
            Tensor t = b.allocate(Shape.of(3));
            t.close();
            t.close();
            assertThrows(IllegalStateException.class, t::toFloatArray);
            assertThrows(IllegalStateException.class, () -> b.execute(new Fill.Run(new Fill(1), t)));
        }
    }

    @Test
    void aTensorOfAnotherBackendIsRejectedBeforeTheBackendRuns() {
        try (ArrayBackend a = new ArrayBackend("a"); ArrayBackend other = new ArrayBackend("b");
                Tensor t = other.allocate(Shape.of(3))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> a.execute(new Fill.Run(new Fill(1), t)));
            assertTrue(e.getMessage().contains("'y'") && e.getMessage().contains("'b'"), e.getMessage());
            assertEquals(0, a.executed);
        }
    }

    @Test
    void liveTensorsAndBytesAreCountedAndViewsDoNotOwnMemory() {
        try (Backend b = new ArrayBackend("a")) {
            Tensor t = b.allocate(Shape.of(2, 3));
            assertEquals(1, b.liveTensors());
            assertEquals(24, b.liveBytes());
            Tensor v = t.reshape(Shape.of(6));
            v.close();
            assertEquals(1, b.liveTensors());
            assertEquals(0f, t.toFloatArray()[5]);
            Tensor v2 = t.reshape(Shape.of(3, 2));
            t.close();
            assertEquals(0, b.liveTensors());
            assertEquals(0, b.liveBytes());
            assertThrows(IllegalStateException.class, v2::toFloatArray);
        }
    }

    @Test
    void reshapeToAnotherSizeNamesBothShapes() {
        try (Backend b = new ArrayBackend("a"); Tensor t = b.allocate(Shape.of(2, 3))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.reshape(Shape.of(5)));
            assertTrue(e.getMessage().contains("[5]") && e.getMessage().contains("[2, 3]"), e.getMessage());
        }
    }

    @Test
    void tensorsOfAClosedBackendAreUnusable() {
        Backend b = new ArrayBackend("a");
        Tensor t = b.allocate(Shape.of(2));
        b.close();
        assertTrue(t.isReleased());
        assertThrows(IllegalStateException.class, t::toFloatArray);
    }

    @Test
    void aClosedBackendRefusesWorkAndUnsupportedDtypesAreRejected() {
        Backend b = new ArrayBackend("a");
        assertThrows(IllegalArgumentException.class, () -> b.allocate(Shape.of(2), DType.FLOAT64));
        b.close();
        assertThrows(IllegalStateException.class, () -> b.allocate(Shape.of(2)));
    }
}
