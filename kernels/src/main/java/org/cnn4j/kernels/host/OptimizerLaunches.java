package org.cnn4j.kernels.host;

import org.cnn4j.ops.Adagrad;
import org.cnn4j.ops.Adam;
import org.cnn4j.ops.RmsProp;
import org.cnn4j.ops.Sgd;

/** Optimizer steps (elementwise.k), in place on the parameter and its state; one work-item per element. */
public final class OptimizerLaunches {
    private OptimizerLaunches() {
    }

    public static void sgd(KernelHost b, Sgd.Step o) {
        Sgd s = o.sgd();
        int total = o.param().size();
        boolean hasBuf = s.momentum() != 0;
        // without momentum the buffer argument is never read; the parameter stands in for it
        b.kernel("elementwise", "sgd_f32").p("p", o.param()).p("grad", o.grad())
                .p("buf", hasBuf ? o.momentumBuffer() : o.param()).f("lr", s.lr()).f("momentum", s.momentum())
                .f("wd", s.weightDecay()).i("nesterov", s.nesterov() ? 1 : 0).i("hasBuf", hasBuf ? 1 : 0)
                .i("total", total).elements(total);
    }

    public static void adagrad(KernelHost b, Adagrad.Step o) {
        Adagrad a = o.adagrad();
        int total = o.param().size();
        b.kernel("elementwise", "adagrad_f32").p("p", o.param()).p("grad", o.grad()).p("sum", o.stateSum())
                .f("lr", a.clr()).f("eps", a.epsilon()).f("wd", a.weightDecay()).i("total", total).elements(total);
    }

    public static void rmsProp(KernelHost b, RmsProp.Step o) {
        RmsProp r = o.rmsProp();
        int total = o.param().size();
        // 1 - alpha in double, then rounded: 1.0f - alpha in float loses the complement's low digits
        b.kernel("elementwise", "rmsprop_f32").p("p", o.param()).p("grad", o.grad()).p("sq", o.squareAvg())
                .f("lr", r.lr()).f("alpha", r.alpha()).f("oneMinusAlpha", 1 - r.alpha()).f("eps", r.epsilon())
                .f("wd", r.weightDecay()).i("total", total).elements(total);
    }

    public static void adam(KernelHost b, Adam.Step o) {
        Adam a = o.adam();
        int total = o.param().size();
        // the bias corrections and the complements 1 - beta in double on the host: lr / (1 - beta1^t),
        // sqrt(1 - beta2^t)
        double stepSize = a.lr() / (1 - Math.pow(a.beta1(), a.step()));
        double correction2 = Math.sqrt(1 - Math.pow(a.beta2(), a.step()));
        b.kernel("elementwise", "adam_f32").p("p", o.param()).p("grad", o.grad()).p("m", o.expAvg())
                .p("v", o.expAvgSq()).f("stepSize", stepSize).f("beta1", a.beta1()).f("oneMinusBeta1", 1 - a.beta1())
                .f("beta2", a.beta2()).f("oneMinusBeta2", 1 - a.beta2()).f("eps", a.epsilon())
                .f("correction2", correction2).f("wd", a.weightDecay()).i("total", total).elements(total);
    }
}
