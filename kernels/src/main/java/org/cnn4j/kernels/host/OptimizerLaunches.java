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

    /** The multi kernels' parameter names of each slot: p0..p15, g0..g15, s0..s15 (m, v for Adam), o1..o15. */
    private static final String[] P = names("p");
    private static final String[] G = names("g");
    private static final String[] S = names("s");
    private static final String[] M = names("m");
    private static final String[] V = names("v");
    private static final String[] O = names("o");

    private static String[] names(String prefix) {
        String[] n = new String[GROUP];
        for (int k = 0; k < GROUP; k++) {
            n[k] = prefix + k;
        }
        return n;
    }

    private OptimizerLaunches() {
    }

    public static void sgd(KernelHost b, Sgd.Step o) {
        Sgd s = o.sgd();
        int total = o.param().size();
        boolean hasBuf = s.momentum() != 0;
        // without momentum the buffer argument is never read; the parameter stands in for it
        b.kernel("optimizer", "sgd_f32").p("p", o.param()).p("grad", o.grad())
                .p("buf", hasBuf ? o.momentumBuffer() : o.param()).f("lr", s.lr()).f("momentum", s.momentum())
                .f("wd", s.weightDecay()).i("nesterov", s.nesterov() ? 1 : 0).i("hasBuf", hasBuf ? 1 : 0)
                .i("total", total).elements(total);
    }

    public static void adagrad(KernelHost b, Adagrad.Step o) {
        Adagrad a = o.adagrad();
        int total = o.param().size();
        b.kernel("optimizer", "adagrad_f32").p("p", o.param()).p("grad", o.grad()).p("sum", o.stateSum())
                .f("lr", a.clr()).f("eps", a.epsilon()).f("wd", a.weightDecay()).i("total", total).elements(total);
    }

    public static void rmsProp(KernelHost b, RmsProp.Step o) {
        RmsProp r = o.rmsProp();
        int total = o.param().size();
        // 1 - alpha in double, then rounded: 1.0f - alpha in float loses the complement's low digits
        b.kernel("optimizer", "rmsprop_f32").p("p", o.param()).p("grad", o.grad()).p("sq", o.squareAvg())
                .f("lr", r.lr()).f("alpha", r.alpha()).f("oneMinusAlpha", 1 - r.alpha()).f("eps", r.epsilon())
                .f("wd", r.weightDecay()).i("total", total).elements(total);
    }

    public static void adam(KernelHost b, Adam.Step o) {
        Adam a = o.adam();
        int total = o.param().size();
        // the bias corrections and the complements 1 - beta in double on the host: lr / (1 - beta1^t),
        // sqrt(1 - beta2^t)
        b.kernel("optimizer", "adam_f32").p("p", o.param()).p("grad", o.grad()).p("m", o.expAvg())
                .p("v", o.expAvgSq()).f("stepSize", adamStepSize(a)).f("beta1", a.beta1())
                .f("oneMinusBeta1", 1 - a.beta1()).f("beta2", a.beta2()).f("oneMinusBeta2", 1 - a.beta2())
                .f("eps", a.epsilon()).f("correction2", adamCorrection2(a)).f("wd", a.weightDecay())
                .i("total", total).elements(total);
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
                l.p(P[k], o.params().get(t)).p(G[k], o.grads().get(t)).p(S[k], bufs.get(t));
            }
            starts(l, o.params(), first, count, total).f("lr", s.lr()).f("momentum", s.momentum())
                    .f("wd", s.weightDecay()).i("nesterov", s.nesterov() ? 1 : 0).i("hasBuf", hasBuf ? 1 : 0)
                    .elements(total);
        });
    }

    public static void adagrad(KernelHost b, Adagrad.Steps o) {
        Adagrad a = o.adagrad();
        groups(o.params(), (first, count, total) -> {
            KernelHost.Launch l = b.kernel("optimizer", "adagrad_multi_f32");
            for (int k = 0; k < GROUP; k++) {
                int t = first + (k < count ? k : 0);
                l.p(P[k], o.params().get(t)).p(G[k], o.grads().get(t)).p(S[k], o.stateSums().get(t));
            }
            starts(l, o.params(), first, count, total).f("lr", a.clr()).f("eps", a.epsilon())
                    .f("wd", a.weightDecay()).elements(total);
        });
    }

    public static void rmsProp(KernelHost b, RmsProp.Steps o) {
        RmsProp r = o.rmsProp();
        groups(o.params(), (first, count, total) -> {
            KernelHost.Launch l = b.kernel("optimizer", "rmsprop_multi_f32");
            for (int k = 0; k < GROUP; k++) {
                int t = first + (k < count ? k : 0);
                l.p(P[k], o.params().get(t)).p(G[k], o.grads().get(t)).p(S[k], o.squareAvgs().get(t));
            }
            starts(l, o.params(), first, count, total).f("lr", r.lr()).f("alpha", r.alpha())
                    .f("oneMinusAlpha", 1 - r.alpha()).f("eps", r.epsilon()).f("wd", r.weightDecay())
                    .elements(total);
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
                l.p(P[k], o.params().get(t)).p(G[k], o.grads().get(t)).p(M[k], o.expAvgs().get(t))
                        .p(V[k], o.expAvgSqs().get(t));
            }
            starts(l, o.params(), first, count, total).f("stepSize", stepSize).f("beta1", a.beta1())
                    .f("oneMinusBeta1", 1 - a.beta1()).f("beta2", a.beta2()).f("oneMinusBeta2", 1 - a.beta2())
                    .f("eps", a.epsilon()).f("correction2", correction2).f("wd", a.weightDecay()).elements(total);
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
                l.i(O[k], start);
            } else {
                l.i(O[k], total);
            }
        }
        return l.i("total", total);
    }
}
