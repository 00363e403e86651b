package org.cnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Size2d;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Conv2d;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The convolution's weight gradient at the edges of its GEMM over all pixels (the column matrix read in place by
 * the micro-kernel, one segment per output row): column rows and output channels just past a tile, groups, strides,
 * dilation, padding wider than the image, a single image and a single output row, more images than threads, blocks
 * that span images or end inside one; and its other paths (dot products for few taps, a GEMM per image for many
 * channels on narrow rows or few channels per group); against a double-precision loop, on one to three threads, with the vector and the
 * scalar kernel, and bit for bit the same on a second run.
 */
class Conv2dFilterTest {
    /** batch, channels, height, width, out channels, kernel h, kernel w, stride h, w, padding h, w, dilation h, w, groups. */
    record Geo(int n, int c, int h, int w, int k, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
            int groups) {
        @Override
        public String toString() {
            return "x [" + n + ", " + c + ", " + h + ", " + w + "], " + k + " out, " + kh + "x" + kw + ", stride (" + sh
                    + ", " + sw + "), padding (" + ph + ", " + pw + "), dilation (" + dh + ", " + dw + "), groups "
                    + groups;
        }
    }

    static List<Object[]> cases() {
        List<Geo> geos = List.of(
                // 51 column rows (past ten tiles of 5 and six of 8), 17 output channels (past a 16-wide tile)
                new Geo(3, 17, 9, 11, 17, 1, 3, 1, 1, 0, 1, 1, 1, 1),
                // the seed 002 CNN's 3x3 "same" layers, small
                new Geo(5, 8, 12, 12, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                // groups, each with channels past a tile
                new Geo(4, 12, 10, 9, 34, 3, 3, 1, 1, 1, 1, 1, 1, 2),
                // stride 2, odd sizes, rectangular kernel
                new Geo(3, 6, 15, 13, 20, 3, 5, 2, 2, 1, 2, 1, 1, 1),
                // stride 4 with an 11x11 kernel (AlexNet's first layer, small)
                new Geo(2, 3, 31, 35, 18, 11, 11, 4, 4, 0, 0, 1, 1, 1),
                // dilation 2, uneven strides
                new Geo(3, 7, 14, 16, 9, 3, 3, 1, 2, 2, 1, 2, 2, 1),
                // padding wider than the image: windows that read only padding
                new Geo(2, 5, 3, 4, 11, 3, 3, 1, 1, 4, 5, 1, 1, 1),
                // one image, one output row
                new Geo(1, 16, 3, 40, 7, 3, 3, 1, 1, 0, 1, 1, 1, 1),
                // more images than threads, LeNet-5's second layer
                new Geo(7, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1, 1),
                // pointwise, groups of one channel each (depthwise), few taps
                new Geo(3, 24, 9, 9, 24, 1, 1, 1, 1, 0, 0, 1, 1, 1),
                new Geo(3, 10, 9, 9, 20, 3, 3, 1, 1, 1, 1, 1, 1, 10),
                // one image with output rows wider than a depth block: blocks of one row
                new Geo(1, 4, 20, 300, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                // many channels on narrow rows, or groups of few channels: a GEMM per image on the vector path
                new Geo(3, 6, 6, 6, 256, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                new Geo(3, 16, 8, 8, 16, 3, 3, 1, 1, 1, 1, 1, 1, 2));
        List<Object[]> out = new ArrayList<>();
        for (Geo g : geos) {
            for (int threads : new int[] {1, 2, 3}) {
                out.add(new Object[] {g, threads, false});
                if (CpuBackend.vectorModulePresent()) {
                    out.add(new Object[] {g, threads, true});
                }
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}, {1} thread(s), vector {2}")
    @MethodSource("cases")
    void weightGradientMatchesADoubleLoopAndRepeatsBitForBit(Geo g, int threads, boolean vector) {
        SplittableRandom r = new SplittableRandom(g.hashCode());
        int cg = g.c / g.groups;
        int kg = g.k / g.groups;
        int oh = (g.h + 2 * g.ph - g.dh * (g.kh - 1) - 1) / g.sh + 1;
        int ow = (g.w + 2 * g.pw - g.dw * (g.kw - 1) - 1) / g.sw + 1;
        float[] x = SgemmTest.random(r, g.n * g.c * g.h * g.w);
        float[] dy = SgemmTest.random(r, g.n * g.k * oh * ow);
        Conv2d conv = new Conv2d(Size2d.of(g.sh, g.sw), Size2d.of(g.ph, g.pw), Size2d.of(g.dh, g.dw), g.groups);
        float[][] runs = new float[2][];
        float[][] biases = new float[2][];
        try (CpuBackend be = new CpuBackend(new CpuBackend.Config(threads, vector));
                Tensor tx = be.fromArray(Shape.of(g.n, g.c, g.h, g.w), x);
                Tensor tdy = be.fromArray(Shape.of(g.n, g.k, oh, ow), dy);
                Tensor tdw = be.allocate(Shape.of(g.k, cg, g.kh, g.kw));
                Tensor tdb = be.allocate(Shape.of(g.k))) {
            for (int run = 0; run < 2; run++) {
                be.execute(new Conv2d.BackwardFilter(conv, tx, tdy, tdw, tdb));
                runs[run] = tdw.toFloatArray();
                biases[run] = tdb.toFloatArray();
            }
        }
        assertArrayEquals(runs[0], runs[1], "a second run gives other bits");
        assertArrayEquals(biases[0], biases[1], "a second run gives other bits (bias)");
        for (int k = 0; k < g.k; k++) {
            int gi = k / kg;
            for (int c = 0; c < cg; c++) {
                for (int i = 0; i < g.kh; i++) {
                    for (int j = 0; j < g.kw; j++) {
                        double s = 0;
                        double abs = 0;
                        for (int n = 0; n < g.n; n++) {
                            for (int y = 0; y < oh; y++) {
                                int ih = y * g.sh - g.ph + i * g.dh;
                                if (ih < 0 || ih >= g.h) {
                                    continue;
                                }
                                for (int z = 0; z < ow; z++) {
                                    int iw = z * g.sw - g.pw + j * g.dw;
                                    if (iw < 0 || iw >= g.w) {
                                        continue;
                                    }
                                    double p = (double) dy[((n * g.k + k) * oh + y) * ow + z]
                                            * x[((n * g.c + gi * cg + c) * g.h + ih) * g.w + iw];
                                    s += p;
                                    abs += Math.abs(p);
                                }
                            }
                        }
                        int e = ((k * cg + c) * g.kh + i) * g.kw + j;
                        assertEquals(s, runs[0][e], 1e-5 * abs + 1e-6,
                                "dWeight[" + k + ", " + c + ", " + i + ", " + j + "] of " + g);
                    }
                }
            }
            double b = 0;
            for (int n = 0; n < g.n; n++) {
                for (int q = 0; q < oh * ow; q++) {
                    b += dy[(n * g.k + k) * oh * ow + q];
                }
            }
            assertEquals(b, biases[0][k], 1e-5 * g.n * oh * ow + 1e-6, "dBias[" + k + "] of " + g);
        }
    }
}
