package org.cnn4j.conformance;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.cnn4j.core.Backend;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;

/**
 * What a case's builder allocates its tensors through, once per backend. Values come from the case seed and
 * the tensor's role name only, never from the backend or the order of allocation, so the reference and the
 * candidate receive identical data. Three kinds of tensor:
 * <ul>
 *   <li>{@link #input}: read by the operator, seeded values;</li>
 *   <li>{@link #inOut}: updated in place (optimizer state, running statistics, accumulated gradients), seeded
 *       initial values;</li>
 *   <li>{@link #output}: written by the operator, poisoned with NaN first so an element it fails to write
 *       shows up as a mismatch.</li>
 * </ul>
 * The context owns every tensor it allocates and closes them all in {@link #close()}.
 */
public final class CaseContext implements AutoCloseable {
    private final Backend backend;
    private final long seed;
    private final List<Tensor> owned = new ArrayList<>();

    CaseContext(Backend backend, long seed) {
        this.backend = backend;
        this.seed = seed;
    }

    /** The backend the tensors live on. */
    public Backend backend() {
        return backend;
    }

    /** The case seed. */
    public long seed() {
        return seed;
    }

    /** The random stream of {@code role}: a function of (seed, role) only. */
    public SplittableRandom random(String role) {
        return new SplittableRandom(mix(seed ^ mix(role.hashCode() * 0x9E3779B97F4A7C15L)));
    }

    /** Host values of {@code shape} drawn from {@code dist} with {@code role}'s stream (for derived inputs). */
    public double[] draw(String role, Shape shape, Dist dist) {
        double[] v = new double[shape.size()];
        dist.fill(v, shape, random(role));
        return v;
    }

    /** A float32 input with values drawn from {@code dist}. */
    public Tensor input(String role, Shape shape, Dist dist) {
        return input(role, shape, DType.FLOAT32, dist);
    }

    /** An input of {@code dtype} with values drawn from {@code dist} (other dtypes for error cases). */
    public Tensor input(String role, Shape shape, DType dtype, Dist dist) {
        return input(role, shape, dtype, draw(role, shape, dist));
    }

    /** A float32 input holding {@code values} (computed by the builder, e.g. a softmax output). */
    public Tensor input(String role, Shape shape, double[] values) {
        return input(role, shape, DType.FLOAT32, values);
    }

    /** An input of {@code dtype} holding {@code values}. */
    public Tensor input(String role, Shape shape, DType dtype, double[] values) {
        Tensor t = allocate(role, shape, dtype);
        t.copyFrom(values);
        return t;
    }

    /** A float32 tensor updated in place, initialised from {@code dist}. */
    public Tensor inOut(String role, Shape shape, Dist dist) {
        return input(role, shape, DType.FLOAT32, dist);
    }

    /** A float32 output, every element NaN. */
    public Tensor output(String role, Shape shape) {
        return output(role, shape, DType.FLOAT32);
    }

    /** An output of {@code dtype}, every element NaN. */
    public Tensor output(String role, Shape shape, DType dtype) {
        Tensor t = allocate(role, shape, dtype);
        double[] nan = new double[shape.size()];
        Arrays.fill(nan, Double.NaN);
        t.copyFrom(nan);
        return t;
    }

    private Tensor allocate(String role, Shape shape, DType dtype) {
        if (!backend.supports(dtype)) {
            throw new Unavailable("backend '" + backend.name() + "' has no " + dtype.label() + " tensors (role '"
                    + role + "')");
        }
        try {
            Tensor t = backend.allocate(shape, dtype);
            owned.add(t);
            return t;
        } catch (RuntimeException e) {
            throw new SetupException("allocating '" + role + "' " + shape + " " + dtype.label() + " failed: " + e,
                    e);
        }
    }

    /** Closes every tensor this context allocated. */
    @Override
    public void close() {
        for (Tensor t : owned) {
            t.close();
        }
        owned.clear();
    }

    static long mix(long z) {
        // SplitMix64's finaliser.
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The case needs something this backend cannot provide (a dtype); the case is skipped with this reason. */
    static final class Unavailable extends RuntimeException {
        Unavailable(String message) {
            super(message);
        }
    }

    /** Allocating or filling a tensor failed: a harness or backend failure, never the expected rejection. */
    static final class SetupException extends RuntimeException {
        SetupException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
