package org.cnn4j.backend.cpu;

import static org.cnn4j.backend.cpu.CpuBackend.data;

import org.cnn4j.ops.Adagrad;
import org.cnn4j.ops.Adam;
import org.cnn4j.ops.RmsProp;
import org.cnn4j.ops.Sgd;

/**
 * Optimizer steps, each one fused pass over parameter, gradient and state (read once, written once), in chunks
 * over the workers. The per-element arithmetic is float, branch-free, so the JIT vectorizes the loops; the
 * step-wide constants (bias corrections) are computed once in double.
 */
final class OptimizerCpu {
    private OptimizerCpu() {
    }

    static void sgd(CpuBackend be, Sgd.Step o) {
        Sgd s = o.sgd();
        float[] p = data(o.param());
        float[] grad = data(o.grad());
        float[] buf = s.momentum() != 0 ? data(o.momentumBuffer()) : null;
        float lr = (float) s.lr();
        float wd = (float) s.weightDecay();
        float mom = (float) s.momentum();
        boolean nesterov = s.nesterov();
        be.parallelFor(p.length, 4, (from, to) -> {
            if (buf == null) {
                for (int i = from; i < to; i++) {
                    p[i] -= lr * (grad[i] + wd * p[i]);
                }
            } else if (nesterov) {
                for (int i = from; i < to; i++) {
                    float g = grad[i] + wd * p[i];
                    float b = mom * buf[i] + g;
                    buf[i] = b;
                    p[i] -= lr * (g + mom * b);
                }
            } else {
                for (int i = from; i < to; i++) {
                    float b = mom * buf[i] + grad[i] + wd * p[i];
                    buf[i] = b;
                    p[i] -= lr * b;
                }
            }
        });
    }

    static void adagrad(CpuBackend be, Adagrad.Step o) {
        Adagrad a = o.adagrad();
        float[] p = data(o.param());
        float[] grad = data(o.grad());
        float[] sum = data(o.stateSum());
        // the decayed rate of this step, in double then rounded once
        float lr = (float) a.clr();
        float wd = (float) a.weightDecay();
        float eps = (float) a.epsilon();
        be.parallelFor(p.length, 8, (from, to) -> {
            for (int i = from; i < to; i++) {
                float g = grad[i] + wd * p[i];
                float s = sum[i] + g * g;
                sum[i] = s;
                p[i] -= lr * g / ((float) Math.sqrt(s) + eps);
            }
        });
    }

    static void rmsProp(CpuBackend be, RmsProp.Step o) {
        RmsProp r = o.rmsProp();
        float[] p = data(o.param());
        float[] grad = data(o.grad());
        float[] v = data(o.squareAvg());
        float lr = (float) r.lr();
        float wd = (float) r.weightDecay();
        float alpha = (float) r.alpha();
        float oneMinusAlpha = (float) (1 - r.alpha());
        float eps = (float) r.epsilon();
        be.parallelFor(p.length, 8, (from, to) -> {
            for (int i = from; i < to; i++) {
                float g = grad[i] + wd * p[i];
                float sq = alpha * v[i] + oneMinusAlpha * g * g;
                v[i] = sq;
                p[i] -= lr * g / ((float) Math.sqrt(sq) + eps);
            }
        });
    }

    static void adam(CpuBackend be, Adam.Step o) {
        Adam a = o.adam();
        float[] p = data(o.param());
        float[] grad = data(o.grad());
        float[] m = data(o.expAvg());
        float[] v = data(o.expAvgSq());
        float b1 = (float) a.beta1();
        float oneMinusB1 = (float) (1 - a.beta1());
        float b2 = (float) a.beta2();
        float oneMinusB2 = (float) (1 - a.beta2());
        float wd = (float) a.weightDecay();
        float eps = (float) a.epsilon();
        float stepSize = (float) (a.lr() / (1 - StrictMath.pow(a.beta1(), a.step())));
        float invCorrection2 = (float) (1 / Math.sqrt(1 - StrictMath.pow(a.beta2(), a.step())));
        be.parallelFor(p.length, 10, (from, to) -> {
            for (int i = from; i < to; i++) {
                float g = grad[i] + wd * p[i];
                float mi = b1 * m[i] + oneMinusB1 * g;
                float vi = b2 * v[i] + oneMinusB2 * g * g;
                m[i] = mi;
                v[i] = vi;
                p[i] -= stepSize * mi / ((float) Math.sqrt(vi) * invCorrection2 + eps);
            }
        });
    }
}
