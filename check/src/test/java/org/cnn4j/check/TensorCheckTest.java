package org.cnn4j.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cnn4j.core.Shape;
import org.junit.jupiter.api.Test;

class TensorCheckTest {
    @Test
    void aComparisonNamesTheWorstElementAndItsCoordinates() {
        double[] ref = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
        double[] out = ref.clone();
        out[7] = 7.5;
        out[2] = Double.NaN;
        TensorCheck t = TensorCheck.compare("y", Shape.of(1, 3, 2, 2), out, ref, Tolerances.ELEMENTWISE);
        assertFalse(t.passed());
        assertEquals(2, t.violations());
        assertEquals(2, t.worst());
        String d = t.describe();
        assertTrue(d.contains("'y'") && d.contains("[n=0, c=0, h=1, w=0]") && d.contains("2 of 12"), d);

        double[] nan = {Double.NaN, 1};
        assertTrue(TensorCheck.compare("y", Shape.of(2), nan.clone(), nan, Tolerances.EXACT).passed());
        assertFalse(TensorCheck.compare("y", Shape.of(2), new double[] {0, 1}, nan, Tolerances.EXACT).passed());
        assertEquals("[1, 2]", TensorCheck.coordinates(Shape.of(3, 4), 6));
    }
}
