package org.cnn4j.backend.cpu;

import static org.cnn4j.backend.cpu.CpuBackend.data;

import java.util.Arrays;
import org.cnn4j.ops.Add;
import org.cnn4j.ops.Axpy;
import org.cnn4j.ops.Copy;
import org.cnn4j.ops.Fill;
import org.cnn4j.ops.Scale;
import org.cnn4j.ops.SumAxes;

/**
 * Element-wise helpers and sum over axes. The element-wise loops are plain float loops that the
 * JIT vectorizes, in chunks over the workers; reductions accumulate in double.
 */
final class ElementwiseCpu {
    private ElementwiseCpu() {
    }

    static void fill(CpuBackend be, Fill.Run o) {
        float[] y = data(o.y());
        float v = (float) o.fill().value();
        be.parallelFor(y.length, 1, (from, to) -> Arrays.fill(y, from, to, v));
    }

    static void copy(CpuBackend be, Copy.Run o) {
        float[] x = data(o.x());
        float[] y = data(o.y());
        if (x != y) {
            be.parallelFor(x.length, 1, (from, to) -> System.arraycopy(x, from, y, from, to - from));
        }
    }

    static void add(CpuBackend be, Add.Run o) {
        float[] a = data(o.a());
        float[] b = data(o.b());
        float[] out = data(o.out());
        float alpha = (float) o.add().alpha();
        float beta = (float) o.add().beta();
        be.parallelFor(a.length, 2, (from, to) -> {
            for (int i = from; i < to; i++) {
                out[i] = alpha * a[i] + beta * b[i];
            }
        });
    }

    static void scale(CpuBackend be, Scale.Run o) {
        float[] x = data(o.x());
        float[] out = data(o.out());
        float alpha = (float) o.scale().alpha();
        be.parallelFor(x.length, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                out[i] = alpha * x[i];
            }
        });
    }

    static void axpy(CpuBackend be, Axpy.Run o) {
        float[] x = data(o.x());
        float[] y = data(o.y());
        float alpha = (float) o.axpy().alpha();
        be.parallelFor(x.length, 2, (from, to) -> {
            for (int i = from; i < to; i++) {
                y[i] += alpha * x[i];
            }
        });
    }

    /**
     * Sum over axes. Adjacent axes that are both summed or both kept are merged first, so NCHW over (0, 2, 3) is
     * [N | K | HW]; the input is then walked in order with an odometer over all but the last merged axis, whose
     * run is summed (summed axis) or added element-wise (kept axis) into a double accumulator.
     */
    static void sumAxes(CpuBackend be, SumAxes.Run o) {
        float[] x = data(o.x());
        float[] y = data(o.y());
        int[] dims = o.x().shape().dims();
        int[] md = new int[dims.length];
        boolean[] ms = new boolean[dims.length];
        int r = 0;
        for (int a = 0; a < dims.length; a++) {
            boolean s = o.sum().sums(a);
            if (r > 0 && ms[r - 1] == s) {
                md[r - 1] *= dims[a];
            } else {
                md[r] = dims[a];
                ms[r] = s;
                r++;
            }
        }
        // output stride of each kept merged axis
        int[] outStride = new int[r];
        int stride = 1;
        for (int a = r - 1; a >= 0; a--) {
            if (!ms[a]) {
                outStride[a] = stride;
                stride *= md[a];
            }
        }
        double[] acc = new double[y.length];
        int inner = md[r - 1];
        boolean innerSummed = ms[r - 1];
        int[] idx = new int[r];
        int outOff = 0;
        for (int base = 0; base < x.length; base += inner) {
            if (innerSummed) {
                double t = 0;
                for (int j = 0; j < inner; j++) {
                    t += x[base + j];
                }
                acc[outOff] += t;
            } else {
                for (int j = 0; j < inner; j++) {
                    acc[outOff + j] += x[base + j];
                }
            }
            for (int a = r - 2; a >= 0; a--) {
                idx[a]++;
                if (!ms[a]) {
                    outOff += outStride[a];
                }
                if (idx[a] < md[a]) {
                    break;
                }
                if (!ms[a]) {
                    outOff -= outStride[a] * md[a];
                }
                idx[a] = 0;
            }
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) acc[i];
        }
    }
}
