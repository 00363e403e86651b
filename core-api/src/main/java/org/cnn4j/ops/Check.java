package org.cnn4j.ops;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Size2d;
import org.cnn4j.core.Tensor;

/** Validation helpers shared by the operator records; every message names the operator, parameter and shapes. */
final class Check {
    private Check() {
    }

    static IllegalArgumentException fail(String op, String message) {
        return new IllegalArgumentException(op + ": " + message);
    }

    /** The operator's descriptor (parameters) must be given. */
    static void descriptor(String op, String role, Object d) {
        if (d == null) {
            throw fail(op, "descriptor '" + role + "' is required (null given)");
        }
    }

    static Tensor present(String op, String role, Tensor t) {
        if (t == null) {
            throw fail(op, "tensor '" + role + "' is required (null given)");
        }
        return t;
    }

    static void rank(String op, String role, Tensor t, int rank) {
        present(op, role, t);
        if (t.shape().rank() != rank) {
            throw fail(op, "'" + role + "' must have rank " + rank + " but has shape " + t.shape());
        }
    }

    static void rankIn(String op, String role, Tensor t, int a, int b) {
        present(op, role, t);
        int r = t.shape().rank();
        if (r != a && r != b) {
            throw fail(op, "'" + role + "' must have rank " + a + " or " + b + " but has shape " + t.shape());
        }
    }

    static void minRank(String op, String role, Tensor t, int min) {
        present(op, role, t);
        if (t.shape().rank() < min) {
            throw fail(op, "'" + role + "' must have rank at least " + min + " but has shape " + t.shape());
        }
    }

    /** {@code t} must have shape {@code expected}; {@code because} explains where the expectation comes from. */
    static void shape(String op, String role, Tensor t, Shape expected, String because) {
        present(op, role, t);
        if (!t.shape().equals(expected)) {
            throw fail(op, "'" + role + "' has shape " + t.shape() + " but must be " + expected
                    + (because.isEmpty() ? "" : " (" + because + ")"));
        }
    }

    static void sameShape(String op, String role, Tensor t, String refRole, Tensor ref) {
        shape(op, role, t, ref.shape(), "same as '" + refRole + "'");
    }

    /** All present tensors have one dtype; returns it. */
    static DType dtype(String op, Map<String, Tensor> tensors) {
        DType d = null;
        String first = null;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (d == null) {
                d = e.getValue().dtype();
                first = e.getKey();
            } else if (e.getValue().dtype() != d) {
                throw fail(op, "'" + e.getKey() + "' is " + e.getValue().dtype().label() + " but '" + first
                        + "' is " + d.label() + "; all operands must have one dtype (" + e.getKey() + " "
                        + e.getValue().shape() + ", " + first + " " + tensors.get(first).shape() + ")");
            }
        }
        return Objects.requireNonNull(d);
    }

    static int positive(String op, String param, int v) {
        if (v < 1) {
            throw fail(op, param + " must be at least 1 but is " + v);
        }
        return v;
    }

    static void positive(String op, String param, Size2d v) {
        Objects.requireNonNull(v, param);
        if (v.h() < 1 || v.w() < 1) {
            throw fail(op, param + " must be at least 1 on both axes but is " + v);
        }
    }

    static void nonNegative(String op, String param, Size2d v) {
        Objects.requireNonNull(v, param);
        if (v.h() < 0 || v.w() < 0) {
            throw fail(op, param + " must not be negative but is " + v);
        }
    }

    static double finite(String op, String param, double v) {
        if (!Double.isFinite(v)) {
            throw fail(op, param + " must be finite but is " + v);
        }
        return v;
    }

    static double positive(String op, String param, double v) {
        if (!(v > 0) || !Double.isFinite(v)) {
            throw fail(op, param + " must be positive and finite but is " + v);
        }
        return v;
    }

    static double nonNegative(String op, String param, double v) {
        if (!(v >= 0) || !Double.isFinite(v)) {
            throw fail(op, param + " must be non-negative and finite but is " + v);
        }
        return v;
    }

    /** {@code lo <= v <= hi} (or {@code lo <= v < hi} when {@code hiOpen}). */
    static double range(String op, String param, double v, double lo, double hi, boolean hiOpen) {
        boolean ok = v >= lo && (hiOpen ? v < hi : v <= hi);
        if (!ok) {
            throw fail(op, param + " must be in [" + lo + ", " + hi + (hiOpen ? ")" : "]") + " but is " + v);
        }
        return v;
    }

    /** An insertion-ordered map of the non-null operands: {@code of("x", x, "w", w, ...)}. */
    static Map<String, Tensor> operands(Object... roleTensorPairs) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int i = 0; i < roleTensorPairs.length; i += 2) {
            Tensor t = (Tensor) roleTensorPairs[i + 1];
            if (t != null) {
                m.put((String) roleTensorPairs[i], t);
            }
        }
        return m;
    }
}
