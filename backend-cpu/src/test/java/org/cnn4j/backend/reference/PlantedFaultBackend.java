package org.cnn4j.backend.reference;

import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Adagrad;
import org.cnn4j.ops.Adam;
import org.cnn4j.ops.BatchNorm;
import org.cnn4j.ops.Concat;
import org.cnn4j.ops.Conv2d;
import org.cnn4j.ops.Dropout;
import org.cnn4j.ops.Gemm;
import org.cnn4j.ops.Loss;
import org.cnn4j.ops.Op;
import org.cnn4j.ops.Pool2d;
import org.cnn4j.ops.Softmax;
import org.cnn4j.ops.Upsample;

/**
 * The reference backend with one planted fault, the kind of bug a fast backend has: the conformance suite must
 * catch every one of them. With {@link Fault#NONE} it is the reference under another name.
 */
final class PlantedFaultBackend extends ReferenceBackend {
    /** The faults; {@code target} is the operator whose cases must catch it (null: every operator). */
    enum Fault {
        NONE(null),
        /** Conv2d.Forward with padding: the window origin one row too low (padding.h - 1 used). */
        CONV_PADDING_OFF_BY_ONE("Conv2d.Forward"),
        /** Conv2d.BackwardFilter: dBias negated. */
        CONV_DBIAS_SIGN("Conv2d.BackwardFilter"),
        /** BatchNorm.Backward: dBeta negated. */
        BATCHNORM_DBETA_SIGN("BatchNorm.Backward"),
        /** Every operator: the last element of every output keeps the value it had (NaN for a pure output). */
        LAST_ELEMENT_UNWRITTEN(null),
        /** Grouped Conv2d.Forward: the last output channel left at zero. */
        GROUPED_CONV_LAST_CHANNEL_SKIPPED("Conv2d.Forward"),
        /** Max Pool2d.Backward: the gradient routed to the last maximum of a window, not the first. */
        MAX_POOL_BACKWARD_LAST_MAX("Pool2d.Backward"),
        /** Adam.Step without bias correction. */
        ADAM_NO_BIAS_CORRECTION("Adam.Step"),
        /** Softmax.Forward of a 4-D tensor over the last axis instead of the channels. */
        SOFTMAX_WRONG_AXIS("Softmax.Forward"),
        /** Gemm.Run treating beta as 0. */
        GEMM_IGNORES_BETA("Gemm.Run"),
        /** Dropout.Forward without the 1 / (1 - p) scale. */
        DROPOUT_UNSCALED("Dropout.Forward"),
        /** Average Pool2d.Forward counting padding although countIncludePad is false. */
        AVG_POOL_COUNTS_PADDING("Pool2d.Forward"),
        /** Upsample.Forward with PyTorch's 'nearest-exact' index, floor((d + 0.5) * scale), not 'nearest'. */
        UPSAMPLE_NEAREST_EXACT("Upsample.Forward"),
        /** Upsample.Backward taking one copy's gradient (the first) instead of the sum over every copy. */
        UPSAMPLE_BACKWARD_FIRST_COPY_ONLY("Upsample.Backward"),
        /** Concat.Forward placing the parts in reverse order along the axis. */
        CONCAT_PARTS_REVERSED("Concat.Forward"),
        /**
         * Dilated max Pool2d.Forward stepping its taps from the window's start clamped to 0 (the taps of a window
         * that starts in the padding shifted onto the wrong rows and columns).
         */
        DILATED_POOL_CLAMPED_START("Pool2d.Forward"),
        /** BatchNorm.BackwardInference: dx without gamma (dy * invStd). */
        BATCHNORM_INFERENCE_DX_WITHOUT_GAMMA("BatchNorm.BackwardInference"),
        /** Adagrad.Step ignoring lr_decay (every step at lr). */
        ADAGRAD_IGNORES_LR_DECAY("Adagrad.Step"),
        /** Softmax.Backward of a 4-D tensor over the last axis instead of the channels. */
        SOFTMAX_BACKWARD_WRONG_AXIS("Softmax.Backward"),
        /** Sigmoid focal Loss.Forward without its alpha balance. */
        FOCAL_IGNORES_ALPHA("Loss.Forward"),
        /** Cross-entropy's MEAN over class indices dividing by every target, ignored ones included. */
        IGNORED_TARGETS_COUNTED("Loss.Forward"),
        /** Smooth L1 Loss.Backward with beta taken as 1. */
        SMOOTH_L1_BETA_ONE("Loss.Backward"),
        /** Loss.Backward of an element loss without its weight. */
        LOSS_WEIGHT_DROPPED("Loss.Backward"),
        /** Loss.Backward of reduction NONE ignoring the upstream gradient (as SUM). */
        LOSS_UPSTREAM_IGNORED("Loss.Backward");

        final String target;

        Fault(String target) {
            this.target = target;
        }
    }

    private final Fault fault;

    PlantedFaultBackend(Fault fault) {
        super("planted-" + fault.name().toLowerCase(java.util.Locale.ROOT));
        this.fault = fault;
    }

    @Override
    protected void run(Op op) {
        switch (fault) {
            case NONE -> super.run(op);
            case CONV_PADDING_OFF_BY_ONE -> {
                if (op instanceof Conv2d.Forward f && f.conv().padding().h() > 0) {
                    try (Tensor shifted = shiftedUpOneRow(f.x())) {
                        super.run(new Conv2d.Forward(f.conv(), shifted, f.weight(), f.bias(), f.y()));
                    }
                } else {
                    super.run(op);
                }
            }
            case CONV_DBIAS_SIGN -> {
                super.run(op);
                if (op instanceof Conv2d.BackwardFilter f && f.dBias() != null) {
                    negate(f.dBias());
                }
            }
            case BATCHNORM_DBETA_SIGN -> {
                super.run(op);
                if (op instanceof BatchNorm.Backward b) {
                    negate(b.dBeta());
                }
            }
            case LAST_ELEMENT_UNWRITTEN -> {
                Tensor[] outs = op.outputs().values().toArray(Tensor[]::new);
                double[] before = new double[outs.length];
                for (int i = 0; i < outs.length; i++) {
                    before[i] = data(outs[i])[outs[i].size() - 1];
                }
                super.run(op);
                for (int i = 0; i < outs.length; i++) {
                    data(outs[i])[outs[i].size() - 1] = before[i];
                }
            }
            case GROUPED_CONV_LAST_CHANNEL_SKIPPED -> {
                super.run(op);
                if (op instanceof Conv2d.Forward f && f.conv().groups() > 1) {
                    Shape s = f.y().shape();
                    int k = s.dim(1);
                    int plane = s.dim(2) * s.dim(3);
                    double[] y = data(f.y());
                    for (int n = 0; n < s.dim(0); n++) {
                        java.util.Arrays.fill(y, (n * k + k - 1) * plane, (n * k + k) * plane, 0);
                    }
                }
            }
            case MAX_POOL_BACKWARD_LAST_MAX -> {
                if (op instanceof Pool2d.Backward b && b.pool().mode() == Pool2d.Mode.MAX) {
                    maxPoolBackwardToLastMax(b);
                } else {
                    super.run(op);
                }
            }
            case ADAM_NO_BIAS_CORRECTION -> {
                if (op instanceof Adam.Step s) {
                    Adam a = s.adam();
                    // beta^step underflows to 0 at a huge step: both corrections become 1, i.e. none.
                    Adam uncorrected = new Adam(a.lr(), a.beta1(), a.beta2(), a.epsilon(), a.weightDecay(),
                            1_000_000_000L);
                    super.run(new Adam.Step(uncorrected, s.param(), s.grad(), s.expAvg(), s.expAvgSq()));
                } else {
                    super.run(op);
                }
            }
            case SOFTMAX_WRONG_AXIS -> {
                if (op instanceof Softmax.Forward f && f.x().shape().rank() == 4) {
                    Shape s = f.x().shape();
                    Shape rows = Shape.of(s.size() / s.dim(3), s.dim(3));
                    super.run(new Softmax.Forward(f.softmax(), f.x().reshape(rows), f.y().reshape(rows)));
                } else {
                    super.run(op);
                }
            }
            case GEMM_IGNORES_BETA -> {
                if (op instanceof Gemm.Run g) {
                    Gemm z = new Gemm(g.gemm().transA(), g.gemm().transB(), g.gemm().alpha(), 0);
                    super.run(new Gemm.Run(z, g.a(), g.b(), g.c()));
                } else {
                    super.run(op);
                }
            }
            case DROPOUT_UNSCALED -> {
                super.run(op);
                if (op instanceof Dropout.Forward f && f.dropout().p() < 1) {
                    double[] y = data(f.y());
                    for (int i = 0; i < y.length; i++) {
                        y[i] = (float) (y[i] * (1 - f.dropout().p()));
                    }
                }
            }
            case UPSAMPLE_NEAREST_EXACT -> {
                if (op instanceof Upsample.Forward f) {
                    upsampleNearestExact(f);
                } else {
                    super.run(op);
                }
            }
            case UPSAMPLE_BACKWARD_FIRST_COPY_ONLY -> {
                if (op instanceof Upsample.Backward b) {
                    upsampleBackwardFirstCopy(b);
                } else {
                    super.run(op);
                }
            }
            case CONCAT_PARTS_REVERSED -> {
                if (op instanceof Concat.Forward f) {
                    concatReversed(f);
                } else {
                    super.run(op);
                }
            }
            case AVG_POOL_COUNTS_PADDING -> {
                if (op instanceof Pool2d.Forward f && f.pool().mode() == Pool2d.Mode.AVG) {
                    super.run(new Pool2d.Forward(f.pool().withCountIncludePad(true), f.x(), f.y()));
                } else {
                    super.run(op);
                }
            }
            case DILATED_POOL_CLAMPED_START -> {
                if (op instanceof Pool2d.Forward f && f.pool().dilated()) {
                    dilatedMaxFromClampedStart(f);
                } else {
                    super.run(op);
                }
            }
            case BATCHNORM_INFERENCE_DX_WITHOUT_GAMMA -> {
                if (op instanceof BatchNorm.BackwardInference b) {
                    try (Tensor ones = allocate(b.gamma().shape(), b.gamma().dtype())) {
                        java.util.Arrays.fill(data(ones), 1);
                        super.run(new BatchNorm.BackwardInference(b.bn(), b.x(), b.dy(), ones, b.runningMean(),
                                b.runningVar(), b.dx(), b.dGamma(), b.dBeta()));
                    }
                } else {
                    super.run(op);
                }
            }
            case ADAGRAD_IGNORES_LR_DECAY -> {
                if (op instanceof Adagrad.Step s) {
                    Adagrad a = s.adagrad();
                    super.run(new Adagrad.Step(new Adagrad(a.lr(), a.epsilon(), a.weightDecay()), s.param(),
                            s.grad(), s.stateSum()));
                } else {
                    super.run(op);
                }
            }
            case SOFTMAX_BACKWARD_WRONG_AXIS -> {
                if (op instanceof Softmax.Backward b && b.y().shape().rank() == 4) {
                    Shape s = b.y().shape();
                    Shape rows = Shape.of(s.size() / s.dim(3), s.dim(3));
                    super.run(new Softmax.Backward(b.softmax(), b.y().reshape(rows), b.dy().reshape(rows),
                            b.dx().reshape(rows)));
                } else {
                    super.run(op);
                }
            }
            case FOCAL_IGNORES_ALPHA -> {
                if (op instanceof Loss.Forward f && f.fn().kind() == Loss.Kind.SIGMOID_FOCAL && f.fn().alpha() >= 0) {
                    Loss l = f.fn();
                    super.run(new Loss.Forward(new Loss(l.kind(), l.margin(), l.reduction(), -1, l.gamma(), l.beta(),
                            l.divisor(), l.ignoreIndex()), f.input(), f.target(), f.weight(), f.loss()));
                } else {
                    super.run(op);
                }
            }
            case IGNORED_TARGETS_COUNTED -> {
                if (op instanceof Loss.Forward f && f.classIndices() && f.fn().reduction() == Loss.Reduction.MEAN) {
                    super.run(new Loss.Forward(f.fn().sumOver(f.target().size()), f.input(), f.target(),
                            f.weight(), f.loss()));
                } else {
                    super.run(op);
                }
            }
            case SMOOTH_L1_BETA_ONE -> {
                if (op instanceof Loss.Backward b && b.fn().kind() == Loss.Kind.SMOOTH_L1) {
                    Loss l = b.fn();
                    super.run(new Loss.Backward(new Loss(l.kind(), l.margin(), l.reduction(), l.alpha(), l.gamma(), 1,
                            l.divisor(), l.ignoreIndex()), b.input(), b.target(), b.weight(), b.dLoss(), b.dInput()));
                } else {
                    super.run(op);
                }
            }
            case LOSS_WEIGHT_DROPPED -> {
                if (op instanceof Loss.Backward b && b.weight() != null) {
                    super.run(new Loss.Backward(b.fn(), b.input(), b.target(), null, b.dLoss(), b.dInput()));
                } else {
                    super.run(op);
                }
            }
            case LOSS_UPSTREAM_IGNORED -> {
                if (op instanceof Loss.Backward b && b.fn().reduction() == Loss.Reduction.NONE) {
                    super.run(new Loss.Backward(b.fn().sumOver(1), b.input(), b.target(), b.weight(), null,
                            b.dInput()));
                } else {
                    super.run(op);
                }
            }
        }
    }

    /** A new tensor with {@code x[.., h, ..] = x[.., h + 1, ..]} and a zero last row: origin one row lower. */
    private Tensor shiftedUpOneRow(Tensor x) {
        Shape s = x.shape();
        int h = s.dim(2);
        int w = s.dim(3);
        Tensor t = allocate(s, x.dtype());
        double[] src = data(x);
        double[] dst = data(t);
        for (int plane = 0; plane < s.dim(0) * s.dim(1); plane++) {
            System.arraycopy(src, plane * h * w + w, dst, plane * h * w, (h - 1) * w);
        }
        return t;
    }

    private static void negate(Tensor t) {
        double[] d = data(t);
        for (int i = 0; i < d.length; i++) {
            d[i] = -d[i];
        }
    }

    /** Max pooling's backward with ties broken towards the last maximum in row-major window order. */
    private static void maxPoolBackwardToLastMax(Pool2d.Backward b) {
        Pool2d p = b.pool();
        Shape xs = b.x().shape();
        Shape ys = b.dy().shape();
        double[] x = data(b.x());
        double[] dy = data(b.dy());
        double[] dx = data(b.dx());
        java.util.Arrays.fill(dx, 0);
        int h = xs.dim(2);
        int w = xs.dim(3);
        for (int plane = 0; plane < xs.dim(0) * xs.dim(1); plane++) {
            for (int oh = 0; oh < ys.dim(2); oh++) {
                for (int ow = 0; ow < ys.dim(3); ow++) {
                    int best = -1;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int i = 0; i < p.kernel().h(); i++) {
                        for (int j = 0; j < p.kernel().w(); j++) {
                            int ih = oh * p.stride().h() - p.padding().h() + i * p.dilation().h();
                            int iw = ow * p.stride().w() - p.padding().w() + j * p.dilation().w();
                            if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                                int at = plane * h * w + ih * w + iw;
                                if (x[at] >= max) {
                                    max = x[at];
                                    best = at;
                                }
                            }
                        }
                    }
                    if (best >= 0) {
                        dx[best] += dy[(plane * ys.dim(2) + oh) * ys.dim(3) + ow];
                    }
                }
            }
        }
        finish(b.dx());
    }

    /** 'nearest-exact': src = min(floor((d + 0.5) * in / out), in - 1) on both axes. */
    private static void upsampleNearestExact(Upsample.Forward f) {
        Shape xs = f.x().shape();
        Shape ys = f.y().shape();
        double[] x = data(f.x());
        double[] y = data(f.y());
        int h = xs.dim(2);
        int w = xs.dim(3);
        int oh = ys.dim(2);
        int ow = ys.dim(3);
        for (int plane = 0; plane < xs.dim(0) * xs.dim(1); plane++) {
            for (int i = 0; i < oh; i++) {
                int si = Math.min((int) Math.floor((i + 0.5) * h / oh), h - 1);
                for (int j = 0; j < ow; j++) {
                    int sj = Math.min((int) Math.floor((j + 0.5) * w / ow), w - 1);
                    y[(plane * oh + i) * ow + j] = x[(plane * h + si) * w + sj];
                }
            }
        }
    }

    /** dx = dy at the first output cell that copied each input cell (0 where none did), no sum. */
    private static void upsampleBackwardFirstCopy(Upsample.Backward b) {
        Shape xs = b.dx().shape();
        Shape ys = b.dy().shape();
        double[] dy = data(b.dy());
        double[] dx = data(b.dx());
        int h = xs.dim(2);
        int w = xs.dim(3);
        int oh = ys.dim(2);
        int ow = ys.dim(3);
        float sh = b.up().indexScaleH(h, oh);
        float sw = b.up().indexScaleW(w, ow);
        for (int plane = 0; plane < xs.dim(0) * xs.dim(1); plane++) {
            for (int i = 0; i < h; i++) {
                int r = Upsample.firstOutput(i, h, oh, sh);
                boolean rowCopied = r < Upsample.firstOutput(i + 1, h, oh, sh);
                for (int j = 0; j < w; j++) {
                    int c = Upsample.firstOutput(j, w, ow, sw);
                    boolean copied = rowCopied && c < Upsample.firstOutput(j + 1, w, ow, sw);
                    dx[(plane * h + i) * w + j] = copied ? dy[(plane * oh + r) * ow + c] : 0;
                }
            }
        }
    }

    /** The parts written from the end of the axis backwards: the last part first. */
    private static void concatReversed(Concat.Forward f) {
        int axis = f.cat().axis();
        Shape whole = f.out().shape();
        int outer = f.cat().outer(whole);
        int inner = whole.strideOf(axis);
        int wholeBlock = whole.dim(axis) * inner;
        double[] out = data(f.out());
        int offset = 0;
        for (int p = f.xs().size() - 1; p >= 0; p--) {
            Tensor part = f.xs().get(p);
            int block = part.shape().dim(axis) * inner;
            for (int n = 0; n < outer; n++) {
                System.arraycopy(data(part), n * block, out, n * wholeBlock + offset, block);
            }
            offset += block;
        }
    }

    /** Dilated max pooling whose taps start at {@code max(start, 0)} instead of {@code start}: a classic bug. */
    private static void dilatedMaxFromClampedStart(Pool2d.Forward f) {
        Pool2d p = f.pool();
        Shape xs = f.x().shape();
        Shape ys = f.y().shape();
        double[] x = data(f.x());
        double[] y = data(f.y());
        int h = xs.dim(2);
        int w = xs.dim(3);
        for (int plane = 0; plane < xs.dim(0) * xs.dim(1); plane++) {
            for (int oh = 0; oh < ys.dim(2); oh++) {
                for (int ow = 0; ow < ys.dim(3); ow++) {
                    int hs = Math.max(0, oh * p.stride().h() - p.padding().h());
                    int ws = Math.max(0, ow * p.stride().w() - p.padding().w());
                    double max = Double.NEGATIVE_INFINITY;
                    for (int i = 0; i < p.kernel().h(); i++) {
                        for (int j = 0; j < p.kernel().w(); j++) {
                            int ih = hs + i * p.dilation().h();
                            int iw = ws + j * p.dilation().w();
                            if (ih < h && iw < w) {
                                double v = x[plane * h * w + ih * w + iw];
                                max = Double.isNaN(v) || Double.isNaN(max) ? Double.NaN : Math.max(max, v);
                            }
                        }
                    }
                    y[(plane * ys.dim(2) + oh) * ys.dim(3) + ow] = max;
                }
            }
        }
        finish(f.y());
    }
}
