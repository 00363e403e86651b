package org.cnn4j.kernels.host;

import java.util.List;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Adagrad;
import org.cnn4j.ops.Adam;
import org.cnn4j.ops.RmsProp;
import org.cnn4j.ops.Sgd;

/**
 * Optimizer steps (optimizer.k), in place on the parameters and their state; one work-item per element. A
 * multi-tensor step ({@code Steps}) is one launch of the {@code *_multi_f32} kernel per group of up to
 * {@link #GROUP} tensors (fewer when their elements would pass an int), each element through the same update as
 * the single-tensor kernel.
 */
public final class OptimizerLaunches {
    /** Tensors one multi-tensor launch updates (the kernels' slots). */
    public static final int GROUP = 16;

    private OptimizerLaunches() {
    }

    public static void sgd(KernelHost b, Sgd.Step o) {
        Sgd s = o.sgd();
        int total = o.param().size();
        boolean hasBuf = s.momentum() != 0;
        // without momentum the buffer argument is never read; the parameter stands in for it
        b.kernel("optimizer", "sgd_f32").p(o.param()).p(o.grad()).p(hasBuf ? o.momentumBuffer() : o.param())
                .f(s.lr()).f(s.momentum()).f(s.weightDecay()).i(s.nesterov() ? 1 : 0).i(hasBuf ? 1 : 0).i(total)
                .elements(total);
    }

    public static void adagrad(KernelHost b, Adagrad.Step o) {
        Adagrad a = o.adagrad();
        int total = o.param().size();
        b.kernel("optimizer", "adagrad_f32").p(o.param()).p(o.grad()).p(o.stateSum()).f(a.clr())
                .f(a.epsilon()).f(a.weightDecay()).i(total).elements(total);
    }

    public static void rmsProp(KernelHost b, RmsProp.Step o) {
        RmsProp r = o.rmsProp();
        int total = o.param().size();
        // 1 - alpha in double, then rounded: 1.0f - alpha in float loses the complement's low digits
        b.kernel("optimizer", "rmsprop_f32").p(o.param()).p(o.grad()).p(o.squareAvg()).f(r.lr())
                .f(r.alpha()).f(1 - r.alpha()).f(r.epsilon()).f(r.weightDecay()).i(total).elements(total);
    }

    public static void adam(KernelHost b, Adam.Step o) {
        Adam a = o.adam();
        int total = o.param().size();
        // the bias corrections and the complements 1 - beta in double on the host: lr / (1 - beta1^t),
        // sqrt(1 - beta2^t)
        b.kernel("optimizer", "adam_f32").p(o.param()).p(o.grad()).p(o.expAvg()).p(o.expAvgSq())
                .f(adamStepSize(a)).f(a.beta1()).f(1 - a.beta1()).f(a.beta2()).f(1 - a.beta2()).f(a.epsilon())
                .f(adamCorrection2(a)).f(a.weightDecay()).i(total).elements(total);
    }

    public static void sgd(KernelHost b, Sgd.Steps o) {
        Sgd s = o.sgd();
        boolean hasBuf = s.momentum() != 0;
        // without momentum the buffers are never read; the parameters stand in for them
        List<Tensor> bufs = hasBuf ? o.momentumBuffers() : o.params();
        groups(o.params(), (first, count, total) -> {
            KernelHost.Launch l = b.kernel("optimizer", "sgd_multi_f32");
            for (int k = 0; k < GROUP; k++) {
                int t = first + (k < count ? k : 0);
                l.p(o.params().get(t)).p(o.grads().get(t)).p(bufs.get(t));
            }
            starts(l, o.params(), first, count, total).f(s.lr()).f(s.momentum()).f(s.weightDecay())
                    .i(s.nesterov() ? 1 : 0).i(hasBuf ? 1 : 0).elements(total);
        });
    }

    public static void adagrad(KernelHost b, Adagrad.Steps o) {
        Adagrad a = o.adagrad();
        groups(o.params(), (first, count, total) -> {
            KernelHost.Launch l = b.kernel("optimizer", "adagrad_multi_f32");
            for (int k = 0; k < GROUP; k++) {
                int t = first + (k < count ? k : 0);
                l.p(o.params().get(t)).p(o.grads().get(t)).p(o.stateSums().get(t));
            }
            starts(l, o.params(), first, count, total).f(a.clr()).f(a.epsilon()).f(a.weightDecay())
                    .elements(total);
        });
    }

    public static void rmsProp(KernelHost b, RmsProp.Steps o) {
        RmsProp r = o.rmsProp();
        groups(o.params(), (first, count, total) -> {
            KernelHost.Launch l = b.kernel("optimizer", "rmsprop_multi_f32");
            for (int k = 0; k < GROUP; k++) {
                int t = first + (k < count ? k : 0);
                l.p(o.params().get(t)).p(o.grads().get(t)).p(o.squareAvgs().get(t));
            }
            starts(l, o.params(), first, count, total).f(r.lr()).f(r.alpha()).f(1 - r.alpha()).f(r.epsilon())
                    .f(r.weightDecay()).elements(total);
        });
    }

    public static void adam(KernelHost b, Adam.Steps o) {
        Adam a = o.adam();
        double stepSize = adamStepSize(a);
        double correction2 = adamCorrection2(a);
        groups(o.params(), (first, count, total) -> {
            KernelHost.Launch l = b.kernel("optimizer", "adam_multi_f32");
            for (int k = 0; k < GROUP; k++) {
                int t = first + (k < count ? k : 0);
                l.p(o.params().get(t)).p(o.grads().get(t)).p(o.expAvgs().get(t)).p(o.expAvgSqs().get(t));
            }
            starts(l, o.params(), first, count, total).f(stepSize).f(a.beta1()).f(1 - a.beta1()).f(a.beta2())
                    .f(1 - a.beta2()).f(a.epsilon()).f(correction2).f(a.weightDecay()).elements(total);
        });
    }

    /** Adam's {@code lr / (1 - beta1^t)}, in double. */
    private static double adamStepSize(Adam a) {
        return a.lr() / (1 - Math.pow(a.beta1(), a.step()));
    }

    /** Adam's {@code sqrt(1 - beta2^t)}, in double. */
    private static double adamCorrection2(Adam a) {
        return Math.sqrt(1 - Math.pow(a.beta2(), a.step()));
    }

    /** One launch over tensors {@code [first, first + count)}, {@code total} elements in all. */
    private interface Group {
        void launch(int first, int count, int total);
    }

    /**
     * Splits {@code params} into groups in order, each of at most {@link #GROUP} tensors and at most
     * {@link Integer#MAX_VALUE} elements, and launches each.
     */
    private static void groups(List<Tensor> params, Group g) {
        int first = 0;
        while (first < params.size()) {
            int count = 0;
            long total = 0;
            while (first + count < params.size() && count < GROUP
                    && total + params.get(first + count).size() <= Integer.MAX_VALUE) {
                total += params.get(first + count).size();
                count++;
            }
            g.launch(first, count, (int) total);
            first += count;
        }
    }

    /** The start of each slot after the first (an unused slot starts at the end), then the group's total. */
    private static KernelHost.Launch starts(KernelHost.Launch l, List<Tensor> params, int first, int count,
            int total) {
        int start = 0;
        for (int k = 1; k < GROUP; k++) {
            if (k < count) {
                start += params.get(first + k - 1).size();
                l.i(start);
            } else {
                l.i(total);
            }
        }
        return l.i(total);
    }
}
