package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ReferenceBackend.data;
import static org.cnn4j.backend.reference.ReferenceBackend.finish;

import java.util.List;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Concat;

/**
 * Concatenation along one axis ({@link Concat}) and its split, element by element from the index formula: element
 * {@code (o, k, s)} of input {@code i} ({@code o} over the axes before, {@code k} on the axis, {@code s} over the
 * axes after) is element {@code (o, offset_i + k, s)} of the output, {@code offset_i} the sum of the earlier
 * inputs' dimensions on the axis.
 */
final class ConcatReference {
    private ConcatReference() {
    }

    static void forward(Concat.Forward o) {
        double[] out = data(o.out());
        walk(o.cat(), o.xs(), o.out().shape(), (part, partIndex, outIndex) -> out[outIndex] = data(part)[partIndex]);
        finish(o.out());
    }

    static void backward(Concat.Backward o) {
        double[] dOut = data(o.dOut());
        walk(o.cat(), o.dInputs(), o.dOut().shape(), (part, partIndex, outIndex) -> data(part)[partIndex] =
                dOut[outIndex]);
        for (Tensor t : o.dInputs()) {
            finish(t);
        }
    }

    @FunctionalInterface
    private interface Visit {
        void at(Tensor part, int partIndex, int outIndex);
    }

    /** Visits every element of every part with its index in the whole. */
    private static void walk(Concat cat, List<Tensor> parts, Shape whole, Visit v) {
        int axis = cat.axis();
        int outer = cat.outer(whole);
        int inner = whole.strideOf(axis);
        int total = whole.dim(axis);
        int offset = 0;
        for (Tensor part : parts) {
            int c = part.shape().dim(axis);
            for (int n = 0; n < outer; n++) {
                for (int k = 0; k < c; k++) {
                    for (int s = 0; s < inner; s++) {
                        v.at(part, (n * c + k) * inner + s, (n * total + offset + k) * inner + s);
                    }
                }
            }
            offset += c;
        }
    }
}
