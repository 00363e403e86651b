package org.cnn4j.conformance;

import static org.cnn4j.conformance.Dist.symmetric;

import java.util.List;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Size2d;
import org.cnn4j.ops.Activation;
import org.cnn4j.ops.Adagrad;
import org.cnn4j.ops.Adam;
import org.cnn4j.ops.Add;
import org.cnn4j.ops.Axpy;
import org.cnn4j.ops.BatchNorm;
import org.cnn4j.ops.Concat;
import org.cnn4j.ops.Conv2d;
import org.cnn4j.ops.Copy;
import org.cnn4j.ops.Dropout;
import org.cnn4j.ops.Fill;
import org.cnn4j.ops.Gemm;
import org.cnn4j.ops.L2Penalty;
import org.cnn4j.ops.Loss;
import org.cnn4j.ops.Pool2d;
import org.cnn4j.ops.RmsProp;
import org.cnn4j.ops.Scale;
import org.cnn4j.ops.Sgd;
import org.cnn4j.ops.Softmax;
import org.cnn4j.ops.SumAxes;
import org.cnn4j.ops.Upsample;

/**
 * The split-sized sweep: named cases at the sizes where a backend changes how it divides the work, so that every
 * backend's blocked, tiled, split and tail paths run under the suite's one set of tolerances. The random samples
 * stay small (a few elements to a few hundred) and rarely reach these sizes. The thresholds crossed:
 * <ul>
 *   <li>cpu, threads: a loop is split over the workers when its items times their cost reach
 *       {@code CpuBackend.PARALLEL_THRESHOLD} (2^15), so element-wise calls of 33,000 elements and more, and
 *       convolutions, poolings, normalizations of a few images of 10^4 pixels;</li>
 *   <li>cpu, GEMM blocking: micro-tiles of 5 x 16 (256-bit vectors) and 8 x 32 (512-bit), depth blocks of
 *       {@code KC} = 256, row blocks of {@code MC} = 96, column blocks of {@code NC} = 4096, the dot-product path
 *       for M up to 16 (or up to 128 with K of 256 and more), B read directly for M up to 128; tails of 8- and
 *       16-lane vectors;</li>
 *   <li>cpu, convolution: the direct forward's blocks of 16 output channels and rows of 5 outputs, the forward
 *       over pixels' passes of 3 channels and steps of 24 outputs, Winograd's tiles and blocks of tiles, the
 *       weight gradient by dot products, im2col of full-width rows;</li>
 *   <li>portable kernels (OpenCL, CUDA): GEMM tiles of 64 x 64 with depth steps of 16, reductions in work-groups
 *       of 256 ({@code REDUCE_WG}), element-wise work-groups of 256.</li>
 * </ul>
 * Cases are named {@code split: ...}; {@code -Dcnn4j.conformance.filter=split:} runs only them. The reference pays
 * for each in double precision, once per backend configuration, so the largest stay near 10^7 multiply-adds.
 */
final class SplitSizes {
    /** The start of the parameters of every case here. */
    static final String PREFIX = "split: ";

    private SplitSizes() {
    }

    static void register(OpDatabase.Db db) {
        conv2d(db);
        pool2d(db);
        batchNorm(db);
        activations(db);
        softmax(db);
        dropout(db);
        linearAndGemm(db);
        losses(db);
        optimizers(db);
        elementwise(db);
        upsampleAndConcat(db);
    }

    // ---- convolution ----------------------------------------------------------------------------------------

    private record ConvCase(String why, OpDatabase.ConvGeom g) {
    }

    private static ConvCase c(String why, int n, int ch, int h, int w, int k, int kh, int kw, Conv2d conv,
            boolean bias) {
        return new ConvCase(why, OpDatabase.conv(conv, n, ch, h, w, k, kh, kw, bias));
    }

    private static Conv2d conv(int stride, int padding, int dilation, int groups) {
        return new Conv2d(Size2d.of(stride), Size2d.of(padding), Size2d.of(dilation), groups);
    }

    static void conv2d(OpDatabase.Db db) {
        List<ConvCase> cases = List.of(
                c("im2col + GEMM", 2, 3, 9, 11, 5, 3, 3, Conv2d.of(1, 1), true),
                c("strides (2, 3), groups 2", 3, 4, 13, 10, 6, 5, 3, new Conv2d(Size2d.of(2, 3), Size2d.of(2, 1),
                        Size2d.of(1), 2), true),
                c("dilation (2, 3), groups 3", 2, 6, 12, 12, 9, 3, 3, new Conv2d(Size2d.of(1), Size2d.of(2),
                        Size2d.of(2, 3), 3), false),
                c("pointwise, 16 outputs", 4, 8, 7, 7, 16, 1, 1, Conv2d.of(1, 0), true),
                c("pointwise, stride 2", 1, 5, 6, 6, 4, 1, 1, Conv2d.of(2, 0), true),
                c("kernel = input", 1, 3, 5, 5, 2, 5, 5, Conv2d.of(1, 0), true),
                c("stride 5 > kernel", 2, 3, 4, 4, 2, 2, 2, Conv2d.of(5, 1), false),
                c("threads: 2 images x 32 channels", 2, 16, 16, 16, 32, 3, 3, Conv2d.of(1, 1), true),
                c("48 outputs from 32 channels", 1, 32, 20, 20, 48, 3, 3, Conv2d.of(1, 1), true),
                c("AlexNet-like 11x11 stride 4", 2, 3, 35, 35, 24, 11, 11, Conv2d.of(4, 2), true),
                // the weight gradient by dot products: LeNet-5's layers, a pointwise one with rows of exactly two
                // vectors, a grouped one with an odd channel count per group
                c("dots: LeNet-5 C1", 9, 1, 28, 28, 6, 5, 5, Conv2d.of(1, 2), true),
                c("dots: LeNet-5 C3", 5, 6, 14, 14, 16, 5, 5, Conv2d.of(1, 0), true),
                c("dots: rows of two vectors", 3, 7, 4, 8, 3, 1, 1, Conv2d.of(1, 0), false),
                c("dots: 32 x 32 channels", 3, 32, 12, 12, 32, 3, 3, Conv2d.of(1, 1), true),
                c("dots: 5 channels per group", 3, 10, 11, 9, 10, 3, 2, conv(1, 1, 1, 2), true),
                // the direct forward (3 x 4 kernels: a 3x3 one with as many channels goes to Winograd): 32 outputs
                // (two full blocks), 20 (a padded block) with stride 2, padding and no bias, 16 with rows of exactly
                // five outputs, 12 with rows of six (the last step overlapping); and just past its bounds (33
                // outputs, 11, rows of 4, 63 and 264 taps, dilation, groups)
                c("direct: two blocks", 2, 8, 9, 9, 32, 3, 4, Conv2d.of(1, 1), true),
                c("direct: a padded block, stride 2", 2, 3, 11, 13, 20, 5, 5, Conv2d.of(2, 1), false),
                c("direct: rows of six", 2, 8, 6, 7, 12, 3, 4, Conv2d.of(1, 1), true),
                c("direct: rows of five", 2, 4, 7, 9, 16, 4, 5, Conv2d.of(1, 0), true),
                c("direct: 33 outputs", 2, 8, 8, 8, 33, 3, 4, Conv2d.of(1, 1), true),
                c("direct: 11 outputs", 2, 8, 8, 8, 11, 3, 4, Conv2d.of(1, 1), true),
                c("direct: rows of four", 2, 8, 8, 7, 16, 3, 4, Conv2d.of(1, 0), true),
                c("direct: 63 taps", 2, 7, 8, 8, 16, 3, 3, Conv2d.of(1, 1), true),
                c("direct: 264 taps", 1, 22, 8, 8, 16, 3, 4, Conv2d.of(1, 1), true),
                // the forward over pixels (6 outputs or fewer, stride 1): LeNet-5's first layer (two passes of three
                // channels), four outputs with a 3x2 kernel (a part-used pass), one output over eight columns, and
                // LeNet-5's second layer, whose backward data is such a forward of dy (six outputs, 16 channels)
                c("pixels: LeNet-5 C1", 3, 1, 28, 28, 6, 5, 5, Conv2d.of(1, 2), true),
                c("pixels: 4 outputs, 3x2 kernel", 2, 5, 9, 13, 4, 3, 2, Conv2d.of(1, 1), false),
                c("pixels: one output, eight columns", 2, 3, 6, 10, 1, 3, 3, Conv2d.of(1, 0), true),
                c("pixels: backward data of LeNet-5 C3", 3, 6, 14, 14, 16, 5, 5, Conv2d.of(1, 0), true),
                // Winograd F(2x2, 3x3) (3x3, stride 1, 8 channels or more): odd outputs (tiles past the edge),
                // padding 0 and 2, the fewest channels, output channels past a micro-kernel tile, more tiles than
                // a block (several blocks and a short last one), a single tile
                c("winograd: odd outputs", 3, 8, 9, 7, 8, 3, 3, Conv2d.of(1, 1), true),
                c("winograd: padding 0", 2, 9, 10, 11, 13, 3, 3, Conv2d.of(1, 0), false),
                c("winograd: padding 2", 2, 12, 5, 6, 17, 3, 3, Conv2d.of(1, 2), true),
                c("winograd: 37 outputs, blocks", 3, 33, 14, 13, 37, 3, 3, Conv2d.of(1, 1), true),
                c("winograd: one tile", 1, 8, 3, 4, 8, 3, 3, Conv2d.of(1, 0), true),
                c("direct: dilation 2", 2, 8, 9, 9, 16, 3, 3, conv(1, 2, 2, 1), true),
                c("direct: groups 2", 2, 8, 9, 9, 16, 3, 3, conv(1, 1, 1, 2), true),
                // im2col of full-width rows (stride 1, output as wide as the input) where the shift passes the row
                c("full-width rows, width 1", 2, 2, 5, 1, 3, 3, 3, Conv2d.of(1, 1), true),
                c("full-width rows, 5x5 kernel", 2, 2, 3, 2, 3, 5, 5, Conv2d.of(1, 2), false),
                c("full-width rows, dilation (2, 1)", 2, 3, 6, 7, 4, 3, 5, new Conv2d(Size2d.of(1), Size2d.of(3, 2),
                        Size2d.of(2, 1), 1), true),
                // the portable kernels' GEMM tiles (64) and work-groups: stride (s, s - 1), dilation, groups
                c("portable: 1x1 image", 1, 1, 5, 5, 1, 3, 3, Conv2d.of(1, 0), true),
                c("portable: 3x2 kernel", 2, 3, 11, 9, 5, 3, 2, Conv2d.of(1, 1), true),
                c("portable: stride (2, 1), groups 2", 3, 4, 13, 13, 6, 3, 3, new Conv2d(Size2d.of(2, 1),
                        Size2d.of(1), Size2d.of(1), 2), true),
                c("portable: stride (3, 2), dilation 2, groups 2", 2, 6, 9, 10, 4, 2, 3, new Conv2d(Size2d.of(3, 2),
                        Size2d.of(0), Size2d.of(2), 2), true),
                c("portable: pointwise stride (4, 3)", 2, 3, 8, 8, 4, 1, 1, new Conv2d(Size2d.of(4, 3), Size2d.of(0),
                        Size2d.of(1), 1), true),
                c("portable: 5x5, padding 2", 1, 2, 7, 12, 3, 5, 5, Conv2d.of(1, 2), true),
                c("portable: 784 columns per image (GEMM tiles)", 4, 3, 32, 32, 16, 5, 5, Conv2d.of(1, 0), true),
                c("portable: groups 4 of one channel", 2, 4, 10, 10, 4, 3, 3, conv(1, 1, 1, 4), true),
                // chunks of columns (OpenCL's colLimitFloats, which OpenClConformanceTest lowers): five images, a
                // short last chunk
                c("chunks: five images, groups 2", 5, 4, 9, 7, 6, 3, 2, new Conv2d(Size2d.of(2, 1), Size2d.of(1),
                        Size2d.of(1), 2), true));
        for (ConvCase k : cases) {
            String p = k.why() + ": " + k.g();
            db.split("Conv2d.Forward", p, OpDatabase.convForward(k.g()));
            db.split("Conv2d.BackwardData", p, OpDatabase.convBackwardData(k.g()));
            db.split("Conv2d.BackwardFilter", p, OpDatabase.convBackwardFilter(k.g()));
        }
    }

    // ---- pooling --------------------------------------------------------------------------------------------

    static void pool2d(OpDatabase.Db db) {
        List<Pool2d> pools = List.of(Pool2d.max(2, 2), Pool2d.max(3, 2), Pool2d.avg(2, 2), Pool2d.avg(3, 2),
                Pool2d.max(3, 2).withPadding(Size2d.of(1)).withCeilMode(true),
                Pool2d.avg(3, 2).withPadding(Size2d.of(1)).withCeilMode(true),
                Pool2d.avg(3, 2).withPadding(Size2d.of(1)).withCountIncludePad(false).withCeilMode(true),
                new Pool2d(Pool2d.Mode.MAX, Size2d.of(2, 3), Size2d.of(3, 1), Size2d.of(1), false, true),
                new Pool2d(Pool2d.Mode.AVG, Size2d.of(4, 2), Size2d.of(1, 3), Size2d.of(2, 1), true, false),
                Pool2d.max(3, 2).withPadding(Size2d.of(1)).withDilation(Size2d.of(2)),
                Pool2d.max(3, 2).withPadding(Size2d.of(1)).withDilation(Size2d.of(2)).withCeilMode(true),
                new Pool2d(Pool2d.Mode.MAX, Size2d.of(2, 3), Size2d.of(1, 2), Size2d.of(1, 0), true, true,
                        Size2d.of(3, 2)));
        // odd sizes (partial windows at the edges) for each; 16 channels of 28 x 28 in 4 images (split over threads)
        // for one of each kind
        List<Pool2d> large = List.of(pools.get(1), pools.get(6), pools.get(8), pools.get(11));
        for (Pool2d p : pools) {
            for (Shape x : large.contains(p) ? List.of(Shape.of(2, 3, 9, 11), Shape.of(4, 16, 28, 28))
                    : List.of(Shape.of(2, 3, 9, 11))) {
                String name = OpDatabase.describe(p, x);
                db.split("Pool2d.Forward", name, OpDatabase.poolForward(p, x, symmetric()));
                db.split("Pool2d.Backward", name, OpDatabase.poolBackward(p, x, symmetric()));
            }
        }
        // the portable kernels on 11 x 8 and 13 x 12 images: windows 2 to 5, strides 1 to 3, dilations 2 to 4
        List<Pool2d> portable = List.of(new Pool2d(Pool2d.Mode.MAX, Size2d.of(3), Size2d.of(3), Size2d.of(0), true,
                true), new Pool2d(Pool2d.Mode.AVG, Size2d.of(5), Size2d.of(1), Size2d.of(2), false, false),
                new Pool2d(Pool2d.Mode.MAX, Size2d.of(2), Size2d.of(3), Size2d.of(1), true, true));
        for (Pool2d p : portable) {
            Shape x = Shape.of(2, 3, 11, 8);
            db.split("Pool2d.Forward", OpDatabase.describe(p, x), OpDatabase.poolForward(p, x, symmetric()));
            db.split("Pool2d.Backward", OpDatabase.describe(p, x), OpDatabase.poolBackward(p, x, symmetric()));
        }
        // window, stride, padding, dilation, ceil mode
        for (int[] k : new int[][] {{3, 2, 1, 2, 0}, {3, 2, 1, 2, 1}, {2, 1, 1, 3, 1}, {2, 3, 0, 4, 1}}) {
            Pool2d p = new Pool2d(Pool2d.Mode.MAX, Size2d.of(k[0]), Size2d.of(k[1]), Size2d.of(k[2]), k[4] == 1, true,
                    Size2d.of(k[3], k[3] == 2 ? 3 : k[3]));
            Shape x = Shape.of(2, 3, 13, 12);
            db.split("Pool2d.Forward", OpDatabase.describe(p, x), OpDatabase.poolForward(p, x, symmetric()));
            db.split("Pool2d.Backward", OpDatabase.describe(p, x), OpDatabase.poolBackward(p, x, symmetric()));
        }
        // NaN and ties in one window
        Pool2d overlapping = new Pool2d(Pool2d.Mode.MAX, Size2d.of(2), Size2d.of(1), Size2d.of(0), false, true);
        Shape x = Shape.of(1, 1, 3, 3);
        Dist nanAndTies = (out, shape, r) -> System.arraycopy(new double[] {1, 1, 0, Double.NaN, 2, Double.NaN, 2,
                2, 1}, 0, out, 0, 9);
        db.edge("Pool2d.Forward", "NaN and ties in overlapping windows: " + OpDatabase.describe(overlapping, x),
                OpDatabase.poolForward(overlapping, x, nanAndTies));
        db.edge("Pool2d.Backward", "NaN and ties in overlapping windows: " + OpDatabase.describe(overlapping, x),
                OpDatabase.poolBackward(overlapping, x, nanAndTies));
    }

    // ---- batch normalization --------------------------------------------------------------------------------

    static void batchNorm(OpDatabase.Db db) {
        BatchNorm bn = BatchNorm.defaults();
        // 2 288 values per channel (nine work-groups of 256), 36 864 values (split over threads), odd sizes
        for (Shape x : List.of(Shape.of(5, 3), Shape.of(4, 3), Shape.of(2, 3, 5, 7), Shape.of(2, 5, 7, 9),
                Shape.of(1, 3, 2, 2), Shape.of(16, 7, 13, 11), Shape.of(8, 32, 12, 12))) {
            String p = "x" + x + " " + bn;
            Dist offset = Dist.uniform(2, 5).channelOffsets(1);
            db.split("BatchNorm.ForwardTraining", p, OpDatabase.bnTraining(bn, x, offset));
            db.split("BatchNorm.ForwardInference", p, OpDatabase.bnInference(bn, x, OpDatabase.BN_X));
            db.split("BatchNorm.Backward", p, OpDatabase.bnBackward(bn, x, OpDatabase.BN_X));
            db.split("BatchNorm.BackwardInference", p, OpDatabase.bnBackwardInference(bn, x, OpDatabase.BN_X,
                    Dist.uniform(-0.5, 0.5), OpDatabase.VARIANCE));
        }
        Shape one = Shape.of(1, 3);
        db.split("BatchNorm.BackwardInference", "one row: x" + one + " " + bn, OpDatabase.bnBackwardInference(bn,
                one, OpDatabase.BN_X, Dist.uniform(-0.5, 0.5), OpDatabase.VARIANCE));
    }

    // ---- activations, PReLU ---------------------------------------------------------------------------------

    static void activations(OpDatabase.Db db) {
        // a vector tail (7, 105 elements) and 33 033 elements (split over threads, many work-groups)
        for (Activation a : List.of(Activation.relu(), Activation.leakyRelu(0.01), Activation.leakyRelu(0.07),
                Activation.elu(1.3), Activation.sigmoid(), Activation.tanh())) {
            for (Shape s : a.alpha() == 0.07 ? List.of(Shape.of(3, 5, 7))
                    : List.of(Shape.of(7), Shape.of(3, 5, 7), Shape.of(33, 1001))) {
                Dist x = Dist.awayFromZero(1e-3, 3);
                db.split("Activation.Forward", a + " x" + s, OpDatabase.actForward(a, s, x));
                db.split("Activation.Backward", a + " x" + s, OpDatabase.actBackward(a, s, x));
            }
        }
        for (Shape x : List.of(Shape.of(9), Shape.of(3, 4), Shape.of(6, 7), Shape.of(4, 3, 5, 5),
                Shape.of(8, 16, 10, 10))) {
            for (boolean shared : new boolean[] {true, false}) {
                if (!shared && x.rank() < 2) {
                    continue;
                }
                int slopes = shared ? 1 : x.dim(1);
                String p = "x" + x + " slopes=" + slopes;
                db.split("Prelu.Forward", p, OpDatabase.preluForward(x, slopes));
                db.split("Prelu.Backward", p, OpDatabase.preluBackward(x, slopes, OpDatabase.AWAY_FROM_KINK));
            }
        }
    }

    // ---- softmax, dropout -----------------------------------------------------------------------------------

    static void softmax(OpDatabase.Db db) {
        // rows of 1 000 classes, 40 of them (split over threads; rows longer than a work-group), odd shapes
        for (Softmax sm : List.of(Softmax.softmax(), Softmax.logSoftmax())) {
            for (Shape s : List.of(Shape.of(1, 1), Shape.of(5, 10), Shape.of(2, 4, 3, 3), Shape.of(3, 7, 2, 5),
                    Shape.of(40, 1000))) {
                Dist logits = Dist.uniform(-10, 10);
                db.split("Softmax.Forward", sm + " x" + s, OpDatabase.softmaxForward(sm, s, logits));
                db.split("Softmax.Backward", sm + " x" + s, OpDatabase.softmaxBackward(sm, s, logits));
            }
        }
    }

    static void dropout(OpDatabase.Db db) {
        // 3 000 elements at every kind of rate, 33 033 (split over threads; the counter-based mask must not depend on
        // the split) at one
        for (Shape s : List.of(Shape.of(3, 1000), Shape.of(33, 1001))) {
            for (double p : s.size() > 5000 ? new double[] {0.3} : new double[] {0, 0.1, 0.5, 0.9, 1}) {
                Dropout d = new Dropout(p, 0x1234_5678_9ABCL + (long) (p * 10));
                db.split("Dropout.Forward", "x" + s + " " + d, ctx -> new Dropout.Forward(d, ctx.input("x", s,
                        symmetric()), ctx.output("y", s)));
                db.split("Dropout.Backward", "dy" + s + " " + d, ctx -> new Dropout.Backward(d, ctx.input("dy", s,
                        symmetric()), ctx.output("dx", s)));
            }
        }
    }

    // ---- linear, GEMM ---------------------------------------------------------------------------------------

    static void linearAndGemm(OpDatabase.Db db) {
        for (int[] l : new int[][] {{1, 1, 1}, {3, 7, 5}, {7, 33, 10}, {17, 129, 33}, {64, 120, 84},
                {64, 400, 120}}) {
            for (boolean bias : new boolean[] {true, false}) {
                String p = OpDatabase.linear(l[0], l[1], l[2], bias);
                db.split("Linear.Forward", p, OpDatabase.linearForward(l[0], l[1], l[2], bias));
                db.split("Linear.BackwardWeights", p, OpDatabase.linearBackwardWeights(l[0], l[1], l[2], bias));
            }
            db.split("Linear.BackwardData", OpDatabase.linear(l[0], l[1], l[2], false),
                    OpDatabase.linearBackwardData(l[0], l[1], l[2]));
        }
        // each transposition and scaling at 45 x 70 x 33 (several micro-tiles and tails)
        for (Gemm g : List.of(Gemm.plain(), new Gemm(true, false, 0.5, 0), new Gemm(false, true, 1, 2),
                new Gemm(true, true, -1, 0.5), new Gemm(false, false, 0, 3))) {
            gemm(db, "tiles and tails", g, 45, 70, 33);
        }
        // the portable kernels' 64 x 64 tiles and depth steps of 16: one past, one short, exactly, several
        gemm(db, "portable tiles", new Gemm(false, false, 1.5, 0), 1, 1, 1);
        gemm(db, "portable tiles", new Gemm(false, false, 1.5, 0), 65, 67, 33);
        gemm(db, "portable tiles", new Gemm(true, false, 1.5, 0.5), 70, 3, 129);
        gemm(db, "portable tiles", new Gemm(false, true, 1.5, 0), 5, 130, 17);
        gemm(db, "portable tiles", new Gemm(true, true, 1.5, -1), 64, 64, 64);
        gemm(db, "portable tiles", new Gemm(false, false, 1.5, 0), 130, 70, 300);
        gemm(db, "portable tiles", new Gemm(false, false, 1, 0), 63, 65, 15);
        // the cpu blocking: micro-tiles 5 x 16 and 8 x 32 (one short, one past), K past one depth block of 256,
        // M past a row block of 96 and past the dot-product and direct-B bounds of 128, M of 16 (dot products
        // always) and 17 with K of 256 (dot products for long depths), N past a column block of 4096
        gemm(db, "cpu micro-tiles", Gemm.plain(), 39, 31, 20);
        gemm(db, "cpu micro-tiles", Gemm.plain(), 41, 33, 20);
        gemm(db, "cpu micro-tiles", new Gemm(false, true, 1, 0), 41, 47, 9);
        gemm(db, "cpu depth blocks", Gemm.plain(), 20, 24, 257);
        gemm(db, "cpu depth blocks", new Gemm(true, false, 1, 1), 9, 40, 513);
        gemm(db, "cpu row blocks", Gemm.plain(), 97, 33, 40);
        gemm(db, "cpu row blocks", new Gemm(false, true, 1, 0), 129, 17, 300);
        gemm(db, "cpu dot products", Gemm.plain(), 16, 40, 100);
        gemm(db, "cpu dot products", Gemm.plain(), 17, 40, 256);
        gemm(db, "cpu dot products", Gemm.plain(), 128, 20, 256);
        gemm(db, "cpu column blocks", Gemm.plain(), 3, 4100, 5);
        gemm(db, "cpu column blocks", new Gemm(true, true, 1, 0), 7, 4099, 3);
    }

    private static void gemm(OpDatabase.Db db, String why, Gemm g, int m, int n, int k) {
        db.split("Gemm.Run", why + ": " + g + " M=" + m + " N=" + n + " K=" + k, OpDatabase.gemm(g, m, n, k));
    }

    // ---- losses, L2 penalty ---------------------------------------------------------------------------------

    static void losses(OpDatabase.Db db) {
        record L(Loss loss, Shape s, Dist input, Dist target) {
        }
        List<L> plain = List.of(
                new L(Loss.softmaxCrossEntropy(), Shape.of(16, 10), Dist.uniform(-3, 3), Dist.oneHot()),
                new L(Loss.softmaxCrossEntropy(), Shape.of(8, 10), Dist.uniform(-3, 3), Dist.probabilities()),
                new L(Loss.softmaxCrossEntropy(), Shape.of(1, 3), Dist.uniform(-3, 3), Dist.oneHot()),
                new L(Loss.mse(), Shape.of(16, 10), Dist.uniform(-3, 3), symmetric()),
                new L(Loss.mse(), Shape.of(130, 257), Dist.uniform(-3, 3), symmetric()),
                new L(Loss.mae(), Shape.of(16, 10), Dist.uniform(-3, 3), symmetric()),
                new L(Loss.mae(), Shape.of(7, 3), Dist.uniform(-3, 3), symmetric()),
                new L(Loss.hinge(1), Shape.of(16, 10), Dist.uniform(-3, 3), Dist.oneHot()),
                new L(Loss.hinge(1), Shape.of(300, 7), Dist.uniform(-3, 3), Dist.oneHot()),
                new L(new Loss(Loss.Kind.BCE_WITH_LOGITS, 0), Shape.of(130, 257), Dist.uniform(-3, 3),
                        Dist.uniform(0, 1)),
                new L(new Loss(Loss.Kind.SIGMOID_FOCAL, 0), Shape.of(130, 257), Dist.uniform(-3, 3),
                        Dist.uniform(0, 1)),
                new L(new Loss(Loss.Kind.SIGMOID_FOCAL, 0), Shape.of(8, 10), Dist.uniform(-3, 3), Dist.uniform(0, 1)),
                new L(new Loss(Loss.Kind.SMOOTH_L1, 0), Shape.of(130, 257), Dist.uniform(-3, 3), symmetric()));
        for (L l : plain) {
            String p = l.loss() + " input" + l.s();
            db.split("Loss.Forward", p, OpDatabase.lossCase(l.loss(), l.s(), l.input(), l.target(), false));
            db.split("Loss.Backward", p, OpDatabase.lossCase(l.loss(), l.s(), l.input(), l.target(), true));
        }
        // the element losses weighted, every reduction, 19 200 elements (many work-groups)
        Shape rows = Shape.of(64, 300);
        for (Loss base : List.of(Loss.bceWithLogits(), Loss.sigmoidFocal(0.25, 2), Loss.smoothL1(0.5))) {
            for (Loss l : List.of(base, base.sumOver(17), base.withReduction(Loss.Reduction.NONE))) {
                boolean l1 = l.kind() == Loss.Kind.SMOOTH_L1;
                String p = l + " input" + rows + " weighted";
                Dist target = l1 ? symmetric() : Dist.uniform(0, 1);
                db.split("Loss.Forward", p, OpDatabase.lossCase(l, rows, Dist.uniform(-6, 6), rows, target,
                        Dist.uniform(0, 2), false));
                db.split("Loss.Backward", p, OpDatabase.lossCase(l, rows, Dist.uniform(-6, 6), rows, target,
                        Dist.uniform(0, 2), true));
            }
        }
        // cross-entropy per pixel with class indices (one in seven ignored), 2 048 pixels
        Shape pixels = Shape.of(8, 5, 16, 16);
        for (Loss l : List.of(Loss.softmaxCrossEntropy(), Loss.softmaxCrossEntropy().withReduction(
                Loss.Reduction.NONE))) {
            String p = l + " input" + pixels + " class indices";
            Dist indices = OpDatabase.classIndices(5, Loss.IGNORE_INDEX, 1.0 / 7);
            db.split("Loss.Forward", p, OpDatabase.lossCase(l, pixels, Dist.uniform(-4, 4), Shape.of(8, 16, 16),
                    indices, null, false));
            db.split("Loss.Backward", p, OpDatabase.lossCase(l, pixels, Dist.uniform(-4, 4), Shape.of(8, 16, 16),
                    indices, null, true));
        }
        for (Shape w : List.of(Shape.of(30, 40), Shape.of(33, 17, 3))) {
            L2Penalty l2 = new L2Penalty(0.01);
            db.split("L2Penalty.Forward", l2 + " weight" + w, ctx -> new L2Penalty.Forward(l2, ctx.input("weight", w,
                    symmetric()), ctx.output("loss", Shape.scalar())));
            db.split("L2Penalty.Backward", l2 + " weight" + w, ctx -> new L2Penalty.Backward(l2,
                    ctx.input("weight", w, symmetric()), ctx.inOut("dWeight", w, symmetric())));
        }
    }

    // ---- optimizers -----------------------------------------------------------------------------------------

    static void optimizers(OpDatabase.Db db) {
        // every variant at 385 and 301 parameters (tails of vectors and work-groups), the heaviest of each at 33 033
        // (split over threads)
        for (Shape s : List.of(Shape.of(301), Shape.of(5, 77), Shape.of(33, 1001))) {
            boolean big = s.size() > 5000;
            List<Sgd> sgds = List.of(Sgd.plain(0.1), new Sgd(0.1, 0.9, 0, false), new Sgd(0.05, 0.9, 1e-4, false),
                    new Sgd(0.05, 0.9, 0, true), new Sgd(0.05, 0.9, 0.001, true), new Sgd(0.1, 0, 0.01, false));
            for (Sgd o : big ? sgds.subList(4, 5) : sgds) {
                db.split("Sgd.Step", o + " param" + s, OpDatabase.sgd(o, s));
            }
            List<Adagrad> adagrads = List.of(new Adagrad(0.01, 1e-10, 1e-3), new Adagrad(0.05, 1e-10, 0.01, 0.25, 9),
                    new Adagrad(0.01, 1e-10, 1e-3, 0.3, 7));
            for (Adagrad o : big ? adagrads.subList(2, 3) : adagrads) {
                db.split("Adagrad.Step", o + " param" + s, OpDatabase.adagrad(o, s, OpDatabase.STATE));
            }
            RmsProp rms = new RmsProp(0.01, 0.99, 1e-8, 1e-3);
            db.split("RmsProp.Step", rms + " param" + s, OpDatabase.rmsProp(rms, s, OpDatabase.STATE));
            List<Adam> adams = List.of(new Adam(0.001, 0.9, 0.999, 1e-8, 1e-2, 7), new Adam(0.001, 0.9, 0.999, 1e-8,
                    0.01, 3));
            for (Adam o : big ? adams.subList(0, 1) : adams) {
                db.split("Adam.Step", o + " param" + s, OpDatabase.adam(o, s, Dist.uniform(-0.1, 0.1),
                        Dist.uniform(1e-4, 0.1)));
            }
        }
    }

    // ---- element-wise, sums ---------------------------------------------------------------------------------

    static void elementwise(OpDatabase.Db db) {
        // 33 033 elements (split over threads, a vector tail) and 387 (a work-group and a half)
        for (Shape s : List.of(Shape.of(3, 129), Shape.of(33, 1001))) {
            Fill f = new Fill(0.7);
            db.split("Fill.Run", f + " y" + s, ctx -> new Fill.Run(f, ctx.output("y", s)));
            db.split("Copy.Run", "x" + s, ctx -> new Copy.Run(ctx.input("x", s, symmetric()), ctx.output("y", s)));
            Add add = new Add(0.5, -2);
            db.split("Add.Run", add + " a" + s, ctx -> new Add.Run(add, ctx.input("a", s, symmetric()),
                    ctx.input("b", s, symmetric()), ctx.output("out", s)));
            Scale scale = new Scale(-3);
            db.split("Scale.Run", scale + " x" + s, ctx -> new Scale.Run(scale, ctx.input("x", s, symmetric()),
                    ctx.output("out", s)));
            Axpy axpy = new Axpy(0.25);
            db.split("Axpy.Run", axpy + " x" + s, ctx -> new Axpy.Run(axpy, ctx.input("x", s, symmetric()),
                    ctx.inOut("y", s, symmetric())));
        }
        record S(Shape x, int... axes) {
        }
        Shape s4 = Shape.of(4, 5, 6, 7);
        for (S e : List.of(new S(s4, 0), new S(s4, 1), new S(s4, 3), new S(s4, 0, 2, 3), new S(s4, 1, 2),
                new S(s4, 0, 1, 2, 3), new S(s4, 0, 3), new S(s4, 1, 3), new S(Shape.of(3, 1000), 0),
                new S(Shape.of(3, 1000), 1), new S(Shape.of(2, 3, 4), 0, 2), new S(Shape.of(7), 0))) {
            SumAxes sum = SumAxes.of(e.axes());
            db.split("SumAxes.Run", sum + " x" + e.x(), ctx -> new SumAxes.Run(sum, ctx.input("x", e.x(),
                    symmetric()), ctx.output("y", sum.outputShape(e.x()))));
        }
    }

    // ---- upsampling, concatenation --------------------------------------------------------------------------

    static void upsampleAndConcat(OpDatabase.Db db) {
        record U(Upsample up, Shape x) {
        }
        // feature-pyramid sizes (rows split over threads) and odd ratios
        Shape fpn = Shape.of(2, 16, 26, 30);
        for (U u : List.of(new U(Upsample.nearest(2), fpn), new U(Upsample.nearest(3, 1), fpn),
                new U(Upsample.nearestToSize(50, 37), fpn), new U(Upsample.nearest(3, 1), Shape.of(1, 3, 6, 7)),
                new U(Upsample.nearestToSize(8, 3), Shape.of(2, 4, 5, 7)),
                new U(Upsample.nearestToSize(50, 37), Shape.of(1, 2, 13, 17)),
                new U(Upsample.nearest(4, 4), Shape.of(2, 3, 1, 1)))) {
            String p = u.up() + " x" + u.x();
            db.split("Upsample.Forward", p, OpDatabase.upsampleForward(u.up(), u.x(), symmetric()));
            db.split("Upsample.Backward", p, OpDatabase.upsampleBackward(u.up(), u.x(), symmetric()));
        }
        // 51 200 elements per part (split over threads) along the batch, channels and width; small parts on
        // every axis
        for (int axis : new int[] {0, 1, 3}) {
            concat(db, axis, Shape.of(4, 32, 20, 20), 16, 8, 24);
        }
        for (int axis = 0; axis < 4; axis++) {
            concat(db, axis, Shape.of(2, 3, 4, 5), 5, 1, 3);
        }
    }

    private static void concat(OpDatabase.Db db, int axis, Shape base, int... along) {
        Concat cat = new Concat(axis);
        List<Shape> parts = OpDatabase.concatParts(base, axis, along);
        String p = "axis " + axis + " of " + parts;
        db.split("Concat.Forward", p, OpDatabase.concatForward(cat, parts, symmetric()));
        db.split("Concat.Backward", p, OpDatabase.concatBackward(cat, parts, symmetric()));
    }
}
