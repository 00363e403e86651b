package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ActivationReferenceTest.assertArrayClose;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Add;
import org.cnn4j.ops.Axpy;
import org.cnn4j.ops.Copy;
import org.cnn4j.ops.Fill;
import org.cnn4j.ops.Scale;
import org.cnn4j.ops.SumAxes;
import org.junit.jupiter.api.Test;

/** The element-wise helpers and SumAxes on the reference. */
class ElementwiseReferenceTest {
    @Test
    void fillCopyAddScaleAxpy() {
        try (RefScratch ref = new RefScratch()) {
            Shape s = Shape.of(2, 2);
            Tensor a = ref.f64(s, 1, 2, 3, 4);
            Tensor b = ref.f64(s, 0.5, -1, 0, 2);
            Tensor out = ref.zeros(s);
            ref.run(new Fill.Run(new Fill(-7.5), out));
            assertArrayClose(new double[] {-7.5, -7.5, -7.5, -7.5}, out.toDoubleArray(), 0);
            ref.run(new Copy.Run(a, out));
            assertArrayClose(new double[] {1, 2, 3, 4}, out.toDoubleArray(), 0);
            // 2a - 3b = (2 - 1.5, 4 + 3, 6 - 0, 8 - 6)
            ref.run(new Add.Run(new Add(2, -3), a, b, out));
            assertArrayClose(new double[] {0.5, 7, 6, 2}, out.toDoubleArray(), 0);
            // a + a, the same tensor as both inputs
            ref.run(new Add.Run(Add.sum(), a, a, out));
            assertArrayClose(new double[] {2, 4, 6, 8}, out.toDoubleArray(), 0);
            ref.run(new Scale.Run(new Scale(-0.5), a, out));
            assertArrayClose(new double[] {-0.5, -1, -1.5, -2}, out.toDoubleArray(), 0);
            // out += 2 b, twice: (-0.5, -1, -1.5, -2) + 4 b = (1.5, -5, -1.5, 6)
            ref.run(new Axpy.Run(new Axpy(2), b, out));
            ref.run(new Axpy.Run(new Axpy(2), b, out));
            assertArrayClose(new double[] {1.5, -5, -1.5, 6}, out.toDoubleArray(), 0);
            assertArrayClose(new double[] {0.5, -1, 0, 2}, b.toDoubleArray(), 0);
        }
    }

    @Test
    void fillWithNaN() {
        try (RefScratch ref = new RefScratch()) {
            Tensor y = ref.zeros(Shape.of(3), DType.FLOAT32);
            ref.run(new Fill.Run(new Fill(Double.NaN), y));
            for (float v : y.toFloatArray()) {
                assertTrue(Float.isNaN(v));
            }
        }
    }

    @Test
    void float32ResultsAreRoundedOnce() {
        try (RefScratch ref = new RefScratch()) {
            Shape s = Shape.of(1);
            Tensor a = ref.f32(s, 0.1f);
            Tensor b = ref.f32(s, 0.2f);
            Tensor out = ref.zeros(s, DType.FLOAT32);
            ref.run(new Add.Run(Add.sum(), a, b, out));
            // (double) 0.1f + (double) 0.2f, rounded to float once
            assertEquals((double) (float) ((double) 0.1f + (double) 0.2f), out.toDoubleArray()[0], 0);
        }
    }

    @Test
    void sumAxesSmallByHand() {
        try (RefScratch ref = new RefScratch()) {
            // x [2, 3] = ((1, 2, 3), (4, 5, 6))
            Shape s = Shape.of(2, 3);
            Tensor x = ref.f64(s, 1, 2, 3, 4, 5, 6);
            Tensor rows = ref.zeros(Shape.of(3));
            ref.run(new SumAxes.Run(SumAxes.of(0), x, rows));
            assertArrayClose(new double[] {5, 7, 9}, rows.toDoubleArray(), 0);
            Tensor cols = ref.zeros(Shape.of(2));
            ref.run(new SumAxes.Run(SumAxes.of(1), x, cols));
            assertArrayClose(new double[] {6, 15}, cols.toDoubleArray(), 0);
        }
    }

    @Test
    void sumAxesForBiasGradient() {
        // x [2, 2, 1, 2]: sum over (0, 2, 3) per channel c:
        // c = 0: (1 + 2) + (10 + 20) = 33; c = 1: (3 + 4) + (30 + 40) = 77
        try (RefScratch ref = new RefScratch()) {
            Tensor x = ref.f64(Shape.of(2, 2, 1, 2), 1, 2, 3, 4, 10, 20, 30, 40);
            Tensor y = ref.zeros(Shape.of(2));
            ref.run(new SumAxes.Run(SumAxes.of(0, 2, 3), x, y));
            assertArrayClose(new double[] {33, 77}, y.toDoubleArray(), 0);
        }
    }

    @Test
    void sumAxesZeroTwoThreeOnRandomNchw() {
        // seed 901: x [3, 4, 5, 6], expected by a direct loop nest over n, h, w per channel
        Random rnd = new Random(901);
        int nn = 3;
        int cc = 4;
        int hh = 5;
        int ww = 6;
        double[] xv = GradCheck.random(rnd, nn * cc * hh * ww);
        double[] expected = new double[cc];
        for (int c = 0; c < cc; c++) {
            for (int n = 0; n < nn; n++) {
                for (int h = 0; h < hh; h++) {
                    for (int w = 0; w < ww; w++) {
                        expected[c] += xv[((n * cc + c) * hh + h) * ww + w];
                    }
                }
            }
        }
        try (RefScratch ref = new RefScratch()) {
            Tensor x = ref.f64(Shape.of(nn, cc, hh, ww), xv);
            Tensor y = ref.zeros(Shape.of(cc));
            ref.run(new SumAxes.Run(SumAxes.of(0, 2, 3), x, y));
            assertArrayClose(expected, y.toDoubleArray(), 1e-13);
        }
    }

    @Test
    void sumAxesMiddleAxisKeepsOrderOfTheRest() {
        // x [2, 3, 2] with x[i, j, k] = 100 i + 10 j + k; sum over axis 1: y[i, k] = 300 i + 30 + 3 k
        double[] xv = new double[12];
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 2; k++) {
                    xv[(i * 3 + j) * 2 + k] = 100 * i + 10 * j + k;
                }
            }
        }
        try (RefScratch ref = new RefScratch()) {
            Tensor x = ref.f64(Shape.of(2, 3, 2), xv);
            Tensor y = ref.zeros(Shape.of(2, 2));
            ref.run(new SumAxes.Run(SumAxes.of(1), x, y));
            assertArrayClose(new double[] {30, 33, 330, 333}, y.toDoubleArray(), 0);
        }
    }

    @Test
    void sumOverAllAxesIsAScalar() {
        // 1 + 2 + ... + 24 = 300
        double[] xv = new double[24];
        for (int i = 0; i < 24; i++) {
            xv[i] = i + 1;
        }
        try (RefScratch ref = new RefScratch()) {
            Tensor x = ref.f64(Shape.of(2, 3, 4), xv);
            assertEquals(Shape.scalar(), SumAxes.of(0, 1, 2).outputShape(x.shape()));
            Tensor y = ref.zeros(Shape.scalar());
            ref.run(new SumAxes.Run(SumAxes.of(0, 1, 2), x, y));
            assertEquals(300.0, y.toDoubleArray()[0], 0);
            Tensor x4 = ref.f64(Shape.of(2, 2, 3, 2), xv);
            Tensor y4 = ref.zeros(Shape.scalar());
            ref.run(new SumAxes.Run(SumAxes.of(0, 1, 2, 3), x4, y4));
            assertEquals(300.0, y4.toDoubleArray()[0], 0);
        }
    }

    @Test
    void sumAxesIntoAViewOfItsInputIsRejected() {
        // y as a [3] view of x [3, 1] aliases the input: rejected before the backend runs
        try (RefScratch ref = new RefScratch()) {
            Tensor x = ref.f64(Shape.of(3, 1), 4, -5, 6);
            try (Tensor y = x.reshape(Shape.of(3))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> ref.run(new SumAxes.Run(SumAxes.of(1), x, y)));
                assertTrue(e.getMessage().contains("shares memory with input 'x'"), e.getMessage());
                assertArrayClose(new double[] {4, -5, 6}, x.toDoubleArray(), 0);
            }
        }
    }
}
