package org.cnn4j.backend.cpu;

import static org.cnn4j.backend.cpu.CpuBackend.data;

import org.cnn4j.ops.Dropout;
import org.cnn4j.ops.Philox;

/**
 * Inverted dropout with the Philox mask of {@link Dropout}: element i is kept iff its 24-bit draw reaches the
 * threshold (the Philox rounds lane-parallel in {@link VectorMath} on the vector path). The mask is a function of (seed, i) alone, so chunks over the workers draw the same mask as the
 * reference and the backward recomputes it.
 */
final class DropoutCpu {
    private DropoutCpu() {
    }

    static void forward(CpuBackend be, Dropout.Forward o) {
        apply(be, o.dropout(), data(o.x()), data(o.y()));
    }

    static void backward(CpuBackend be, Dropout.Backward o) {
        apply(be, o.dropout(), data(o.dy()), data(o.dx()));
    }

    private static void apply(CpuBackend be, Dropout d, float[] in, float[] out) {
        double scale = d.scale();
        int threshold = d.threshold();
        long seed = d.seed();
        boolean vector = be.config().vector();
        be.parallelFor(in.length, 30, (from, to) -> {
            if (vector) {
                VectorMath.dropout(seed, threshold, scale, in, out, from, to);
                return;
            }
            for (int i = from; i < to; i++) {
                out[i] = Philox.draw24(seed, i) >= threshold ? (float) (in[i] * scale) : in[i] * 0f;
            }
        });
    }
}
