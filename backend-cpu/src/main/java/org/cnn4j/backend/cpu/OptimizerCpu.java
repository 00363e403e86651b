package org.cnn4j.backend.cpu;

import static org.cnn4j.backend.cpu.CpuBackend.data;

import org.cnn4j.ops.Adagrad;
import org.cnn4j.ops.Adam;
import org.cnn4j.ops.RmsProp;
import org.cnn4j.ops.Sgd;

/**
 * Optimizer steps, each one fused pass over parameter, gradient and state (read once, written once), in chunks
 * over the workers; per-element arithmetic in double, stored as float.
 */
final class OptimizerCpu {
    private OptimizerCpu() {
    }

    static void sgd(CpuBackend be, Sgd.Step o) {
        Sgd s = o.sgd();
        float[] p = data(o.param());
        float[] grad = data(o.grad());
        float[] buf = s.momentum() != 0 ? data(o.momentumBuffer()) : null;
        double lr = s.lr();
        double wd = s.weightDecay();
        double mom = s.momentum();
        boolean nesterov = s.nesterov();
        be.parallelFor(p.length, 4, (from, to) -> {
            for (int i = from; i < to; i++) {
                double g = grad[i] + wd * p[i];
                if (buf != null) {
                    float b = (float) (mom * buf[i] + g);
                    buf[i] = b;
                    g = nesterov ? g + mom * b : b;
                }
                p[i] = (float) (p[i] - lr * g);
            }
        });
    }

    static void adagrad(CpuBackend be, Adagrad.Step o) {
        Adagrad a = o.adagrad();
        float[] p = data(o.param());
        float[] grad = data(o.grad());
        float[] sum = data(o.stateSum());
        double lr = a.lr();
        double wd = a.weightDecay();
        double eps = a.epsilon();
        be.parallelFor(p.length, 8, (from, to) -> {
            for (int i = from; i < to; i++) {
                double g = grad[i] + wd * p[i];
                float s = (float) (sum[i] + g * g);
                sum[i] = s;
                p[i] = (float) (p[i] - lr * g / (Math.sqrt(s) + eps));
            }
        });
    }

    static void rmsProp(CpuBackend be, RmsProp.Step o) {
        RmsProp r = o.rmsProp();
        float[] p = data(o.param());
        float[] grad = data(o.grad());
        float[] v = data(o.squareAvg());
        double lr = r.lr();
        double wd = r.weightDecay();
        double alpha = r.alpha();
        double eps = r.epsilon();
        be.parallelFor(p.length, 8, (from, to) -> {
            for (int i = from; i < to; i++) {
                double g = grad[i] + wd * p[i];
                float sq = (float) (alpha * v[i] + (1 - alpha) * g * g);
                v[i] = sq;
                p[i] = (float) (p[i] - lr * g / (Math.sqrt(sq) + eps));
            }
        });
    }

    static void adam(CpuBackend be, Adam.Step o) {
        Adam a = o.adam();
        float[] p = data(o.param());
        float[] grad = data(o.grad());
        float[] m = data(o.expAvg());
        float[] v = data(o.expAvgSq());
        double b1 = a.beta1();
        double b2 = a.beta2();
        double wd = a.weightDecay();
        double eps = a.epsilon();
        double stepSize = a.lr() / (1 - Math.pow(b1, a.step()));
        double correction2 = Math.sqrt(1 - Math.pow(b2, a.step()));
        be.parallelFor(p.length, 10, (from, to) -> {
            for (int i = from; i < to; i++) {
                double g = grad[i] + wd * p[i];
                float mi = (float) (b1 * m[i] + (1 - b1) * g);
                float vi = (float) (b2 * v[i] + (1 - b2) * g * g);
                m[i] = mi;
                v[i] = vi;
                p[i] = (float) (p[i] - stepSize * mi / (Math.sqrt(vi) / correction2 + eps));
            }
        });
    }
}
