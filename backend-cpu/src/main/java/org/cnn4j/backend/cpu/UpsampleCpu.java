package org.cnn4j.backend.cpu;

import static org.cnn4j.backend.cpu.CpuBackend.data;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.Upsample;

/**
 * Nearest-neighbour upsampling over [N, C, H, W]: output rows (forward) or input rows (backward) over the workers.
 * The backward gathers: each input cell sums, in float and in row-major order, the output cells
 * {@code [firstOutput(h), firstOutput(h + 1)) x [firstOutput(w), firstOutput(w + 1))} that copied it (the order of
 * upsample.k's kernel, so the two agree bit for bit); no scatter, no shared accumulators.
 */
final class UpsampleCpu {
    private UpsampleCpu() {
    }

    static void forward(CpuBackend be, Upsample.Forward o) {
        float[] x = data(o.x());
        float[] y = data(o.y());
        Shape xs = o.x().shape();
        Shape ys = o.y().shape();
        int h = xs.dim(2);
        int w = xs.dim(3);
        int oh = ys.dim(2);
        int ow = ys.dim(3);
        float sh = o.up().indexScaleH(h, oh);
        float sw = o.up().indexScaleW(w, ow);
        be.parallelFor(xs.dim(0) * xs.dim(1) * oh, ow, (from, to) -> {
            for (int row = from; row < to; row++) {
                int plane = row / oh;
                int src = (plane * h + Upsample.sourceIndex(row % oh, h, oh, sh)) * w;
                int dst = row * ow;
                for (int j = 0; j < ow; j++) {
                    y[dst + j] = x[src + Upsample.sourceIndex(j, w, ow, sw)];
                }
            }
        });
    }

    static void backward(CpuBackend be, Upsample.Backward o) {
        float[] dy = data(o.dy());
        float[] dx = data(o.dx());
        Shape xs = o.dx().shape();
        Shape ys = o.dy().shape();
        int h = xs.dim(2);
        int w = xs.dim(3);
        int oh = ys.dim(2);
        int ow = ys.dim(3);
        float sh = o.up().indexScaleH(h, oh);
        float sw = o.up().indexScaleW(w, ow);
        long cellsPerRow = Math.max(1, (long) ys.dim(2) * ow / h);
        be.parallelFor(xs.dim(0) * xs.dim(1) * h, cellsPerRow, (from, to) -> {
            for (int row = from; row < to; row++) {
                int plane = row / h;
                int i = row % h;
                int hLo = Upsample.firstOutput(i, h, oh, sh);
                int hHi = Upsample.firstOutput(i + 1, h, oh, sh);
                int base = plane * oh * ow;
                int wLo = Upsample.firstOutput(0, w, ow, sw);
                for (int j = 0; j < w; j++) {
                    int wHi = Upsample.firstOutput(j + 1, w, ow, sw);
                    float s = 0;
                    for (int r = hLo; r < hHi; r++) {
                        int at = base + r * ow;
                        for (int c = wLo; c < wHi; c++) {
                            s += dy[at + c];
                        }
                    }
                    dx[row * w + j] = s;
                    wLo = wHi;
                }
            }
        });
    }
}
