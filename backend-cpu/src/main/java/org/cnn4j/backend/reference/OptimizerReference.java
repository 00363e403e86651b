package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ReferenceBackend.data;
import static org.cnn4j.backend.reference.ReferenceBackend.finish;

import org.cnn4j.ops.Adagrad;
import org.cnn4j.ops.Adam;
import org.cnn4j.ops.RmsProp;
import org.cnn4j.ops.Sgd;

/**
 * Optimizer steps, element by element and in place on the parameter and its state, as PyTorch's
 * {@code torch.optim} (formulas on {@link Sgd}, {@link Adagrad}, {@link RmsProp}, {@link Adam}). The gradient is
 * read, never written; weight decay is added to a local copy of it.
 */
final class OptimizerReference {
    private OptimizerReference() {
    }

    /** SGD with optional momentum (dampening 0), Nesterov and weight decay. */
    static void sgd(Sgd.Step o) {
        Sgd s = o.sgd();
        double[] p = data(o.param());
        double[] grad = data(o.grad());
        double[] buf = s.momentum() != 0 ? data(o.momentumBuffer()) : null;
        for (int i = 0; i < p.length; i++) {
            double g = grad[i] + s.weightDecay() * p[i];
            if (buf != null) {
                buf[i] = s.momentum() * buf[i] + g;
                g = s.nesterov() ? g + s.momentum() * buf[i] : buf[i];
            }
            p[i] -= s.lr() * g;
        }
        finish(o.param());
        if (buf != null) {
            finish(o.momentumBuffer());
        }
    }

    /** AdaGrad: sum += g^2; p -= clr * g / (sqrt(sum) + eps), clr = lr / (1 + (step - 1) * lrDecay). */
    static void adagrad(Adagrad.Step o) {
        Adagrad a = o.adagrad();
        double[] p = data(o.param());
        double[] grad = data(o.grad());
        double[] sum = data(o.stateSum());
        for (int i = 0; i < p.length; i++) {
            double g = grad[i] + a.weightDecay() * p[i];
            sum[i] += g * g;
            p[i] -= a.clr() * g / (Math.sqrt(sum[i]) + a.epsilon());
        }
        finish(o.param());
        finish(o.stateSum());
    }

    /** RMSProp: v = alpha v + (1 - alpha) g^2; p -= lr * g / (sqrt(v) + eps). */
    static void rmsProp(RmsProp.Step o) {
        RmsProp r = o.rmsProp();
        double[] p = data(o.param());
        double[] grad = data(o.grad());
        double[] v = data(o.squareAvg());
        for (int i = 0; i < p.length; i++) {
            double g = grad[i] + r.weightDecay() * p[i];
            v[i] = r.alpha() * v[i] + (1 - r.alpha()) * g * g;
            p[i] -= r.lr() * g / (Math.sqrt(v[i]) + r.epsilon());
        }
        finish(o.param());
        finish(o.squareAvg());
    }

    /** Adam: m and v moving averages; p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps). */
    static void adam(Adam.Step o) {
        Adam a = o.adam();
        double[] p = data(o.param());
        double[] grad = data(o.grad());
        double[] m = data(o.expAvg());
        double[] v = data(o.expAvgSq());
        double correction1 = 1 - Math.pow(a.beta1(), a.step());
        double correction2 = Math.sqrt(1 - Math.pow(a.beta2(), a.step()));
        for (int i = 0; i < p.length; i++) {
            double g = grad[i] + a.weightDecay() * p[i];
            m[i] = a.beta1() * m[i] + (1 - a.beta1()) * g;
            v[i] = a.beta2() * v[i] + (1 - a.beta2()) * g * g;
            p[i] -= a.lr() / correction1 * m[i] / (Math.sqrt(v[i]) / correction2 + a.epsilon());
        }
        finish(o.param());
        finish(o.expAvg());
        finish(o.expAvgSq());
    }

    /** The multi-tensor steps: the single-tensor step of each parameter in turn. */
    static void sgd(Sgd.Steps o) {
        for (int i = 0; i < o.params().size(); i++) {
            sgd(o.step(i));
        }
    }

    static void adagrad(Adagrad.Steps o) {
        for (int i = 0; i < o.params().size(); i++) {
            adagrad(o.step(i));
        }
    }

    static void rmsProp(RmsProp.Steps o) {
        for (int i = 0; i < o.params().size(); i++) {
            rmsProp(o.step(i));
        }
    }

    static void adam(Adam.Steps o) {
        for (int i = 0; i < o.params().size(); i++) {
            adam(o.step(i));
        }
    }
}
