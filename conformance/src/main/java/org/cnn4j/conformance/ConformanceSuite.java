package org.cnn4j.conformance;

import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.cnn4j.check.TensorCheck;
import org.cnn4j.check.Tolerances;
import org.cnn4j.core.Backend;
import org.cnn4j.core.BackendUnavailableException;
import org.cnn4j.core.Backends;
import org.cnn4j.core.Requirements;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.core.UnsupportedOpException;
import org.cnn4j.ops.Copy;
import org.cnn4j.ops.Op;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicNode;

/**
 * The cross-backend conformance suite: every case of the {@link OpDatabase}, run on a candidate backend and on
 * {@code reference}, outputs compared under {@link Tolerances}. A backend module wires it in with one test:
 *
 * <pre>{@code
 * class CpuConformanceTest {
 *     @TestFactory
 *     Stream<DynamicNode> conformance() {
 *         return ConformanceSuite.tests(CpuBackend::new);
 *     }
 * }
 * }</pre>
 *
 * One dynamic test per case (named with op, parameters and seed), grouped by family and operator; a call the
 * candidate does not support is a skipped test with the reason; the last test writes the coverage matrix to
 * {@code target/conformance/<backend>.md}.
 *
 * <p>System properties:
 * <ul>
 *   <li>{@value #FULL}{@code =true}: the larger sweep ({@link Sweep#FULL});</li>
 *   <li>{@value #SEED}{@code =S}: replay seed S: each generator draws its case from S, named cases run only when
 *       their seed is S;</li>
 *   <li>{@value #FILTER}{@code =text}: only the cases whose name contains the text ({@code Conv2d.Forward},
 *       {@code groups=2});</li>
 *   <li>{@code cnn4j.require=<backend>} ({@link Requirements}): a candidate that cannot start here fails every
 *       case instead of skipping (for CI machines that have the device);</li>
 *   <li>{@value #REPORT_DIR}: where the coverage matrix goes (default {@code target/conformance}).</li>
 * </ul>
 */
public final class ConformanceSuite {
    /** Selects {@link Sweep#FULL}. */
    public static final String FULL = "cnn4j.conformance.full";
    /** Replays one seed. */
    public static final String SEED = "cnn4j.conformance.seed";
    /** Keeps the cases whose name contains this text. */
    public static final String FILTER = "cnn4j.conformance.filter";
    /** Directory of the coverage matrix. */
    public static final String REPORT_DIR = "cnn4j.conformance.reportDir";

    private ConformanceSuite() {
    }

    /** The sweep chosen by {@value #FULL}. */
    public static Sweep sweep() {
        return Boolean.getBoolean(FULL) ? Sweep.FULL : Sweep.CI;
    }

    /** The cases selected by the system properties, in database order. */
    public static List<OpCase> cases() {
        String seed = System.getProperty(SEED, "").trim();
        String filter = System.getProperty(FILTER, "").trim();
        Long replay = null;
        if (!seed.isEmpty()) {
            try {
                replay = Long.parseLong(seed);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("-D" + SEED + "=" + seed + " is not a seed (a long, as printed"
                        + " in a case's name)", e);
            }
        }
        List<OpCase> all = OpDatabase.cases(sweep(), replay);
        if (filter.isEmpty()) {
            return all;
        }
        return all.stream().filter(c -> c.name().contains(filter)).toList();
    }

    /** The suite for a JUnit {@code @TestFactory}, with {@code reference} from the class path as the oracle. */
    public static Stream<DynamicNode> tests(Supplier<Backend> candidate) {
        return tests(candidate, () -> Backends.open("reference"));
    }

    /**
     * The suite for a JUnit {@code @TestFactory}. Both backends are opened on first use (a candidate that is
     * unavailable here makes every case a skip with the reason) and closed by the last test, which writes the
     * coverage matrix.
     */
    public static Stream<DynamicNode> tests(Supplier<Backend> candidate, Supplier<Backend> reference) {
        return tests(null, candidate, reference);
    }

    /**
     * The suite for one configuration of a backend that is run in several ({@code variant}, e.g. {@code
     * "own-kernels"}): its coverage matrix goes to {@code <backend>-<variant>.md}, beside the other's.
     */
    public static Stream<DynamicNode> tests(String variant, Supplier<Backend> candidate) {
        return tests(variant, candidate, () -> Backends.open("reference"));
    }

    /**
     * The cases of the suite that {@code only} keeps, for one configuration of a backend that changes how some
     * calls divide their work (a smaller column buffer, so that convolutions run in chunks): its coverage matrix goes
     * to {@code <backend>-<variant>.md}.
     */
    public static Stream<DynamicNode> tests(String variant, Supplier<Backend> candidate, Predicate<OpCase> only) {
        return tests(variant, candidate, () -> Backends.open("reference"), only);
    }

    private static Stream<DynamicNode> tests(String variant, Supplier<Backend> candidate,
            Supplier<Backend> reference) {
        return tests(variant, candidate, reference, c -> true);
    }

    private static Stream<DynamicNode> tests(String variant, Supplier<Backend> candidate,
            Supplier<Backend> reference, Predicate<OpCase> only) {
        List<OpCase> cases = cases().stream().filter(only).toList();
        Session session = new Session(candidate, reference, new Coverage(cases), variant);
        Map<String, Map<String, List<OpCase>>> byFamily = new LinkedHashMap<>();
        for (OpCase c : cases) {
            byFamily.computeIfAbsent(c.family(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(c.op(), k -> new ArrayList<>()).add(c);
        }
        Stream<DynamicNode> families = byFamily.entrySet().stream().map(f -> dynamicContainer(f.getKey(),
                f.getValue().entrySet().stream().map(o -> dynamicContainer(o.getKey(),
                        o.getValue().stream().map(c -> dynamicTest(c.name(), () -> session.check(c)))))));
        return Stream.concat(families, Stream.of(dynamicTest("coverage matrix", session::finish)));
    }

    /**
     * Proof that the suite fails on this candidate: for each {@link PlantedFault}, the cases of its call run with
     * the fault planted in the candidate's results, and at least one must fail (for the unwritten element: at least
     * one case of every call the candidate computes). For a JUnit {@code @TestFactory} beside {@link #tests}.
     */
    public static Stream<DynamicNode> plantedFaultTests(Supplier<Backend> candidate) {
        // the split-sized cases add sizes, not ways to be wrong: the faults are planted in the others
        List<OpCase> valid = OpDatabase.cases(Sweep.CI, null).stream()
                .filter(c -> c.kind() != OpCase.Kind.ERROR && !c.splitSized()).toList();
        Session session = new Session(candidate, () -> Backends.open("reference"), new Coverage(valid), null);
        Stream<DynamicNode> faults = Arrays.stream(PlantedFault.values()).map(f -> dynamicTest(
                f + (f.target() == null ? " in every call" : " in " + f.target()) + " is caught", () -> {
                    session.requireCandidate();
                    Map<String, int[]> passedFailed = new LinkedHashMap<>();
                    for (OpCase c : valid) {
                        if (f.target() != null && !f.target().equals(c.op())) {
                            continue;
                        }
                        CaseResult r = run(session.candidate, session.reference, c, f.hook());
                        if (r.status() != CaseResult.Status.SKIPPED) {
                            passedFailed.computeIfAbsent(c.op(), k -> new int[2])[r.failed() ? 1 : 0]++;
                        }
                    }
                    Assumptions.assumeFalse(passedFailed.isEmpty(), "backend '" + session.candidate.name()
                            + "' computes no case of " + f.target());
                    List<String> missed = passedFailed.entrySet().stream().filter(e -> e.getValue()[1] == 0)
                            .map(Map.Entry::getKey).toList();
                    Assertions.assertEquals(List.of(), missed, f + " planted in '" + session.candidate.name()
                            + "' results was not caught by any case of these calls");
                }));
        return Stream.concat(faults, Stream.of(dynamicTest("close backends", session::close)));
    }

    /**
     * Runs one case: builds it on both backends from the same seed, executes it on each, compares every output.
     * An error case is run on the candidate only: building or executing it must be rejected with an
     * {@link IllegalArgumentException} naming the offending role or parameter, and the candidate must still run a
     * valid call afterwards. Never throws for a backend's failure; the result says what happened.
     */
    public static CaseResult run(Backend candidate, Backend reference, OpCase c) {
        return run(candidate, reference, c, null);
    }

    /**
     * {@link #run(Backend, Backend, OpCase)} with {@code afterRun} applied to the candidate's call after it ran
     * and before its outputs are compared (null for none): how {@link PlantedFault}s are planted.
     */
    public static CaseResult run(Backend candidate, Backend reference, OpCase c, Consumer<Op> afterRun) {
        long live = candidate.liveTensors();
        CaseResult r = c.kind() == OpCase.Kind.ERROR ? runError(candidate, c)
                : runValid(candidate, reference, c, afterRun);
        long leaked = candidate.liveTensors() - live;
        if (leaked != 0 && !r.failed()) {
            return result(c, candidate, CaseResult.Status.FAILED, "backend '" + candidate.name() + "' counts "
                    + leaked + " more live tensor(s) after the case closed all its tensors", r.checks());
        }
        return r;
    }

    private static CaseResult runValid(Backend candidate, Backend reference, OpCase c, Consumer<Op> afterRun) {
        List<TensorCheck> checks = new ArrayList<>();
        try (CaseContext cc = new CaseContext(candidate, c.seed());
                CaseContext rc = new CaseContext(reference, c.seed())) {
            Op op;
            try {
                op = c.builder().build(cc);
            } catch (CaseContext.Unavailable e) {
                return result(c, candidate, CaseResult.Status.SKIPPED, e.getMessage(), checks);
            }
            if (!candidate.supports(op)) {
                return result(c, candidate, CaseResult.Status.SKIPPED, "backend '" + candidate.name()
                        + "' does not support " + op.name() + " for " + op.dtype().label(), checks);
            }
            Map<String, double[]> refOut = ReferenceResults.get(reference, c);
            if (refOut == null) {
                Op refOp = c.builder().build(rc);
                try {
                    reference.execute(refOp);
                    reference.synchronize();
                } catch (UnsupportedOpException e) {
                    // the reference is the oracle and implements every call: a gap there is a defect, not a skip
                    return result(c, candidate, CaseResult.Status.FAILED, "the reference '" + reference.name()
                            + "' refused a call that every backend must compute: " + stackTrace(e), checks);
                }
                refOut = new LinkedHashMap<>();
                for (Map.Entry<String, Tensor> e : refOp.outputs().entrySet()) {
                    refOut.put(e.getKey(), e.getValue().toDoubleArray());
                }
                ReferenceResults.put(reference, c, refOut);
            }
            Map<String, double[]> before = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : readOnlyInputs(op).entrySet()) {
                before.put(e.getKey(), e.getValue().toDoubleArray());
            }
            try {
                candidate.execute(op);
                candidate.synchronize();
                if (afterRun != null) {
                    afterRun.accept(op);
                }
            } catch (RuntimeException e) {
                return result(c, candidate, CaseResult.Status.FAILED, "executing on '" + candidate.name()
                        + "' threw " + stackTrace(e), checks);
            }
            Tolerances.Tolerance tol = Tolerances.of(op);
            for (Map.Entry<String, Tensor> e : op.outputs().entrySet()) {
                Tensor out = e.getValue();
                checks.add(TensorCheck.compare(e.getKey(), out.shape(), out.toDoubleArray(), refOut.get(e.getKey()),
                        tol));
            }
            List<String> problems = new ArrayList<>();
            for (Map.Entry<String, double[]> e : before.entrySet()) {
                double[] now = op.inputs().get(e.getKey()).toDoubleArray();
                if (!Arrays.equals(now, e.getValue())) {
                    problems.add("input '" + e.getKey() + "' was modified; only outputs may be written");
                }
            }
            boolean ok = problems.isEmpty() && checks.stream().allMatch(TensorCheck::passed);
            if (ok) {
                return result(c, candidate, CaseResult.Status.PASSED, "ok", checks);
            }
            StringBuilder sb = new StringBuilder();
            for (TensorCheck t : checks) {
                sb.append("\n  ").append(t.describe());
            }
            for (String p : problems) {
                sb.append("\n  ").append(p);
            }
            return result(c, candidate, CaseResult.Status.FAILED, "results differ from the reference:" + sb, checks);
        } catch (RuntimeException e) {
            return result(c, candidate, CaseResult.Status.FAILED, "the case could not be run: " + stackTrace(e),
                    checks);
        }
    }

    /** The inputs that are not also outputs: the operator must leave them as they were. */
    private static Map<String, Tensor> readOnlyInputs(Op op) {
        Map<String, Tensor> in = new LinkedHashMap<>(op.inputs());
        for (Tensor t : op.outputs().values()) {
            in.values().removeIf(x -> x == t);
        }
        return in;
    }

    private static CaseResult runError(Backend candidate, OpCase c) {
        List<TensorCheck> none = List.of();
        String verdict;
        try (CaseContext ctx = new CaseContext(candidate, c.seed())) {
            verdict = rejection(candidate, c, ctx);
        } catch (CaseContext.Unavailable e) {
            return result(c, candidate, CaseResult.Status.SKIPPED, e.getMessage(), none);
        } catch (RuntimeException e) {
            return result(c, candidate, CaseResult.Status.FAILED, "the case could not be run: " + stackTrace(e),
                    none);
        }
        if (verdict != null) {
            return result(c, candidate, CaseResult.Status.FAILED, verdict, none);
        }
        String health = stillWorks(candidate);
        if (health != null) {
            return result(c, candidate, CaseResult.Status.FAILED, "after rejecting the call, " + health, none);
        }
        return result(c, candidate, CaseResult.Status.PASSED, "ok", none);
    }

    /** Null when the call was rejected as it should be, else what went wrong. */
    private static String rejection(Backend candidate, OpCase c, CaseContext ctx) {
        Op op;
        try {
            op = c.builder().build(ctx);
        } catch (IllegalArgumentException e) {
            return namesOffender(c, e);
        } catch (CaseContext.Unavailable | CaseContext.SetupException e) {
            throw e;
        } catch (RuntimeException e) {
            return "building the call threw " + stackTrace(e) + "instead of an IllegalArgumentException";
        }
        try {
            candidate.execute(op);
            candidate.synchronize();
        } catch (IllegalArgumentException e) {
            return namesOffender(c, e);
        } catch (RuntimeException e) {
            return "executing the call on '" + candidate.name() + "' threw " + stackTrace(e)
                    + "instead of an IllegalArgumentException";
        }
        return "the invalid call " + op.name() + " was accepted and executed; expected an IllegalArgumentException"
                + " naming " + c.expectedError();
    }

    private static String namesOffender(OpCase c, IllegalArgumentException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains(c.expectedError()) ? null
                : "rejected, but the message does not name " + c.expectedError() + ": " + m;
    }

    /** Null when {@code backend} still copies three values correctly, else what went wrong. */
    private static String stillWorks(Backend backend) {
        try (CaseContext ctx = new CaseContext(backend, 1)) {
            Tensor x = ctx.input("x", Shape.of(3), new double[] {1, -2, 3.5});
            Tensor y = ctx.output("y", Shape.of(3));
            Op copy = new Copy.Run(x, y);
            if (!backend.supports(copy)) {
                return null;
            }
            backend.execute(copy);
            double[] v = y.toDoubleArray();
            return Arrays.equals(v, new double[] {1, -2, 3.5}) ? null
                    : "a valid Copy.Run produced " + Arrays.toString(v) + " instead of [1.0, -2.0, 3.5]";
        } catch (RuntimeException e) {
            return "a valid Copy.Run threw " + stackTrace(e);
        }
    }

    private static CaseResult result(OpCase c, Backend candidate, CaseResult.Status status, String detail,
            List<TensorCheck> checks) {
        if (status == CaseResult.Status.PASSED) {
            return new CaseResult(c, candidate.name(), status, detail, checks);
        }
        String head = status == CaseResult.Status.SKIPPED ? detail + "\n" : "";
        String replay = "-D" + FILTER + "=" + c.op() + " -D" + SEED + "=" + c.seed()
                + (sweep() == Sweep.FULL ? " -D" + FULL + "=true" : "");
        return new CaseResult(c, candidate.name(), status, head + c.name() + " on backend '" + candidate.name()
                + "'\n  replay: " + replay + (status == CaseResult.Status.FAILED ? "\n  " + detail : ""), checks);
    }

    private static String stackTrace(Throwable e) {
        StringWriter w = new StringWriter();
        e.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    /** The backends of one {@link #tests} stream, opened on first use, and the coverage they produce. */
    private static final class Session {
        private final Supplier<Backend> candidateFactory;
        private final Supplier<Backend> referenceFactory;
        private final Coverage coverage;
        private final String variant;
        private Backend candidate;
        private Backend reference;
        private String unavailable;
        private String unavailableBackend;

        Session(Supplier<Backend> candidate, Supplier<Backend> reference, Coverage coverage, String variant) {
            this.candidateFactory = candidate;
            this.referenceFactory = reference;
            this.coverage = coverage;
            this.variant = variant;
        }

        private synchronized void open() {
            if (candidate != null || unavailable != null) {
                return;
            }
            try {
                candidate = candidateFactory.get();
            } catch (BackendUnavailableException e) {
                unavailable = e.getMessage();
                unavailableBackend = e.backend();
                return;
            }
            reference = referenceFactory.get();
        }

        private void requireCandidate() {
            open();
            if (unavailable != null) {
                String why = "the candidate backend is unavailable here: " + unavailable;
                Requirements.failIfRequired(unavailableBackend, why);
                Assumptions.abort(why);
            }
        }

        void check(OpCase c) {
            requireCandidate();
            CaseResult r = run(candidate, reference, c);
            coverage.record(r);
            switch (r.status()) {
                case PASSED -> { }
                case SKIPPED -> Assumptions.abort(r.message());
                case FAILED -> Assertions.fail(r.message());
            }
        }

        /** Closes what {@link #open()} opened, if anything. */
        synchronized void close() {
            if (candidate != null) {
                candidate.close();
            }
            if (reference != null) {
                reference.close();
            }
        }

        synchronized void finish() {
            requireCandidate();
            Path dir = Path.of(System.getProperty(REPORT_DIR, "target/conformance"));
            String name = variant == null ? candidate.name() : candidate.name() + "-" + variant;
            Path file = coverage.write(dir, name, candidate.device(), sweep().name());
            System.getLogger("org.cnn4j").log(System.Logger.Level.INFO, "conformance of '" + name + "': "
                    + coverage.total(CaseResult.Status.PASSED)
                    + " passed, " + coverage.total(CaseResult.Status.FAILED) + " failed, "
                    + coverage.total(CaseResult.Status.SKIPPED) + " skipped; matrix in " + file.toAbsolutePath());
            candidate.close();
            reference.close();
        }
    }
}
