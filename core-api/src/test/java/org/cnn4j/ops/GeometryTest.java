package org.cnn4j.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Size2d;
import org.junit.jupiter.api.Test;

/**
 * {@link Conv2d.Geometry} and {@link Pool2d.Geometry}, the one derivation of a call's sizes every backend reads,
 * against PyTorch's output-size formulas (written here independently, as PyTorch's C++ writes them) on random
 * parameters with dilation, groups and ceil mode.
 */
class GeometryTest {
    private static final int TRIES = 20_000;

    /** {@code torch.nn.Conv2d}'s documented output size. */
    private static int torchConv(int in, int k, int s, int p, int d) {
        return Math.floorDiv(in + 2 * p - d * (k - 1) - 1, s) + 1;
    }

    /** ATen's {@code pooling_output_shape} (pytorch/aten/src/ATen/native/Pool.h). */
    private static int torchPool(int in, int k, int s, int p, int d, boolean ceil) {
        int out = Math.floorDiv(in + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0), s) + 1;
        if (ceil && (out - 1) * s >= in + p) {
            out--;
        }
        return out;
    }

    @Test
    void convolutionGeometryIsPyTorchs() {
        Random r = new Random(20261207);
        int valid = 0;
        for (int t = 0; t < TRIES; t++) {
            int groups = 1 + r.nextInt(4);
            int cg = 1 + r.nextInt(4);
            int kg = 1 + r.nextInt(4);
            Size2d kernel = Size2d.of(1 + r.nextInt(7), 1 + r.nextInt(7));
            Size2d stride = Size2d.of(1 + r.nextInt(4), 1 + r.nextInt(4));
            Size2d padding = Size2d.of(r.nextInt(4), r.nextInt(4));
            Size2d dilation = Size2d.of(1 + r.nextInt(3), 1 + r.nextInt(3));
            Shape x = Shape.of(1 + r.nextInt(3), groups * cg, 1 + r.nextInt(20), 1 + r.nextInt(20));
            Shape w = Shape.of(groups * kg, cg, kernel.h(), kernel.w());
            Conv2d conv = new Conv2d(stride, padding, dilation, groups);
            int oh = torchConv(x.dim(2), kernel.h(), stride.h(), padding.h(), dilation.h());
            int ow = torchConv(x.dim(3), kernel.w(), stride.w(), padding.w(), dilation.w());
            if (oh < 1 || ow < 1) {
                // PyTorch: "Kernel size can't be greater than actual input size"
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> conv.geometry(x, w));
                assertTrue(e.getMessage().contains("larger than the padded input") && e.getMessage().contains("" + x),
                        e.getMessage());
                continue;
            }
            valid++;
            Conv2d.Geometry g = conv.geometry(x, w);
            String what = conv + " x " + x + " w " + w;
            assertEquals(Shape.of(x.dim(0), groups * kg, oh, ow), g.outputShape(), what);
            assertEquals(x, g.inputShape(), what);
            assertEquals(w, g.weightShape(), what);
            assertEquals(conv, g.conv(), what);
            assertEquals(cg, g.inPerGroup(), what);
            assertEquals(kg, g.outPerGroup(), what);
            assertEquals(cg * kernel.h() * kernel.w(), g.colRows(), what);
            assertEquals(oh * ow, g.colCols(), what);
            assertEquals((long) x.dim(0) * groups * kg * oh * ow * cg * kernel.h() * kernel.w(), g.macs(), what);
            assertEquals(g, new Conv2d.Geometry(g.batch(), g.inChannels(), g.inH(), g.inW(), g.outChannels(),
                    g.kernelH(), g.kernelW(), g.outH(), g.outW(), g.strideH(), g.strideW(), g.paddingH(), g.paddingW(),
                    g.dilationH(), g.dilationW(), g.groups()), what);
            // the smallest input that fits the kernel has an output, one less has none
            Size2d min = conv.smallestInput(kernel);
            assertTrue(torchConv(min.h(), kernel.h(), stride.h(), padding.h(), dilation.h()) >= 1, what);
            assertTrue(torchConv(min.w(), kernel.w(), stride.w(), padding.w(), dilation.w()) >= 1, what);
            assertTrue(min.h() == 1 || torchConv(min.h() - 1, kernel.h(), stride.h(), padding.h(), dilation.h()) < 1,
                    what);
            assertTrue(min.w() == 1 || torchConv(min.w() - 1, kernel.w(), stride.w(), padding.w(), dilation.w()) < 1,
                    what);
        }
        assertTrue(valid > TRIES / 4, "too few valid draws: " + valid);
    }

    @Test
    void poolingGeometryIsPyTorchs() {
        Random r = new Random(7);
        int valid = 0;
        int ceilDiffers = 0;
        for (int t = 0; t < TRIES; t++) {
            boolean max = r.nextBoolean();
            Size2d kernel = Size2d.of(1 + r.nextInt(6), 1 + r.nextInt(6));
            Size2d stride = Size2d.of(1 + r.nextInt(4), 1 + r.nextInt(4));
            Size2d padding = Size2d.of(r.nextInt(kernel.h() / 2 + 1), r.nextInt(kernel.w() / 2 + 1));
            Size2d dilation = max ? Size2d.of(1 + r.nextInt(3), 1 + r.nextInt(3)) : Size2d.of(1);
            boolean ceil = r.nextBoolean();
            boolean include = r.nextBoolean();
            Pool2d pool = new Pool2d(max ? Pool2d.Mode.MAX : Pool2d.Mode.AVG, kernel, stride, padding, ceil, include,
                    dilation);
            Shape x = Shape.of(1 + r.nextInt(3), 1 + r.nextInt(4), 1 + r.nextInt(20), 1 + r.nextInt(20));
            int oh = torchPool(x.dim(2), kernel.h(), stride.h(), padding.h(), dilation.h(), ceil);
            int ow = torchPool(x.dim(3), kernel.w(), stride.w(), padding.w(), dilation.w(), ceil);
            String what = pool + " x " + x;
            if (x.dim(2) + 2 * padding.h() < dilation.h() * (kernel.h() - 1) + 1
                    || x.dim(3) + 2 * padding.w() < dilation.w() * (kernel.w() - 1) + 1) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.geometry(x),
                        what);
                assertTrue(e.getMessage().contains("kernel") && e.getMessage().contains("" + x), e.getMessage());
                continue;
            }
            valid++;
            Pool2d.Geometry g = pool.geometry(x);
            assertEquals(Shape.of(x.dim(0), x.dim(1), oh, ow), g.outputShape(), what);
            assertEquals(x, g.inputShape(), what);
            assertEquals(pool, g.pool(), what);
            assertEquals(x.dim(0) * x.dim(1), g.planes(), what);
            assertEquals(pool.dilated(), g.dilated(), what);
            boolean floorShaped = oh == torchPool(x.dim(2), kernel.h(), stride.h(), padding.h(), dilation.h(), false)
                    && ow == torchPool(x.dim(3), kernel.w(), stride.w(), padding.w(), dilation.w(), false);
            assertEquals(floorShaped, g.floorShaped(), what);
            ceilDiffers += floorShaped ? 0 : 1;
            assertEquals(g, new Pool2d.Geometry(g.mode(), g.batch(), g.channels(), g.inH(), g.inW(), g.outH(),
                    g.outW(), g.kernelH(), g.kernelW(), g.strideH(), g.strideW(), g.paddingH(), g.paddingW(),
                    g.dilationH(), g.dilationW(), g.ceilMode(), g.countIncludePad()), what);
            Size2d min = pool.smallestInput();
            assertTrue(torchPool(min.h(), kernel.h(), stride.h(), padding.h(), dilation.h(), ceil) >= 1, what);
            assertTrue(min.h() == 1
                    || min.h() - 1 + 2 * padding.h() < dilation.h() * (kernel.h() - 1) + 1, what);
        }
        assertTrue(valid > TRIES / 4, "too few valid draws: " + valid);
        assertTrue(ceilDiffers > 100, "ceil mode rarely changed the output: " + ceilDiffers);
    }

    /**
     * Every component of the descriptor is in its geometry, under its own name ({@code groups}, {@code ceilMode})
     * or, for a {@link Size2d}, as {@code nameH} and {@code nameW} with the same values: a parameter added to
     * {@link Conv2d} or {@link Pool2d} but not to the geometry the backends read fails here.
     */
    @Test
    void everyDescriptorComponentIsInTheGeometry() throws ReflectiveOperationException {
        Conv2d conv = new Conv2d(Size2d.of(2, 3), Size2d.of(1, 2), Size2d.of(2, 1), 2);
        carries(conv, conv.geometry(Shape.of(1, 4, 20, 21), Shape.of(6, 2, 3, 4)));
        Pool2d pool = new Pool2d(Pool2d.Mode.MAX, Size2d.of(3, 2), Size2d.of(2, 1), Size2d.of(1, 0), true, false,
                Size2d.of(2, 3));
        carries(pool, pool.geometry(Shape.of(2, 3, 11, 12)));
    }

    /** A descriptor with one more component than its geometry carries (here a padding mode). */
    private record WiderConv2d(Size2d stride, Size2d padding, Size2d dilation, int groups, String paddingMode) {
    }

    @Test
    void theComponentCheckCatchesAParameterTheGeometryLacks() {
        Conv2d.Geometry g = Conv2d.of(1, 1).geometry(Shape.of(1, 1, 5, 5), Shape.of(1, 1, 3, 3));
        org.opentest4j.AssertionFailedError e = assertThrows(org.opentest4j.AssertionFailedError.class,
                () -> carries(new WiderConv2d(Size2d.of(1), Size2d.of(1), Size2d.of(1), 1, "reflect"), g));
        assertTrue(e.getMessage().contains("WiderConv2d.paddingMode"), e.getMessage());
        // and one whose value the geometry does not hold
        assertThrows(org.opentest4j.AssertionFailedError.class, () -> carries(Conv2d.of(1, 2), g));
    }

    private static void carries(Record descriptor, Record geometry) throws ReflectiveOperationException {
        Map<String, Object> g = new java.util.HashMap<>();
        for (RecordComponent c : geometry.getClass().getRecordComponents()) {
            g.put(c.getName(), c.getAccessor().invoke(geometry));
        }
        for (RecordComponent c : descriptor.getClass().getRecordComponents()) {
            Object v = c.getAccessor().invoke(descriptor);
            String what = descriptor.getClass().getSimpleName() + "." + c.getName() + " in " + geometry.getClass()
                    .getName() + " " + Arrays.stream(geometry.getClass().getRecordComponents())
                            .map(RecordComponent::getName).collect(Collectors.joining(", "));
            if (v instanceof Size2d size) {
                assertEquals(size.h(), g.get(c.getName() + "H"), what);
                assertEquals(size.w(), g.get(c.getName() + "W"), what);
            } else {
                assertTrue(g.containsKey(c.getName()), what);
                assertEquals(v, g.get(c.getName()), what);
            }
        }
    }

    @Test
    void aGeometryThatIsNotAConvolutionsIsRejected() {
        Conv2d.Geometry g = Conv2d.of(1, 1).geometry(Shape.of(2, 4, 5, 5), Shape.of(6, 4, 3, 3));
        assertEquals(5, g.outH());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Conv2d.Geometry(2, 4, 5, 5, 6, 3, 3, 4, 5, 1, 1, 1, 1, 1, 1, 1));
        assertTrue(e.getMessage().startsWith("Conv2d.Geometry: inconsistent sizes"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new Conv2d.Geometry(2, 4, 5, 5, 6, 3, 3, 5, 5, 1, 1, 1, 1, 1, 1, 3));
        assertThrows(IllegalArgumentException.class,
                () -> new Pool2d.Geometry(Pool2d.Mode.AVG, 1, 1, 5, 5, 2, 2, 2, 2, 2, 2, 0, 0, 2, 1, false, true));
        assertThrows(IllegalArgumentException.class,
                () -> new Pool2d.Geometry(Pool2d.Mode.MAX, 1, 1, 5, 5, 3, 3, 2, 2, 2, 2, 0, 0, 1, 1, false, true));
        assertEquals(Shape.of(1, 1, 3, 3),
                new Pool2d.Geometry(Pool2d.Mode.MAX, 1, 1, 5, 5, 3, 3, 2, 2, 2, 2, 0, 0, 1, 1, true, true)
                        .outputShape());
    }
}
