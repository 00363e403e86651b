package org.cnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.cnn4j.backend.reference.ReferenceBackend;
import org.cnn4j.check.Tolerances;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Conv2d;
import org.junit.jupiter.api.Test;

/**
 * The Winograd F(2x2, 3x3) convolution ({@link Conv2dWinograd}) against the reference and against im2col + GEMM
 * on random 3x3 stride-1 geometries (odd and even sizes, padding 0 to 2, channel counts past the micro-kernel's
 * tiles, several blocks of tiles): forward and backward data (a forward of dy with the flipped filters), on the
 * vector and the scalar kernels; the same bits at one and two threads; the flag turns it off.
 */
class Conv2dWinogradTest {
    private static final Tolerances.Tolerance TOL = Tolerances.CONTRACTION;

    private record Case(int n, int c, int h, int w, int k, int pad, boolean bias) {
        Conv2d conv() {
            return Conv2d.of(1, pad);
        }

        Conv2d.Geometry geometry() {
            return conv().geometry(Shape.of(n, c, h, w), Shape.of(k, c, 3, 3));
        }
    }

    private static Case draw(SplittableRandom r) {
        int pad = r.nextInt(3);
        int h = r.nextInt(Math.max(1, 3 - 2 * pad), 20);
        int w = r.nextInt(Math.max(1, 3 - 2 * pad), 20);
        return new Case(r.nextInt(1, 4), r.nextInt(8, 41), h, w, r.nextInt(8, 41), pad, r.nextBoolean());
    }

    private static float[] random(SplittableRandom r, int size, double scale) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) r.nextDouble(-scale, scale);
        }
        return a;
    }

    /** y (forward) or dx (backward data, when {@code backward}) of case {@code k} on {@code be}. */
    private static float[] run(Backend be, Case k, boolean backward, float[] in, float[] w, float[] bias) {
        Conv2d.Geometry g = k.geometry();
        Shape xs = Shape.of(k.n(), k.c(), k.h(), k.w());
        Shape ws = Shape.of(k.k(), k.c(), 3, 3);
        try (Tensor tw = be.fromArray(ws, w)) {
            if (backward) {
                try (Tensor dy = be.fromArray(g.outputShape(), in); Tensor dx = be.allocate(xs)) {
                    be.execute(new Conv2d.BackwardData(k.conv(), dy, tw, dx));
                    return dx.toFloatArray();
                }
            }
            try (Tensor x = be.fromArray(xs, in); Tensor y = be.allocate(g.outputShape());
                    Tensor b = bias == null ? null : be.fromArray(Shape.of(k.k()), bias)) {
                be.execute(new Conv2d.Forward(k.conv(), x, tw, b, y));
                return y.toFloatArray();
            }
        }
    }

    /** ||out - ref|| / ||ref||, after checking every element against the conformance bound. */
    private static double check(String what, float[] out, float[] ref) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = out[i] - (double) ref[i];
            assertTrue(Math.abs(d) <= TOL.bound(ref[i]), what + ": element " + i + " is " + out[i] + ", reference "
                    + ref[i]);
            num += d * d;
            den += (double) ref[i] * ref[i];
        }
        double rel = Math.sqrt(num / Math.max(den, 1e-30));
        assertTrue(rel <= TOL.relL2() + TOL.atol() * Math.sqrt(ref.length) / Math.sqrt(Math.max(den, 1e-30)),
                what + ": relative L2 error " + rel);
        return rel;
    }

    @Test
    void matchesTheReferenceAndIm2colForwardAndBackwardData() {
        SplittableRandom r = new SplittableRandom(20261207);
        double worstWinograd = 0;
        double worstIm2col = 0;
        try (ReferenceBackend ref = new ReferenceBackend();
                CpuBackend on = new CpuBackend(new CpuBackend.Config(2, true, true, true));
                CpuBackend off = new CpuBackend(new CpuBackend.Config(2, true, true, false));
                CpuBackend scalar = new CpuBackend(new CpuBackend.Config(1, false, true, true));
                CpuBackend one = new CpuBackend(new CpuBackend.Config(1, true, true, true))) {
            for (int i = 0; i < 40; i++) {
                Case k = draw(r);
                Conv2d.Geometry g = k.geometry();
                assertTrue(Conv2dWinograd.applies(on, g), k.toString());
                assertFalse(Conv2dWinograd.applies(off, g), k.toString());
                float[] w = random(r, k.k() * k.c() * 9, 1 / Math.sqrt(9.0 * k.c()));
                float[] bias = k.bias() ? random(r, k.k(), 1) : null;
                for (boolean backward : new boolean[] {false, true}) {
                    if (backward) {
                        assertTrue(Conv2dWinograd.applies(on, Conv2dCpu.asForward(g)), k.toString());
                    }
                    float[] in = random(r, backward ? g.outputShape().size() : g.inputShape().size(), 1);
                    float[] expected = run(ref, k, backward, in, w, bias);
                    String what = k + (backward ? " backward data" : " forward");
                    float[] y = run(on, k, backward, in, w, bias);
                    worstWinograd = Math.max(worstWinograd, check(what + ", Winograd", y, expected));
                    worstIm2col = Math.max(worstIm2col, check(what + ", im2col",
                            run(off, k, backward, in, w, bias), expected));
                    check(what + ", Winograd on the scalar kernel", run(scalar, k, backward, in, w, bias), expected);
                    assertArrayEquals(y, run(one, k, backward, in, w, bias), what + ": one thread against two");
                }
            }
        }
        // F(2x2, 3x3)'s transforms add a few roundings to the product's: within a small factor of im2col's error
        assertTrue(worstWinograd <= 8 * worstIm2col + 1e-7, "Winograd " + worstWinograd + ", im2col "
                + worstIm2col);
    }

    @Test
    void theFlagTurnsItOff() {
        String before = System.getProperty(CpuBackend.WINOGRAD_PROPERTY);
        try {
            System.setProperty(CpuBackend.WINOGRAD_PROPERTY, "false");
            assertFalse(CpuBackend.Config.fromSystemProperties().winograd());
            System.clearProperty(CpuBackend.WINOGRAD_PROPERTY);
            assertTrue(CpuBackend.Config.fromSystemProperties().winograd());
        } finally {
            if (before == null) {
                System.clearProperty(CpuBackend.WINOGRAD_PROPERTY);
            } else {
                System.setProperty(CpuBackend.WINOGRAD_PROPERTY, before);
            }
        }
        assertEquals(new CpuBackend.Config(2, true, true, true), new CpuBackend.Config(2, true));
        try (CpuBackend off = new CpuBackend(new CpuBackend.Config(2, true, true, false))) {
            assertTrue(off.device().contains("Winograd convolution disabled"), off.device());
        }
    }

    @Test
    void leavesOtherGeometriesToIm2col() {
        try (CpuBackend be = new CpuBackend(new CpuBackend.Config(2, true))) {
            Shape x = Shape.of(2, 16, 10, 10);
            assertTrue(Conv2dWinograd.applies(be, Conv2d.of(1, 1).geometry(x, Shape.of(16, 16, 3, 3))));
            assertFalse(Conv2dWinograd.applies(be, Conv2d.of(2, 1).geometry(x, Shape.of(16, 16, 3, 3))));
            assertFalse(Conv2dWinograd.applies(be, Conv2d.of(1, 2).geometry(x, Shape.of(16, 16, 5, 5))));
            assertFalse(Conv2dWinograd.applies(be, Conv2d.of(1, 1).withGroups(2).geometry(x,
                    Shape.of(16, 8, 3, 3))));
            assertFalse(Conv2dWinograd.applies(be, Conv2d.of(1, 1).geometry(Shape.of(2, 7, 10, 10),
                    Shape.of(16, 7, 3, 3))));
            assertFalse(Conv2dWinograd.applies(be, Conv2d.of(1, 1).geometry(x, Shape.of(7, 16, 3, 3))));
        }
    }
}
