package org.cnn4j.backend.cpu;

import static org.cnn4j.backend.cpu.CpuBackend.data;

import java.util.List;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Adagrad;
import org.cnn4j.ops.Adam;
import org.cnn4j.ops.RmsProp;
import org.cnn4j.ops.Sgd;

/**
 * Optimizer steps, each one fused pass over parameter, gradient and state (read once, written once), in chunks
 * over the workers. The per-element arithmetic is float, branch-free, so the JIT vectorizes the loops; the
 * step-wide constants (bias corrections) are computed once in double. The multi-tensor steps ({@code Steps}) run
 * one pass over the elements of all their parameters end to end, split into chunks over the workers as one loop,
 * each element through the same range function as the single-tensor step, so both give the same bits.
 */
final class OptimizerCpu {
    private OptimizerCpu() {
    }

    /** The step-wide constants of an SGD step, in float. */
    private record SgdK(float lr, float wd, float mom, boolean nesterov) {
        SgdK(Sgd s) {
            this((float) s.lr(), (float) s.weightDecay(), (float) s.momentum(), s.nesterov());
        }

        void run(float[] p, float[] grad, float[] buf, int from, int to) {
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
        }
    }

    /** AdaGrad's constants: the decayed rate of this step, in double then rounded once. */
    private record AdagradK(float lr, float wd, float eps) {
        AdagradK(Adagrad a) {
            this((float) a.clr(), (float) a.weightDecay(), (float) a.epsilon());
        }

        void run(float[] p, float[] grad, float[] sum, int from, int to) {
            for (int i = from; i < to; i++) {
                float g = grad[i] + wd * p[i];
                float s = sum[i] + g * g;
                sum[i] = s;
                p[i] -= lr * g / ((float) Math.sqrt(s) + eps);
            }
        }
    }

    private record RmsPropK(float lr, float wd, float alpha, float oneMinusAlpha, float eps) {
        RmsPropK(RmsProp r) {
            this((float) r.lr(), (float) r.weightDecay(), (float) r.alpha(), (float) (1 - r.alpha()),
                    (float) r.epsilon());
        }

        void run(float[] p, float[] grad, float[] v, int from, int to) {
            for (int i = from; i < to; i++) {
                float g = grad[i] + wd * p[i];
                float sq = alpha * v[i] + oneMinusAlpha * g * g;
                v[i] = sq;
                p[i] -= lr * g / ((float) Math.sqrt(sq) + eps);
            }
        }
    }

    private record AdamK(float b1, float oneMinusB1, float b2, float oneMinusB2, float wd, float eps,
            float stepSize, float invCorrection2) {
        AdamK(Adam a) {
            this((float) a.beta1(), (float) (1 - a.beta1()), (float) a.beta2(), (float) (1 - a.beta2()),
                    (float) a.weightDecay(), (float) a.epsilon(),
                    (float) (a.lr() / (1 - StrictMath.pow(a.beta1(), a.step()))),
                    (float) (1 / Math.sqrt(1 - StrictMath.pow(a.beta2(), a.step()))));
        }

        void run(float[] p, float[] grad, float[] m, float[] v, int from, int to) {
            for (int i = from; i < to; i++) {
                float g = grad[i] + wd * p[i];
                float mi = b1 * m[i] + oneMinusB1 * g;
                float vi = b2 * v[i] + oneMinusB2 * g * g;
                m[i] = mi;
                v[i] = vi;
                p[i] -= stepSize * mi / ((float) Math.sqrt(vi) * invCorrection2 + eps);
            }
        }
    }

    static void sgd(CpuBackend be, Sgd.Step o) {
        SgdK k = new SgdK(o.sgd());
        float[] p = data(o.param());
        float[] grad = data(o.grad());
        float[] buf = o.sgd().momentum() != 0 ? data(o.momentumBuffer()) : null;
        be.parallelFor(p.length, 4, (from, to) -> k.run(p, grad, buf, from, to));
    }

    static void adagrad(CpuBackend be, Adagrad.Step o) {
        AdagradK k = new AdagradK(o.adagrad());
        float[] p = data(o.param());
        float[] grad = data(o.grad());
        float[] sum = data(o.stateSum());
        be.parallelFor(p.length, 8, (from, to) -> k.run(p, grad, sum, from, to));
    }

    static void rmsProp(CpuBackend be, RmsProp.Step o) {
        RmsPropK k = new RmsPropK(o.rmsProp());
        float[] p = data(o.param());
        float[] grad = data(o.grad());
        float[] v = data(o.squareAvg());
        be.parallelFor(p.length, 8, (from, to) -> k.run(p, grad, v, from, to));
    }

    static void adam(CpuBackend be, Adam.Step o) {
        AdamK k = new AdamK(o.adam());
        float[] p = data(o.param());
        float[] grad = data(o.grad());
        float[] m = data(o.expAvg());
        float[] v = data(o.expAvgSq());
        be.parallelFor(p.length, 10, (from, to) -> k.run(p, grad, m, v, from, to));
    }

    static void sgd(CpuBackend be, Sgd.Steps o) {
        SgdK k = new SgdK(o.sgd());
        float[][] p = arrays(o.params());
        float[][] grad = arrays(o.grads());
        float[][] buf = o.sgd().momentum() != 0 ? arrays(o.momentumBuffers()) : new float[p.length][];
        overAll(be, p, 4, (t, from, to) -> k.run(p[t], grad[t], buf[t], from, to));
    }

    static void adagrad(CpuBackend be, Adagrad.Steps o) {
        AdagradK k = new AdagradK(o.adagrad());
        float[][] p = arrays(o.params());
        float[][] grad = arrays(o.grads());
        float[][] sum = arrays(o.stateSums());
        overAll(be, p, 8, (t, from, to) -> k.run(p[t], grad[t], sum[t], from, to));
    }

    static void rmsProp(CpuBackend be, RmsProp.Steps o) {
        RmsPropK k = new RmsPropK(o.rmsProp());
        float[][] p = arrays(o.params());
        float[][] grad = arrays(o.grads());
        float[][] v = arrays(o.squareAvgs());
        overAll(be, p, 8, (t, from, to) -> k.run(p[t], grad[t], v[t], from, to));
    }

    static void adam(CpuBackend be, Adam.Steps o) {
        AdamK k = new AdamK(o.adam());
        float[][] p = arrays(o.params());
        float[][] grad = arrays(o.grads());
        float[][] m = arrays(o.expAvgs());
        float[][] v = arrays(o.expAvgSqs());
        overAll(be, p, 10, (t, from, to) -> k.run(p[t], grad[t], m[t], v[t], from, to));
    }

    private static float[][] arrays(List<Tensor> ts) {
        float[][] a = new float[ts.size()][];
        for (int i = 0; i < a.length; i++) {
            a[i] = data(ts.get(i));
        }
        return a;
    }

    /** A part {@code [from, to)} of tensor {@code t}'s elements. */
    private interface Segment {
        void run(int t, int from, int to);
    }

    /**
     * Runs {@code body} over every element of the tensors {@code p}, laid end to end as one loop split over the
     * workers (a chunk may span several tensors); per tensor when the total exceeds an int.
     */
    private static void overAll(CpuBackend be, float[][] p, long cost, Segment body) {
        long total = 0;
        for (float[] a : p) {
            total += a.length;
        }
        if (total > Integer.MAX_VALUE) {
            for (int t = 0; t < p.length; t++) {
                int tensor = t;
                be.parallelFor(p[t].length, cost, (from, to) -> body.run(tensor, from, to));
            }
            return;
        }
        int[] start = new int[p.length + 1];
        for (int t = 0; t < p.length; t++) {
            start[t + 1] = start[t] + p[t].length;
        }
        be.parallelFor((int) total, cost, (from, to) -> {
            int t = 0;
            while (start[t + 1] <= from) {
                t++;
            }
            for (int i = from; i < to; t++) {
                int end = Math.min(to, start[t + 1]);
                body.run(t, i - start[t], end - start[t]);
                i = end;
            }
        });
    }
}
