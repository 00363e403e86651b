package org.cnn4j.conformance;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Adagrad;
import org.cnn4j.ops.Adam;
import org.cnn4j.ops.Op;
import org.cnn4j.ops.RmsProp;
import org.cnn4j.ops.Sgd;

/**
 * The multi-tensor optimizer steps against the single-tensor steps on one backend, bit for bit: for each rule,
 * a parameter list is stepped three times with one {@code Steps} call per step and, from the same values, with
 * one {@code Step} call per parameter; every parameter and state tensor must hold the same bits after each step.
 * The lists are LeNet-5's ten tensors (one launch on the GPU backends) and 33 tensors of 1 to 300 elements (three
 * launches of 16, 16 and 1), so a kernel that mis-assigns, skips or double-updates any slot of a group shows.
 */
public final class MultiTensorParity {
    private MultiTensorParity() {
    }

    /** One rule: its state count and the multi- and single-tensor calls at a step. */
    private interface Rule {
        int states();

        Op multi(long step, List<Tensor> p, List<Tensor> g, List<List<Tensor>> s);

        Op single(long step, Tensor p, Tensor g, List<Tensor> s);
    }

    private record Named(String name, Rule rule) {
    }

    private static final List<Named> RULES = List.of(
            new Named("SGD", sgd(Sgd.plain(0.1))),
            new Named("SGD momentum 0.9", sgd(new Sgd(0.05, 0.9, 0, false))),
            new Named("SGD nesterov, weight decay", sgd(new Sgd(0.05, 0.9, 5e-4, true))),
            new Named("AdaGrad with lr decay", new Rule() {
                public int states() {
                    return 1;
                }

                public Op multi(long t, List<Tensor> p, List<Tensor> g, List<List<Tensor>> s) {
                    return new Adagrad.Steps(adagrad(t), p, g, s.get(0));
                }

                public Op single(long t, Tensor p, Tensor g, List<Tensor> s) {
                    return new Adagrad.Step(adagrad(t), p, g, s.get(0));
                }
            }),
            new Named("RMSProp", new Rule() {
                final RmsProp r = new RmsProp(0.01, 0.99, 1e-8, 1e-4);

                public int states() {
                    return 1;
                }

                public Op multi(long t, List<Tensor> p, List<Tensor> g, List<List<Tensor>> s) {
                    return new RmsProp.Steps(r, p, g, s.get(0));
                }

                public Op single(long t, Tensor p, Tensor g, List<Tensor> s) {
                    return new RmsProp.Step(r, p, g, s.get(0));
                }
            }),
            new Named("Adam with weight decay", new Rule() {
                public int states() {
                    return 2;
                }

                public Op multi(long t, List<Tensor> p, List<Tensor> g, List<List<Tensor>> s) {
                    return new Adam.Steps(adam(t), p, g, s.get(0), s.get(1));
                }

                public Op single(long t, Tensor p, Tensor g, List<Tensor> s) {
                    return new Adam.Step(adam(t), p, g, s.get(0), s.get(1));
                }
            }));

    private static Adagrad adagrad(long step) {
        return new Adagrad(0.1, 1e-10, 1e-3, 0.05, step);
    }

    private static Adam adam(long step) {
        return new Adam(0.01, 0.9, 0.999, 1e-8, 1e-2, step);
    }

    private static Rule sgd(Sgd o) {
        return new Rule() {
            public int states() {
                return o.momentum() != 0 ? 1 : 0;
            }

            public Op multi(long t, List<Tensor> p, List<Tensor> g, List<List<Tensor>> s) {
                return new Sgd.Steps(o, p, g, s.isEmpty() ? null : s.get(0));
            }

            public Op single(long t, Tensor p, Tensor g, List<Tensor> s) {
                return new Sgd.Step(o, p, g, s.isEmpty() ? null : s.get(0));
            }
        };
    }

    /** The parameter lists: LeNet-5's, and 33 tensors of 1 to 300 elements (groups of 16, 16 and 1). */
    static List<List<Shape>> lists() {
        List<Shape> many = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(33);
        for (int i = 0; i < 33; i++) {
            many.add(i % 5 == 0 ? Shape.of(1) : Shape.of(r.nextInt(1, 11), r.nextInt(1, 31)));
        }
        return List.of(OpDatabase.LENET5, many);
    }

    /**
     * Runs every rule on every list on {@code b}; returns the mismatches found (empty when the multi-tensor steps
     * equal the single-tensor steps bit for bit), each naming the rule, list, step, tensor and element.
     */
    public static List<String> mismatches(Backend b) {
        List<String> out = new ArrayList<>();
        for (Named n : RULES) {
            for (List<Shape> shapes : lists()) {
                String m = compare(b, n, shapes);
                if (m != null) {
                    out.add(m);
                }
            }
        }
        return out;
    }

    private static String compare(Backend b, Named n, List<Shape> shapes) {
        Rule rule = n.rule();
        SplittableRandom r = new SplittableRandom(shapes.size() * 31L + n.name().hashCode());
        List<Tensor> owned = new ArrayList<>();
        try {
            List<Tensor> pa = new ArrayList<>();
            List<Tensor> pb = new ArrayList<>();
            List<Tensor> g = new ArrayList<>();
            List<List<Tensor>> sa = new ArrayList<>();
            List<List<Tensor>> sb = new ArrayList<>();
            for (int k = 0; k < rule.states(); k++) {
                sa.add(new ArrayList<>());
                sb.add(new ArrayList<>());
            }
            for (Shape s : shapes) {
                float[] p = values(r, s.size(), -1, 1);
                pa.add(tensor(b, s, p, owned));
                pb.add(tensor(b, s, p, owned));
                g.add(tensor(b, s, new float[s.size()], owned));
                for (int k = 0; k < rule.states(); k++) {
                    float[] v = values(r, s.size(), 0, 0.5);
                    sa.get(k).add(tensor(b, s, v, owned));
                    sb.get(k).add(tensor(b, s, v, owned));
                }
            }
            for (long step = 1; step <= 3; step++) {
                for (Tensor t : g) {
                    t.copyFrom(values(r, t.shape().size(), -1, 1));
                }
                b.execute(rule.multi(step, pa, g, sa));
                for (int i = 0; i < shapes.size(); i++) {
                    List<Tensor> si = new ArrayList<>();
                    for (List<Tensor> l : sb) {
                        si.add(l.get(i));
                    }
                    b.execute(rule.single(step, pb.get(i), g.get(i), si));
                }
                String where = n.name() + ", " + shapes.size() + " tensors, step " + step + ": ";
                String m = differ(where + "params", pa, pb);
                for (int k = 0; m == null && k < rule.states(); k++) {
                    m = differ(where + "state " + k, sa.get(k), sb.get(k));
                }
                if (m != null) {
                    return m;
                }
            }
            return null;
        } finally {
            for (Tensor t : owned) {
                t.close();
            }
        }
    }

    private static String differ(String what, List<Tensor> multi, List<Tensor> single) {
        for (int i = 0; i < multi.size(); i++) {
            float[] a = multi.get(i).toFloatArray();
            float[] c = single.get(i).toFloatArray();
            for (int j = 0; j < a.length; j++) {
                if (Float.floatToRawIntBits(a[j]) != Float.floatToRawIntBits(c[j])) {
                    return what + "[" + i + "] " + multi.get(i).shape() + " element " + j + ": multi-tensor "
                            + a[j] + " but single-tensor " + c[j];
                }
            }
        }
        return null;
    }

    private static float[] values(SplittableRandom r, int n, double lo, double hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextDouble(lo, hi);
        }
        return v;
    }

    private static Tensor tensor(Backend b, Shape s, float[] v, List<Tensor> owned) {
        Tensor t = b.allocate(s);
        owned.add(t);
        t.copyFrom(v);
        return t;
    }
}
