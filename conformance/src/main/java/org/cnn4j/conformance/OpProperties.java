package org.cnn4j.conformance;

import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeProperty;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import org.cnn4j.core.Backend;
import org.cnn4j.core.BackendUnavailableException;
import org.cnn4j.core.Backends;
import org.cnn4j.core.Requirements;
import org.junit.jupiter.api.Assertions;

/**
 * Property-based checks (jqwik): for every operator family, its one generator of the {@link OpDatabase} (the same
 * that draws the suite's random samples) drawn from jqwik's shrinkable choices, every call of the draw run on the
 * backend under test and on {@code reference} through {@link ConformanceSuite#run} (the same comparison,
 * tolerances and NaN-poisoned outputs as the conformance suite). A backend module subclasses it:
 *
 * <pre>{@code
 * class CpuOpPropertiesTest extends OpProperties {
 *     @Override
 *     protected Backend open() {
 *         return new CpuBackend();
 *     }
 * }
 * }</pre>
 *
 * Tries per property: {@code jqwik.tries.default} (30 in this module's {@code junit-platform.properties};
 * {@code -Djqwik.tries.default=1000} for a long run). A failure prints jqwik's shrunk counterexample and the
 * case's parameters; keep it as an edge case of {@link OpDatabase}.
 * A backend that is unavailable here makes every property a skipped one, with the reason ({@link
 * SkipWhenUnavailable}, jqwik's skip hook), never a pass; where {@code -Dcnn4j.require} lists the backend
 * ({@link Requirements}) the properties run and fail instead.
 */
@AddLifecycleHook(OpProperties.SkipWhenUnavailable.class)
public abstract class OpProperties {
    private static final Map<String, Backend[]> OPEN = new ConcurrentHashMap<>();
    /** Why the backend of a subclass could not start, by class name. */
    private static final Map<String, BackendUnavailableException> UNAVAILABLE = new ConcurrentHashMap<>();

    /**
     * Skips the properties of a subclass whose backend cannot start here, saying why, unless {@code
     * -Dcnn4j.require} lists that backend: then they run, and {@link #check} fails with the reason.
     */
    public static final class SkipWhenUnavailable implements SkipExecutionHook {
        @Override
        public SkipResult shouldBeSkipped(LifecycleContext context) {
            Class<?> c = context.optionalContainerClass().orElse(null);
            if (c == null || !OpProperties.class.isAssignableFrom(c) || Modifier.isAbstract(c.getModifiers())) {
                return SkipResult.doNotSkip();
            }
            OpProperties instance = (OpProperties) context.newInstance(c);
            if (instance.backends().length > 0) {
                return SkipResult.doNotSkip();
            }
            BackendUnavailableException e = UNAVAILABLE.get(c.getName());
            if (Requirements.required(e.backend())) {
                return SkipResult.doNotSkip();
            }
            return SkipResult.skip("backend '" + e.backend() + "' is unavailable here: " + e.getMessage());
        }
    }

    /** Opens the backend under test (once per subclass). */
    protected abstract Backend open();

    /** The backend under test and the reference, opened on first use; null when the candidate is unavailable. */
    private Backend[] backends() {
        return OPEN.computeIfAbsent(getClass().getName(), k -> {
            try {
                return new Backend[] {open(), Backends.open("reference")};
            } catch (BackendUnavailableException e) {
                UNAVAILABLE.put(k, e);
                return new Backend[0];
            }
        });
    }

    /**
     * Where the backend is required but cannot start (the skip hook let the properties run), each property fails
     * here, before its first try: the same failure for every input leaves jqwik nothing to shrink.
     */
    @BeforeProperty
    void requireTheBackend() {
        if (backends().length == 0) {
            BackendUnavailableException e = UNAVAILABLE.get(getClass().getName());
            throw new AssertionError(Requirements.describe() + " but backend '" + e.backend() + "' is unavailable: "
                    + e.getMessage(), e);
        }
    }

    @AfterContainer
    static void closeBackends() {
        for (Backend[] bs : OPEN.values()) {
            for (Backend b : bs) {
                b.close();
            }
        }
        OPEN.clear();
        UNAVAILABLE.clear();
    }

    /** Runs {@code c} and fails with the suite's message (replay line included) when it does not pass. */
    protected final void check(OpCase c) {
        Backend[] bs = backends();
        if (bs.length == 0) {
            BackendUnavailableException e = UNAVAILABLE.get(getClass().getName());
            throw new AssertionError(Requirements.describe() + " but backend '" + e.backend() + "' is unavailable: "
                    + e.getMessage(), e);
        }
        CaseResult r = ConformanceSuite.run(bs[0], bs[1], c);
        if (r.failed()) {
            Assertions.fail(r.message());
        }
    }

    /** How many choices one draw may read (a generator reads a few to a few dozen; the rest read as 0). */
    static final int CHOICES = 64;

    /**
     * The bounds of the properties' draws: larger than the suite's CI samples ({@link Sweep#CI}), as the
     * properties run more tries and shrink what fails.
     */
    public static final Sweep SWEEP = new Sweep("properties", 1, 4, 6, 16, 70, false);

    /**
     * Draws of {@code family}'s one generator ({@link OpDatabase#generator}) from jqwik's choices: a list of
     * non-negative ints that jqwik shrinks towards zeros, and with it every drawn size and parameter towards its
     * lower bound. What a failure prints is the drawn parameters.
     */
    protected static Arbitrary<OpDatabase.FamilySample> draws(String family) {
        OpDatabase.Generator g = OpDatabase.generator(family);
        return Arbitraries.integers().between(0, 1 << 20).list().ofSize(CHOICES)
                .map(choices -> g.draw(OpDatabase.Draw.fromChoices(SWEEP, choices)));
    }

    /**
     * Runs every call of one draw on the backend under test and on the reference, with data from {@code seed}. A
     * failure names the call, its parameters and seed; keep it as an edge case of {@link OpDatabase}.
     */
    protected final void checkAll(OpDatabase.FamilySample s, long seed) {
        for (var e : s.calls().entrySet()) {
            check(new OpCase(e.getKey(), s.params(), seed, OpCase.Kind.SAMPLE, null, e.getValue()));
        }
    }

    // One property per family, each drawing the family's generator (OpPropertiesCoverageTest checks that every
    // generator of the database has one, named after its family).

    @Property
    void conv2d(@ForAll("conv2dDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> conv2dDraws() {
        return draws("Conv2d");
    }

    @Property
    void pool2d(@ForAll("pool2dDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> pool2dDraws() {
        return draws("Pool2d");
    }

    @Property
    void batchNorm(@ForAll("batchNormDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> batchNormDraws() {
        return draws("BatchNorm");
    }

    @Property
    void activation(@ForAll("activationDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> activationDraws() {
        return draws("Activation");
    }

    @Property
    void prelu(@ForAll("preluDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> preluDraws() {
        return draws("Prelu");
    }

    @Property
    void softmax(@ForAll("softmaxDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> softmaxDraws() {
        return draws("Softmax");
    }

    @Property
    void dropout(@ForAll("dropoutDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> dropoutDraws() {
        return draws("Dropout");
    }

    @Property
    void linear(@ForAll("linearDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> linearDraws() {
        return draws("Linear");
    }

    @Property
    void gemm(@ForAll("gemmDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> gemmDraws() {
        return draws("Gemm");
    }

    @Property
    void loss(@ForAll("lossDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> lossDraws() {
        return draws("Loss");
    }

    @Property
    void l2Penalty(@ForAll("l2PenaltyDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> l2PenaltyDraws() {
        return draws("L2Penalty");
    }

    @Property
    void sgd(@ForAll("sgdDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> sgdDraws() {
        return draws("Sgd");
    }

    @Property
    void adagrad(@ForAll("adagradDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> adagradDraws() {
        return draws("Adagrad");
    }

    @Property
    void rmsProp(@ForAll("rmsPropDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> rmsPropDraws() {
        return draws("RmsProp");
    }

    @Property
    void adam(@ForAll("adamDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> adamDraws() {
        return draws("Adam");
    }

    @Property
    void fill(@ForAll("fillDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> fillDraws() {
        return draws("Fill");
    }

    @Property
    void copy(@ForAll("copyDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> copyDraws() {
        return draws("Copy");
    }

    @Property
    void add(@ForAll("addDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> addDraws() {
        return draws("Add");
    }

    @Property
    void scale(@ForAll("scaleDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> scaleDraws() {
        return draws("Scale");
    }

    @Property
    void axpy(@ForAll("axpyDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> axpyDraws() {
        return draws("Axpy");
    }

    @Property
    void sumAxes(@ForAll("sumAxesDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> sumAxesDraws() {
        return draws("SumAxes");
    }

    @Property
    void upsample(@ForAll("upsampleDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> upsampleDraws() {
        return draws("Upsample");
    }

    @Property
    void concat(@ForAll("concatDraws") OpDatabase.FamilySample s, @ForAll long seed) {
        checkAll(s, seed);
    }

    @Provide
    Arbitrary<OpDatabase.FamilySample> concatDraws() {
        return draws("Concat");
    }
}
