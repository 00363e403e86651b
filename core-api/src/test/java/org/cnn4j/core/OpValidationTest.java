package org.cnn4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Supplier;
import org.cnn4j.ops.Adam;
import org.cnn4j.ops.BatchNorm;
import org.cnn4j.ops.Concat;
import org.cnn4j.ops.Conv2d;
import org.cnn4j.ops.Dropout;
import org.cnn4j.ops.Gemm;
import org.cnn4j.ops.Linear;
import org.cnn4j.ops.Loss;
import org.cnn4j.ops.Op;
import org.cnn4j.ops.Pool2d;
import org.cnn4j.ops.SumAxes;
import org.cnn4j.ops.Upsample;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The operator records reject bad parameters and shapes with messages that name them. */
class OpValidationTest {
    private final ArrayBackend b = new ArrayBackend("a");

    @AfterEach
    void close() {
        b.close();
    }

    private Tensor t(int... dims) {
        return b.allocate(Shape.of(dims));
    }

    private static void rejects(Supplier<Object> build, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::get);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
    }

    @Test
    void convOutputSizesFollowTheFormula() {
        // seed 001: 10x10 input, 3x3 kernel: stride 1 gives 8x8, stride 3 gives 3x3
        assertEquals(Shape.of(1, 1, 8, 8), Conv2d.of(1, 0).outputShape(Shape.of(1, 1, 10, 10), Shape.of(1, 1, 3, 3)));
        assertEquals(Shape.of(1, 1, 3, 3), Conv2d.of(3, 0).outputShape(Shape.of(1, 1, 10, 10), Shape.of(1, 1, 3, 3)));
        // dilation 2 makes a 3x3 kernel span 5
        Conv2d dilated = Conv2d.of(1, 0).withDilation(Size2d.of(2));
        assertEquals(Shape.of(1, 1, 6, 6), dilated.outputShape(Shape.of(1, 1, 10, 10), Shape.of(1, 1, 3, 3)));
    }

    @Test
    void convRejectsBadParametersAndShapes() {
        rejects(() -> Conv2d.of(0, 0), "Conv2d", "stride");
        rejects(() -> Conv2d.of(1, -1), "padding");
        rejects(() -> Conv2d.of(1, 0).withGroups(0), "groups");
        rejects(() -> Conv2d.of(1, 0).outputShape(Shape.of(1, 3, 5, 5), Shape.of(4, 2, 3, 3)),
                "weight [4, 2, 3, 3]", "x [1, 3, 5, 5]");
        rejects(() -> Conv2d.of(1, 0).withGroups(2).outputShape(Shape.of(1, 3, 5, 5), Shape.of(4, 1, 3, 3)),
                "groups=2", "[1, 3, 5, 5]");
        rejects(() -> Conv2d.of(1, 0).outputShape(Shape.of(1, 1, 2, 2), Shape.of(1, 1, 3, 3)),
                "larger than the padded input");
        rejects(() -> new Conv2d.Forward(Conv2d.of(1, 0), t(1, 1, 5, 5), t(2, 1, 3, 3), null, t(1, 2, 4, 4)),
                "'y'", "[1, 2, 4, 4]", "[1, 2, 3, 3]");
        rejects(() -> new Conv2d.Forward(Conv2d.of(1, 0), t(1, 1, 5, 5), t(2, 1, 3, 3), t(3), t(1, 2, 3, 3)),
                "'bias'", "[3]");
        rejects(() -> new Conv2d.Forward(Conv2d.of(1, 0), t(1, 5, 5), t(2, 1, 3, 3), null, t(1, 2, 3, 3)),
                "[1, 5, 5]");
    }

    @Test
    void poolingFollowsPyTorchIncludingCeilMode() {
        // seed 000 fig. 8: 4x4 input, 2x2 window, stride 2 -> 2x2
        assertEquals(Shape.of(1, 1, 2, 2), Pool2d.max(2, 2).outputShape(Shape.of(1, 1, 4, 4)));
        // AlexNet's overlapping pool: 55 -> 27 with 3x3 stride 2
        assertEquals(Shape.of(1, 96, 27, 27), Pool2d.max(3, 2).outputShape(Shape.of(1, 96, 55, 55)));
        // ceil mode: 6 with k3 s2 gives 3 (floor: 2); a window may not start in the right padding
        assertEquals(Shape.of(1, 1, 3, 3), Pool2d.max(3, 2).withCeilMode(true).outputShape(Shape.of(1, 1, 6, 6)));
        assertEquals(Shape.of(1, 1, 2, 2), Pool2d.max(3, 2).outputShape(Shape.of(1, 1, 6, 6)));
        Pool2d p = Pool2d.max(2, 2).withPadding(Size2d.of(1)).withCeilMode(true);
        assertEquals(Shape.of(1, 1, 3, 3), p.outputShape(Shape.of(1, 1, 4, 4)));
        rejects(() -> Pool2d.max(2, 2).withPadding(Size2d.of(2)), "padding", "half of kernel");
        rejects(() -> Pool2d.max(5, 1).outputShape(Shape.of(1, 1, 4, 4)), "kernel", "[1, 1, 4, 4]");
    }

    @Test
    void otherFamiliesNameTheOffendingOperand() {
        rejects(() -> new Linear.Forward(t(2, 3), t(4, 5), null, t(2, 4)), "x [2, 3]", "weight [4, 5]");
        rejects(() -> new Gemm.Run(Gemm.plain(), t(2, 3), t(4, 5), t(2, 5)), "K=3", "K=4");
        rejects(() -> new BatchNorm.ForwardInference(BatchNorm.defaults(), t(2, 3, 4, 4), t(3), t(3), t(4), t(3),
                t(2, 3, 4, 4)), "'runningMean'", "[4]");
        rejects(() -> new BatchNorm.ForwardTraining(BatchNorm.defaults(), t(1, 3), t(3), t(3), t(3), t(3), t(1, 3),
                t(3), t(3)), "more than 1");
        rejects(() -> new Loss.Forward(Loss.softmaxCrossEntropy(), t(2, 3), t(2, 4), b.allocate(Shape.scalar())),
                "'target'", "[2, 4]");
        rejects(() -> new Loss.Forward(Loss.mse(), t(2, 3), t(2, 3), t(1)), "'loss'", "scalar");
        rejects(() -> new Dropout(1.5, 1), "p", "1.5");
        rejects(() -> new Adam(1e-3, 0.9, 0.999, 1e-8, 0, 0), "step");
        rejects(() -> SumAxes.of(1, 1), "axes");
        rejects(() -> new SumAxes.Run(SumAxes.of(0, 4), t(2, 3), t(3)), "axis 4", "[2, 3]");
    }

    @Test
    void mixedDtypesAreRejected() {
        try (ArrayBackend wide = new ArrayBackend("wide", true)) {
            Tensor x = wide.allocate(Shape.of(2, 3), DType.FLOAT64);
            rejects(() -> new Linear.Forward(x, wide.allocate(Shape.of(4, 3)), null, wide.allocate(Shape.of(2, 4))),
                    "float32", "float64");
        }
    }

    @Test
    void outputsThatAliasInputsAreRejected() {
        Tensor x = t(2, 3);
        Op op = new org.cnn4j.ops.Copy.Run(x, x);
        rejects(() -> {
            b.execute(op);
            return null;
        }, "'y'", "'x'", "alias");
        Op viaView = new org.cnn4j.ops.Copy.Run(x, x.reshape(Shape.of(3, 2)).reshape(Shape.of(2, 3)));
        rejects(() -> {
            b.execute(viaView);
            return null;
        }, "'y'", "shares memory", "'x'");
    }

    @Test
    void aConvolutionShapeErrorNamesTheConvolutionReadably() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Conv2d.Forward(Conv2d.of(1, 0), t(1, 1, 5, 5), t(2, 1, 3, 3), null, t(1, 2, 4, 4)));
        assertTrue(e.getMessage().contains("(Conv2d[stride="), e.getMessage());
        assertTrue(!e.getMessage().contains("convConv2d"), e.getMessage());
    }

    @Test
    void aTensorOfAnotherInstanceOfTheSameBackendIsNamedSo() {
        try (ArrayBackend twin = new ArrayBackend("a"); ArrayBackend other = new ArrayBackend("other")) {
            Tensor mine = t(2, 3);
            Tensor theirs = twin.allocate(Shape.of(2, 3));
            rejects(() -> {
                b.execute(new org.cnn4j.ops.Copy.Run(theirs, mine));
                return null;
            }, "'x'", "another instance of backend 'a'");
            Tensor foreign = other.allocate(Shape.of(2, 3));
            rejects(() -> {
                b.execute(new org.cnn4j.ops.Copy.Run(foreign, mine));
                return null;
            }, "'x'", "belongs to backend 'other', not to this 'a' backend");
        }
    }

    @Test
    void upsampleTakesExactlyOneFormAndNamesTheShapes() {
        assertEquals(Shape.of(2, 3, 8, 10), Upsample.nearest(2).outputShape(Shape.of(2, 3, 4, 5)));
        assertEquals(Shape.of(2, 3, 12, 5), Upsample.nearest(3, 1).outputShape(Shape.of(2, 3, 4, 5)));
        assertEquals(Shape.of(2, 3, 8, 3), Upsample.nearestToSize(8, 3).outputShape(Shape.of(2, 3, 5, 7)));
        rejects(() -> new Upsample(2, 2, 8, 8), "Upsample", "exactly one", "scaleH=2", "outH=8");
        rejects(() -> new Upsample(0, 0, 0, 0), "exactly one");
        rejects(() -> Upsample.nearest(0), "scaleH and scaleW", "scaleH=0");
        rejects(() -> Upsample.nearest(2, -1), "scaleW=-1");
        rejects(() -> Upsample.nearestToSize(4, 0), "outH and outW", "outW=0");
        rejects(() -> Upsample.nearest(2).outputShape(Shape.of(3, 4, 4)), "x must be [N, C, H, W]", "[3, 4, 4]");
        rejects(() -> Upsample.nearest(50_000).outputShape(Shape.of(1, 1, 50_000, 1)), "2^31-1");
        rejects(() -> new Upsample.Forward(Upsample.nearest(2), t(1, 2, 4, 4), t(1, 2, 8, 7)),
                "'y'", "[1, 2, 8, 7]", "[1, 2, 8, 8]", "[1, 2, 4, 4]");
        rejects(() -> new Upsample.Forward(Upsample.nearest(2), t(2, 4, 4), t(2, 8, 8)), "'x'", "rank 4");
        rejects(() -> new Upsample.Forward(null, t(1, 2, 4, 4), t(1, 2, 8, 8)), "'up'");
        rejects(() -> new Upsample.Backward(Upsample.nearestToSize(6, 6), t(1, 2, 6, 5), t(1, 2, 3, 3)),
                "'dy'", "[1, 2, 6, 5]", "[1, 2, 6, 6]", "dx [1, 2, 3, 3]");
        rejects(() -> new Upsample.Backward(Upsample.nearest(2), t(1, 2, 8, 8), null), "'dx'");
    }

    @Test
    void concatChecksRankAxisAndEveryOtherDimension() {
        Concat c1 = new Concat(1);
        assertEquals(Shape.of(2, 7, 4), c1.outputShape(List.of(Shape.of(2, 3, 4), Shape.of(2, 4, 4))));
        assertEquals(Shape.of(5), new Concat(0).outputShape(List.of(Shape.of(5))));
        rejects(() -> new Concat(-1), "axis", "-1");
        rejects(() -> c1.outputShape(List.of()), "at least one input");
        rejects(() -> new Concat(2).outputShape(List.of(Shape.of(2, 3))), "axis 2 is out of range", "[2, 3]");
        rejects(() -> c1.outputShape(List.of(Shape.of(2, 3, 4), Shape.of(3, 3, 4))), "'input1' [3, 3, 4]",
                "'input0' [2, 3, 4]", "axis 0");
        Concat.Forward f = new Concat.Forward(c1, List.of(t(2, 3), t(2, 1)), t(2, 4));
        assertEquals(List.of("x0", "x1"), List.copyOf(f.inputs().keySet()));
        assertEquals(List.of("out"), List.copyOf(f.outputs().keySet()));
        rejects(() -> new Concat.Forward(c1, List.of(t(2, 3), t(3, 1)), t(2, 4)), "Concat.Forward", "'x1' [3, 1]",
                "'x0' [2, 3]", "axis 0");
        rejects(() -> new Concat.Forward(c1, List.of(t(2, 3), t(2, 1, 1)), t(2, 4)), "'x1' [2, 1, 1]", "rank");
        rejects(() -> new Concat.Forward(c1, List.of(t(2, 3), t(2, 1)), t(2, 5)), "'out'", "[2, 5]", "[2, 4]");
        rejects(() -> new Concat.Forward(c1, List.of(), t(2, 4)), "'x0'", "none given");
        rejects(() -> new Concat.Forward(c1, null, t(2, 4)), "'x0'", "null given");
        rejects(() -> new Concat.Forward(c1, java.util.Arrays.asList(t(2, 3), null), t(2, 4)), "'x1'", "null given");
        rejects(() -> new Concat.Forward(new Concat(2), List.of(t(2, 3)), t(2, 3)), "axis 2 is out of range",
                "'x0' [2, 3]");
        Concat.Backward b = new Concat.Backward(c1, t(2, 4), List.of(t(2, 3), t(2, 1)));
        assertEquals(List.of("dOut"), List.copyOf(b.inputs().keySet()));
        assertEquals(List.of("dx0", "dx1"), List.copyOf(b.outputs().keySet()));
        rejects(() -> new Concat.Backward(c1, t(2, 5), List.of(t(2, 3), t(2, 1))), "'dOut'", "[2, 5]");
        rejects(() -> new Concat.Backward(c1, t(2, 4), List.of(t(2, 3), t(1, 1))), "'dx1' [1, 1]");
        try (ArrayBackend wide = new ArrayBackend("wide", true)) {
            Tensor x64 = wide.allocate(Shape.of(2, 1), DType.FLOAT64);
            rejects(() -> new Concat.Forward(c1, List.of(wide.allocate(Shape.of(2, 3)), x64),
                    wide.allocate(Shape.of(2, 4))), "'x1'", "float64", "float32");
        }
    }

    @Test
    void concatListsAreCopiedAndAliasingIsRejected() {
        List<Tensor> parts = new java.util.ArrayList<>(List.of(t(2, 3), t(2, 1)));
        Concat.Forward f = new Concat.Forward(new Concat(1), parts, t(2, 4));
        parts.clear();
        assertEquals(2, f.xs().size());
        Tensor x = t(2, 3);
        rejects(() -> {
            b.execute(new Concat.Forward(new Concat(0), List.of(x), x));
            return null;
        }, "'out'", "'x0'", "alias");
        Tensor d = t(2, 4);
        Tensor dx0 = d.reshape(Shape.of(2, 4));
        rejects(() -> {
            b.execute(new Concat.Backward(new Concat(0), d, List.of(dx0)));
            return null;
        }, "'dx0'", "'dOut'");
    }

    @Test
    void dilatedPoolingFollowsPyTorch() {
        // floor((H + 2p - d*(k-1) - 1) / s) + 1: 9 + 2 - 4 - 1 = 6, /2 + 1 = 4
        Pool2d d2 = Pool2d.max(3, 2).withPadding(Size2d.of(1)).withDilation(Size2d.of(2));
        assertEquals(Shape.of(1, 1, 4, 4), d2.outputShape(Shape.of(1, 1, 9, 9)));
        // ceil mode adds a window that starts inside the input: 10 + 2 - 5 = 7, ceil(7/2) + 1 = 5
        assertEquals(Shape.of(1, 1, 5, 4), d2.withCeilMode(true).outputShape(Shape.of(1, 1, 10, 9)));
        assertEquals(Size2d.of(2), d2.withCeilMode(true).withPadding(Size2d.of(0)).dilation());
        assertEquals(Size2d.of(1), Pool2d.max(2, 2).dilation());
        // padding is bounded by half the kernel, not of its dilated extent
        rejects(() -> Pool2d.max(2, 2).withDilation(Size2d.of(3)).withPadding(Size2d.of(2)), "padding",
                "half of kernel");
        rejects(() -> Pool2d.avg(2, 2).withDilation(Size2d.of(2, 1)), "Pool2d", "dilation (2, 1)",
                "only for MAX pooling");
        rejects(() -> Pool2d.max(2, 2).withDilation(Size2d.of(0, 1)), "dilation", "at least 1");
        rejects(() -> Pool2d.max(3, 1).withDilation(Size2d.of(2)).outputShape(Shape.of(1, 1, 4, 4)), "kernel",
                "dilated by (2, 2)", "[1, 1, 4, 4]");
    }

    @Test
    void inferenceBatchNormBackwardAndAdagradDecayNameTheirParameters() {
        rejects(() -> new BatchNorm.BackwardInference(BatchNorm.defaults(), t(2, 3, 4, 4), t(2, 3, 4, 4), t(3),
                t(3), t(4), t(2, 3, 4, 4), t(3), t(3)), "BatchNorm.BackwardInference", "'runningVar'", "[4]");
        rejects(() -> new BatchNorm.BackwardInference(BatchNorm.defaults(), t(2, 3), t(3, 2), t(3), t(3), t(3),
                t(2, 3), t(3), t(3)), "'dy'", "[3, 2]");
        rejects(() -> new org.cnn4j.ops.Adagrad(0.1, 1e-10, 0, -0.5, 1), "Adagrad", "lrDecay");
        rejects(() -> new org.cnn4j.ops.Adagrad(0.1, 1e-10, 0, 0.5, 0), "Adagrad", "step must be at least 1");
        assertEquals(0.1 / (1 + 4 * 0.5), new org.cnn4j.ops.Adagrad(0.1, 1e-10, 0, 0.5, 5).clr(), 1e-17);
    }

    @Test
    void softmaxAcceptsChannelsOfARank4Tensor() {
        new org.cnn4j.ops.Softmax.Forward(org.cnn4j.ops.Softmax.softmax(), t(2, 5, 3, 4), t(2, 5, 3, 4));
        rejects(() -> new org.cnn4j.ops.Softmax.Backward(org.cnn4j.ops.Softmax.logSoftmax(), t(2, 5, 3, 4),
                t(2, 5, 4, 3), t(2, 5, 3, 4)), "'dy'", "[2, 5, 4, 3]");
    }

    @Test
    void lossesValidateReductionsWeightsAndClassIndices() {
        Tensor scalar = b.allocate(Shape.scalar());
        Loss none = Loss.bceWithLogits().withReduction(Loss.Reduction.NONE);
        // the shapes of NONE: the input's for element losses, the input's without axis 1 for cross-entropy
        assertEquals(Shape.of(2, 3), none.outputShape(Shape.of(2, 3)));
        assertEquals(Shape.of(2, 4, 4), Loss.softmaxCrossEntropy().withReduction(Loss.Reduction.NONE)
                .outputShape(Shape.of(2, 3, 4, 4)));
        assertEquals(Shape.of(2), Loss.hinge(1).withReduction(Loss.Reduction.NONE).outputShape(Shape.of(2, 3)));
        assertEquals(Shape.scalar(), Loss.smoothL1(1).sumOver(7).outputShape(Shape.of(2, 3)));
        rejects(() -> new Loss.Forward(none, t(2, 3), t(2, 3), scalar), "Loss.Forward", "'loss'", "[]", "[2, 3]",
                "reduction NONE");
        rejects(() -> new Loss.Forward(Loss.smoothL1(1), t(2, 3), t(2, 3), t(3, 2), scalar), "'weight'", "[3, 2]",
                "[2, 3]");
        rejects(() -> new Loss.Forward(Loss.softmaxCrossEntropy(), t(2, 3), t(2, 3), t(2, 3), scalar), "'weight'",
                "SOFTMAX_CROSS_ENTROPY");
        rejects(() -> new Loss.Forward(Loss.softmaxCrossEntropy(), t(2, 3, 4, 4), t(2, 3, 4), scalar), "'target'",
                "[2, 3, 4]", "[2, 3, 4, 4]", "[2, 4, 4]", "class indices");
        rejects(() -> new Loss.Forward(Loss.softmaxCrossEntropy(), t(3), t(3), scalar), "input [N, C]", "[3]");
        rejects(() -> new Loss.Backward(Loss.mse(), t(2, 3), t(2, 3), null, scalar, t(2, 3)), "'dLoss'",
                "reduction MEAN", "NONE");
        rejects(() -> new Loss.Backward(none, t(2, 3), t(2, 3), t(2, 3)), "'dLoss'", "required");
        rejects(() -> new Loss.Backward(none, t(2, 3), t(2, 3), null, t(2), t(2, 3)), "'dLoss'", "[2]", "[2, 3]");
        rejects(() -> new Loss.Backward(Loss.softmaxCrossEntropy().withReduction(Loss.Reduction.NONE), t(2, 3, 4),
                t(2, 4), null, t(2, 3), t(2, 3, 4)), "'dLoss'", "[2, 3]", "[2, 4]");
        rejects(() -> Loss.sigmoidFocal(0.25, -1), "gamma", "-1");
        rejects(() -> Loss.smoothL1(-0.5), "beta", "-0.5");
        rejects(() -> Loss.bceWithLogits().sumOver(0), "divisor", "0");
        rejects(() -> new Loss(Loss.Kind.MSE, 0, Loss.Reduction.MEAN, 0.25, 2, 1, 3, Loss.IGNORE_INDEX), "divisor",
                "SUM only");
        rejects(() -> Loss.sigmoidFocal(Double.NaN, 2), "alpha");
        // the record of today's calls keeps its meaning: MEAN, no weight, no dLoss
        Loss.Backward old = new Loss.Backward(Loss.mse(), t(2, 3), t(2, 3), t(2, 3));
        assertEquals(Loss.Reduction.MEAN, old.fn().reduction());
        assertEquals(null, old.weight());
        assertEquals(null, old.dLoss());
        assertTrue(new Loss.Forward(Loss.softmaxCrossEntropy(), t(2, 3, 4), t(2, 4), scalar).classIndices());
        assertTrue(!new Loss.Forward(Loss.softmaxCrossEntropy(), t(2, 3), t(2, 3), scalar).classIndices());
    }
}
