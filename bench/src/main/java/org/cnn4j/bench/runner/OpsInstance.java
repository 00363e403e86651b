package org.cnn4j.bench.runner;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.cnn4j.check.Tolerances;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Op;

/**
 * A case made of operator calls: tensors created through {@link #in}, {@link #out} and friends (seeded, so every
 * backend gets the same values), calls that run once when the case is built ({@link #setUp}, e.g. the forward
 * whose saved statistics a backward reads) and the calls that are timed ({@link #timed}). Every output of a timed
 * call is compared with the reference at {@link Tolerances#of} its call's tolerance.
 */
public final class OpsInstance implements Instance {
    private final Backend be;
    private final List<Tensor> tensors = new ArrayList<>();
    private final List<Op> timedOps = new ArrayList<>();
    private Op[] timed = new Op[0];
    private long seed;

    public OpsInstance(Backend be) {
        this.be = be;
    }

    public Backend backend() {
        return be;
    }

    /** A tensor of values uniform in [-1, 1), from the next seed. */
    public Tensor in(Shape s) {
        return keep(be.fromArray(s, Random.uniform(s.size(), ++seed)));
    }

    /** A tensor of values uniform in [0.5, 1.5) (scales, variances, 1/std). */
    public Tensor positive(Shape s) {
        float[] v = Random.uniform(s.size(), ++seed);
        for (int i = 0; i < v.length; i++) {
            v[i] = 1f + 0.5f * v[i];
        }
        return keep(be.fromArray(s, v));
    }

    /** One-hot rows [n, classes], the class of row i drawn from the next seed. */
    public Tensor oneHot(Shape s) {
        return keep(be.fromArray(s, Random.oneHot(s.dim(0), s.dim(1), ++seed)));
    }

    /** An output tensor (zeros). */
    public Tensor out(Shape s) {
        return keep(be.allocate(s));
    }

    private Tensor keep(Tensor t) {
        tensors.add(t);
        return t;
    }

    /** Runs {@code op} once now (preparing inputs of the timed calls). */
    public OpsInstance setUp(Op op) {
        be.execute(op);
        return this;
    }

    /** Adds {@code op} to the timed calls. */
    public OpsInstance timed(Op op) {
        timedOps.add(op);
        timed = timedOps.toArray(new Op[0]);
        return this;
    }

    @Override
    public void run() {
        for (Op op : timed) {
            be.execute(op);
        }
    }

    @Override
    public Map<String, Output> outputs() {
        Map<String, Output> out = new LinkedHashMap<>();
        for (int i = 0; i < timed.length; i++) {
            Op op = timed[i];
            for (Map.Entry<String, Tensor> e : op.outputs().entrySet()) {
                out.put(i + ":" + op.name() + "." + e.getKey(), new Output(e.getValue(), Tolerances.of(op)));
            }
        }
        return out;
    }

    @Override
    public void close() {
        tensors.forEach(Tensor::close);
        tensors.clear();
    }

    /** Seeded random values for the benchmarks: never zeros, the same on every backend and in every run. */
    public static final class Random {
        private Random() {
        }

        /** {@code size} values uniform in [-1, 1) from {@code seed}. */
        public static float[] uniform(int size, long seed) {
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 17);
            float[] a = new float[size];
            for (int i = 0; i < size; i++) {
                a[i] = (float) (r.nextDouble() * 2 - 1);
            }
            return a;
        }

        /** {@code n} one-hot rows of {@code classes}, the hot class uniform from {@code seed}. */
        public static float[] oneHot(int n, int classes, long seed) {
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 29);
            float[] a = new float[n * classes];
            for (int i = 0; i < n; i++) {
                a[i * classes + r.nextInt(classes)] = 1f;
            }
            return a;
        }
    }
}
