package org.cnn4j.backend.cpu;

import static org.cnn4j.backend.cpu.CpuBackend.data;

import java.util.List;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Concat;

/**
 * Concatenation and its split as bulk copies: input {@code i} is {@code outer} blocks of {@code C_i * inner}
 * floats, each copied with {@link System#arraycopy} to its place in the {@code [outer, C * inner]} whole; the
 * blocks of one input are split over the workers when there are enough floats to copy.
 */
final class ConcatCpu {
    private ConcatCpu() {
    }

    static void forward(CpuBackend be, Concat.Forward o) {
        copy(be, o.cat(), o.xs(), o.out().shape(), data(o.out()), true);
    }

    static void backward(CpuBackend be, Concat.Backward o) {
        copy(be, o.cat(), o.dInputs(), o.dOut().shape(), data(o.dOut()), false);
    }

    /** Parts into the whole ({@code join}) or the whole into the parts. */
    private static void copy(CpuBackend be, Concat cat, List<Tensor> parts, Shape whole, float[] all, boolean join) {
        int axis = cat.axis();
        int outer = cat.outer(whole);
        int inner = whole.strideOf(axis);
        int wholeBlock = whole.dim(axis) * inner;
        int offset = 0;
        for (Tensor t : parts) {
            float[] part = data(t);
            int block = t.shape().dim(axis) * inner;
            int at = offset;
            be.parallelFor(outer, block, (from, to) -> {
                for (int n = from; n < to; n++) {
                    if (join) {
                        System.arraycopy(part, n * block, all, n * wholeBlock + at, block);
                    } else {
                        System.arraycopy(all, n * wholeBlock + at, part, n * block, block);
                    }
                }
            });
            offset += block;
        }
    }
}
