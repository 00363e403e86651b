package org.cnn4j.backend.reference;

import static org.cnn4j.backend.reference.ReferenceBackend.data;
import static org.cnn4j.backend.reference.ReferenceBackend.finish;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.Add;
import org.cnn4j.ops.Axpy;
import org.cnn4j.ops.Copy;
import org.cnn4j.ops.Fill;
import org.cnn4j.ops.Scale;
import org.cnn4j.ops.SumAxes;

/**
 * The element-wise helpers and the sum over axes. Element-wise calls read element i before writing it, so an
 * output may share memory with an input.
 */
final class ElementwiseReference {
    private ElementwiseReference() {
    }

    /** y[i] = value. */
    static void fill(Fill.Run o) {
        double[] y = data(o.y());
        for (int i = 0; i < y.length; i++) {
            y[i] = o.fill().value();
        }
        finish(o.y());
    }

    /** y[i] = x[i]. */
    static void copy(Copy.Run o) {
        double[] x = data(o.x());
        double[] y = data(o.y());
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i];
        }
        finish(o.y());
    }

    /** out[i] = alpha * a[i] + beta * b[i]. */
    static void add(Add.Run o) {
        double[] a = data(o.a());
        double[] b = data(o.b());
        double[] out = data(o.out());
        for (int i = 0; i < a.length; i++) {
            out[i] = o.add().alpha() * a[i] + o.add().beta() * b[i];
        }
        finish(o.out());
    }

    /** out[i] = alpha * x[i]. */
    static void scale(Scale.Run o) {
        double[] x = data(o.x());
        double[] out = data(o.out());
        for (int i = 0; i < x.length; i++) {
            out[i] = o.scale().alpha() * x[i];
        }
        finish(o.out());
    }

    /** y[i] += alpha * x[i], in place. */
    static void axpy(Axpy.Run o) {
        double[] x = data(o.x());
        double[] y = data(o.y());
        for (int i = 0; i < x.length; i++) {
            y[i] += o.axpy().alpha() * x[i];
        }
        finish(o.y());
    }

    /**
     * y = x summed over the chosen axes, which are removed from the shape. Each input element is split into its
     * coordinates (last axis fastest) and added to the output element made of the coordinates that remain.
     */
    static void sumAxes(SumAxes.Run o) {
        double[] x = data(o.x());
        int[] dims = o.x().shape().dims();
        Shape outShape = o.y().shape();
        double[] sum = new double[outShape.size()];
        for (int i = 0; i < x.length; i++) {
            int rest = i;
            int out = 0;
            int outStride = 1;
            for (int axis = dims.length - 1; axis >= 0; axis--) {
                int coord = rest % dims[axis];
                rest /= dims[axis];
                if (!o.sum().sums(axis)) {
                    out += coord * outStride;
                    outStride *= dims[axis];
                }
            }
            sum[out] += x[i];
        }
        System.arraycopy(sum, 0, data(o.y()), 0, sum.length);
        finish(o.y());
    }
}
