package org.cnn4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShapeTest {
    @Test
    void sizeRankStridesAndEquality() {
        Shape s = Shape.of(2, 3, 4, 5);
        assertEquals(120, s.size());
        assertEquals(4, s.rank());
        assertEquals(20, s.strideOf(1));
        assertEquals(5, s.dim(-1));
        assertEquals(Shape.of(2, 3, 4, 5), s);
        assertNotEquals(Shape.of(2, 3, 5, 4), s);
        assertEquals("[2, 3, 4, 5]", s.toString());
    }

    @Test
    void scalarHasOneElement() {
        assertEquals(1, Shape.scalar().size());
        assertEquals(0, Shape.scalar().rank());
        assertEquals(Shape.scalar(), Shape.of());
    }

    @Test
    void zeroOrNegativeDimensionsAreRejectedWithTheShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Shape.of(2, 0, 3));
        assertTrue(e.getMessage().contains("[2, 0, 3]") && e.getMessage().contains("dimension 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Shape.of(-1));
    }

    @Test
    void elementCountsBeyondIntAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Shape.of(70000, 70000));
        assertTrue(e.getMessage().contains("[70000, 70000]"), e.getMessage());
    }

    @Test
    void outOfRangeAxisNamesTheShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Shape.of(2, 3).dim(2));
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
    }
}
