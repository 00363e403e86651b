package org.cnn4j.ops;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cnn4j.core.Tensor;

/**
 * Validation of the multi-tensor optimizer steps ({@link Sgd.Steps}, {@link Adagrad.Steps}, {@link RmsProp.Steps},
 * {@link Adam.Steps}): lists of tensors that pair up index by index. Messages name the list, the index and the
 * shapes ({@code 'grads[3]' has shape [4] but must be [5] (same as 'params[3]')}).
 */
final class TensorLists {
    private TensorLists() {
    }

    /** An immutable copy of {@code ts}, which must be given and hold no null. */
    static List<Tensor> copy(String op, String role, List<Tensor> ts) {
        if (ts == null) {
            throw Check.fail(op, "tensor list '" + role + "' is required (null given)");
        }
        for (int i = 0; i < ts.size(); i++) {
            if (ts.get(i) == null) {
                throw Check.fail(op, "tensor '" + role + "[" + i + "]' is required (null given)");
            }
        }
        return List.copyOf(ts);
    }

    /** The parameters: at least one. */
    static List<Tensor> params(String op, List<Tensor> params) {
        List<Tensor> p = copy(op, "params", params);
        if (p.isEmpty()) {
            throw Check.fail(op, "'params' is empty; give at least one parameter");
        }
        return p;
    }

    /** {@code ts} (a copy of it) pairs with {@code params}: as many tensors, each of its parameter's shape. */
    static List<Tensor> matching(String op, String role, List<Tensor> ts, List<Tensor> params) {
        List<Tensor> c = copy(op, role, ts);
        if (c.size() != params.size()) {
            throw Check.fail(op, "'" + role + "' has " + c.size() + " tensors but 'params' has " + params.size()
                    + "; they pair up index by index");
        }
        for (int i = 0; i < c.size(); i++) {
            Check.sameShape(op, role + "[" + i + "]", c.get(i), "params[" + i + "]", params.get(i));
        }
        return c;
    }

    /** Every tensor of the lists by role and index ({@code params[0]}), in order; null lists are left out. */
    static Map<String, Tensor> named(Object... roleListPairs) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int k = 0; k < roleListPairs.length; k += 2) {
            @SuppressWarnings("unchecked")
            List<Tensor> ts = (List<Tensor>) roleListPairs[k + 1];
            if (ts != null) {
                for (int i = 0; i < ts.size(); i++) {
                    m.put(roleListPairs[k] + "[" + i + "]", ts.get(i));
                }
            }
        }
        return Collections.unmodifiableMap(m);
    }

    /**
     * One launch updates every tensor at once, so what it writes (the parameters and the state, given as
     * role-list pairs) must be distinct tensors, and no gradient may be one of them: fails naming both places.
     */
    static void distinct(String op, List<Tensor> grads, Object... writtenRoleListPairs) {
        Map<Tensor, String> seen = new IdentityHashMap<>();
        for (int k = 0; k < writtenRoleListPairs.length; k += 2) {
            @SuppressWarnings("unchecked")
            List<Tensor> ts = (List<Tensor>) writtenRoleListPairs[k + 1];
            if (ts == null) {
                continue;
            }
            for (int i = 0; i < ts.size(); i++) {
                String role = writtenRoleListPairs[k] + "[" + i + "]";
                String before = seen.putIfAbsent(ts.get(i), role);
                if (before != null) {
                    throw Check.fail(op, "'" + role + "' is the same tensor as '" + before + "' ("
                            + ts.get(i).shape() + "); each tensor written by the step may appear once");
                }
            }
        }
        for (int i = 0; i < grads.size(); i++) {
            String written = seen.get(grads.get(i));
            if (written != null) {
                throw Check.fail(op, "'grads[" + i + "]' is the same tensor as '" + written + "' ("
                        + grads.get(i).shape() + "), which the step writes");
            }
        }
    }
}
