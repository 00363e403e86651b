package org.cnn4j.bench.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Backends;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Op;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CheckTest {
    static Backend reference;
    static Backend cpu;

    @BeforeAll
    static void open() {
        reference = Backends.open("reference");
        cpu = Backends.open("cpu");
    }

    @AfterAll
    static void close() {
        cpu.close();
        reference.close();
    }

    /**
     * The cpu backend with a planted fault: after every call of {@code family}, one element of each output is
     * moved by {@code delta}, as a wrong index or a missed term would.
     */
    static final class Faulty implements Backend {
        private final Backend inner;
        private final String family;
        private final double delta;

        Faulty(Backend inner, String family, double delta) {
            this.inner = inner;
            this.family = family;
            this.delta = delta;
        }

        @Override
        public String name() {
            return "faulty";
        }

        @Override
        public String device() {
            return "cpu with a planted fault in " + family;
        }

        @Override
        public boolean supports(DType dtype) {
            return inner.supports(dtype);
        }

        @Override
        public boolean supports(Op op) {
            return inner.supports(op);
        }

        @Override
        public Tensor allocate(Shape shape, DType dtype) {
            return inner.allocate(shape, dtype);
        }

        @Override
        public void execute(Op op) {
            inner.execute(op);
            if (op.name().startsWith(family)) {
                for (Tensor t : op.outputs().values()) {
                    float[] v = t.toFloatArray();
                    v[v.length / 2] += (float) delta;
                    t.copyFrom(v);
                }
            }
        }

        @Override
        public void synchronize() {
            inner.synchronize();
        }

        @Override
        public long liveTensors() {
            return inner.liveTensors();
        }

        @Override
        public long liveBytes() {
            return inner.liveBytes();
        }

        @Override
        public long memoryLimit() {
            return inner.memoryLimit();
        }

        @Override
        public boolean isClosed() {
            return inner.isClosed();
        }

        @Override
        public void close() {
        }
    }

    private static Check.Result check(String name, Backend be) {
        BenchCase c = Cases.byName(name);
        try (Instance inst = c.build(be)) {
            return new Check(reference, 25e9).check(c, inst, be);
        }
    }

    @Test
    void aCorrectBackendPasses() {
        Check.Result r = check("lenet5-b64/conv2/fwdbwd", cpu);
        assertEquals(Check.Status.PASSED, r.status(), r.detail());
        assertEquals(Check.Status.REFERENCE, check("lenet5-b64/pool1/fwd", reference).status());
    }

    @Test
    void aWrongOperatorResultFailsTheCheck() {
        Check.Result r = check("lenet5-b64/conv2/fwdbwd", new Faulty(cpu, "Conv2d.BackwardFilter", 0.05));
        assertEquals(Check.Status.FAILED, r.status(), r.detail());
        assertTrue(r.detail().contains("Conv2d.BackwardFilter"), r.detail());
        Check.Result relu = check("lenet5-b64/relu1/bwd", new Faulty(cpu, "Activation.Backward", 1e-3));
        assertEquals(Check.Status.FAILED, relu.status(), relu.detail());
    }

    @Test
    void aWrongLayerFailsTheTrainingStepCheck() {
        Check.Result ok = check("lenet5-b64/train-step", cpu);
        assertEquals(Check.Status.PASSED, ok.status(), ok.detail());
        Check.Result r = check("lenet5-b64/train-step", new Faulty(cpu, "Linear.BackwardWeights", 0.1));
        assertEquals(Check.Status.FAILED, r.status(), r.detail());
    }

    @Test
    void casesOverTheLimitAreSkippedWithAReason() {
        BenchCase big = Cases.byName("alexnet-b128/conv1/fwd");
        Check c = new Check(reference, 25e9);
        assertTrue(c.skipReason(big).contains("GFLOP"), c.skipReason(big));
        assertEquals(null, c.skipReason(Cases.byName("lenet5-b64/conv1/fwd")));
    }

    @Test
    void theAbsoluteSlackGrowsWithTheTensorOnlyPerElement() {
        org.cnn4j.check.Tolerances.Tolerance tol = org.cnn4j.check.Tolerances.CONTRACTION;
        assertEquals(tol, Check.scaled(tol, new double[] {0.5, -0.5, 0.25}));
        assertEquals(50 * tol.atol(), Check.scaled(tol, new double[] {50, -50, 50, -50}).atol(), 1e-12);
        assertEquals(tol.relL2(), Check.scaled(tol, new double[] {50, -50}).relL2());
        // sums of size 50: an element near zero off by 2e-4 is rounding; the tensor off by 1e-3 in L2 is not
        double[] ref = new double[1000];
        for (int i = 0; i < ref.length; i++) {
            ref[i] = (i % 2 == 0 ? 50 : -50) + i * 1e-3;
        }
        ref[7] = 0.08;
        try (org.cnn4j.core.Tensor t = cpu.fromArray(org.cnn4j.core.Shape.of(ref.length), toFloat(ref, 7, 2e-4))) {
            assertEquals(Check.Status.PASSED, Check.compare(Map.of("y", ref), Map.of("y", new Instance.Output(t,
                    tol))).status());
        }
        float[] far = toFloat(ref, -1, 0);
        for (int i = 0; i < far.length; i++) {
            far[i] *= 1.001f;
        }
        try (org.cnn4j.core.Tensor t = cpu.fromArray(org.cnn4j.core.Shape.of(ref.length), far)) {
            Check.Result r = Check.compare(Map.of("y", ref), Map.of("y", new Instance.Output(t, tol)));
            assertEquals(Check.Status.FAILED, r.status(), r.detail());
            assertTrue(r.detail().contains("EXCEEDED"), r.detail());
        }
    }

    private static float[] toFloat(double[] v, int at, double delta) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) (v[i] + (i == at ? delta : 0));
        }
        return f;
    }

    @Test
    void compareNamesAMissingOutput() {
        try (Instance inst = Cases.byName("lenet5-b64/relu1/fwd").build(cpu)) {
            inst.run();
            Check.Result r = Check.compare(Map.of(), inst.outputs());
            assertEquals(Check.Status.FAILED, r.status());
            assertTrue(r.detail().contains("no output"), r.detail());
        }
    }
}
