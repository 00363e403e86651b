package org.cnn4j.kernels.host;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.Conv2d;

/**
 * Convolution as im2col + batched GEMM (conv2d.k, gemm.k). The batch runs in chunks of images whose columns fit
 * in {@link KernelHost#colLimitFloats()}; one GEMM launch covers every image and every channel group of a chunk.
 *
 * <pre>
 *   forward:         col = im2col(x);  y_g = W_g [Kg, Cg*KH*KW] * col_g [Cg*KH*KW, OH*OW];  y += bias
 *   backward data:   dcol_g = W_g^T * dy_g;  dx = col2im(dcol)  (the gather adjoint of im2col)
 *   backward filter: dW_g = sum_n dy_g[n] [Kg, OH*OW] * col_g[n]^T;  dBias = sum over n, oh, ow of dy
 * </pre>
 */
public final class Conv2dLaunches {
    private Conv2dLaunches() {
    }

    /** Geometry of one call, computed once. */
    private record Geometry(int n, int c, int h, int w, int k, int kh, int kw, int oh, int ow, int groups,
            int sh, int sw, int ph, int pw, int dh, int dw) {
        static Geometry of(Conv2d conv, Shape x, Shape weight, Shape y) {
            return new Geometry(x.dim(0), x.dim(1), x.dim(2), x.dim(3), weight.dim(0), weight.dim(2),
                    weight.dim(3), y.dim(2), y.dim(3), conv.groups(), conv.stride().h(), conv.stride().w(),
                    conv.padding().h(), conv.padding().w(), conv.dilation().h(), conv.dilation().w());
        }

        int ohw() {
            return oh * ow;
        }

        /** Rows of col for all channels: C*KH*KW. */
        int ckk() {
            return c * kh * kw;
        }

        /** Rows of col per group: C/groups*KH*KW. */
        int cgkk() {
            return c / groups * kh * kw;
        }

        int kg() {
            return k / groups;
        }

        /**
         * Images per chunk: as many as keep the columns within the host's column limit and one GEMM launch's
         * batch (images * groups) within the host's limit, at least one.
         */
        int chunk(KernelHost b) {
            long per = Math.max(1, (long) ckk() * ohw());
            return (int) Math.max(1, Math.min(Math.min(n, b.colLimitFloats() / per), b.maxGemmBatch() / groups));
        }

        KernelHost.Launch imageArgs(KernelHost.Launch l) {
            return l.i("C", c).i("H", h).i("W", w).i("KH", kh).i("KW", kw).i("OH", oh).i("OW", ow).i("sh", sh)
                    .i("sw", sw).i("ph", ph).i("pw", pw).i("dh", dh).i("dw", dw);
        }
    }

    private static void im2col(KernelHost b, Geometry g, long x, int n0, int nb, long col) {
        int total = nb * g.ckk() * g.ohw();
        g.imageArgs(b.kernel("conv2d", "im2col_f32").p("x", x).i("xOff", n0 * g.c * g.h * g.w).p("col", col))
                .i("total", total).elements(total);
    }

    /** One chunk of images [n0, n0 + nb) with its column buffer. */
    @FunctionalInterface
    private interface Chunk {
        void run(int n0, int nb, long col);
    }

    /** Runs {@code body} over the batch in chunks, with one column buffer for all of them. */
    private static void inChunks(KernelHost b, Geometry g, Chunk body) {
        int chunk = g.chunk(b);
        long colFloats = (long) chunk * g.ckk() * g.ohw();
        long col = b.temp(colFloats);
        try {
            for (int n0 = 0; n0 < g.n; n0 += chunk) {
                body.run(n0, Math.min(chunk, g.n - n0), col);
            }
        } finally {
            b.freeTemp(col, colFloats);
        }
    }

    public static void forward(KernelHost b, Conv2d.Forward o) {
        Geometry g = Geometry.of(o.conv(), o.x().shape(), o.weight().shape(), o.y().shape());
        inChunks(b, g, (n0, nb, col) -> {
            im2col(b, g, b.buffer(o.x()), n0, nb, col);
            b.gemm(false, false, g.kg(), g.ohw(), g.cgkk(), 1, 0, nb * g.groups, g.groups,
                    b.buffer(o.weight()), 0, 0, g.kg() * g.cgkk(),
                    col, 0, g.ckk() * g.ohw(), g.cgkk() * g.ohw(),
                    b.buffer(o.y()), n0 * g.k * g.ohw(), g.k * g.ohw(), g.kg() * g.ohw());
        });
        if (o.bias() != null) {
            int total = o.y().size();
            b.kernel("conv2d", "bias_add_f32").p("y", o.y()).p("bias", o.bias()).i("K", g.k).i("inner", g.ohw())
                    .i("total", total).elements(total);
        }
    }

    public static void backwardData(KernelHost b, Conv2d.BackwardData o) {
        Geometry g = Geometry.of(o.conv(), o.dx().shape(), o.weight().shape(), o.dy().shape());
        inChunks(b, g, (n0, nb, dcol) -> {
            b.gemm(true, false, g.cgkk(), g.ohw(), g.kg(), 1, 0, nb * g.groups, g.groups,
                    b.buffer(o.weight()), 0, 0, g.kg() * g.cgkk(),
                    b.buffer(o.dy()), n0 * g.k * g.ohw(), g.k * g.ohw(), g.kg() * g.ohw(),
                    dcol, 0, g.ckk() * g.ohw(), g.cgkk() * g.ohw());
            int total = nb * g.c * g.h * g.w;
            g.imageArgs(b.kernel("conv2d", "col2im_f32").p("col", dcol).p("dx", o.dx())
                    .i("dxOff", n0 * g.c * g.h * g.w)).i("total", total).elements(total);
        });
    }

    public static void backwardFilter(KernelHost b, Conv2d.BackwardFilter o) {
        Geometry g = Geometry.of(o.conv(), o.x().shape(), o.dWeight().shape(), o.dy().shape());
        inChunks(b, g, (n0, nb, col) -> {
            im2col(b, g, b.buffer(o.x()), n0, nb, col);
            for (int i = 0; i < nb; i++) {
                int n = n0 + i;
                // dW_g (+)= dy_g[n] [Kg, OHW] * col_g[i]^T [OHW, CgKK]; the first image overwrites
                b.gemm(false, true, g.kg(), g.cgkk(), g.ohw(), 1, n == 0 ? 0 : 1, g.groups, g.groups,
                        b.buffer(o.dy()), n * g.k * g.ohw(), 0, g.kg() * g.ohw(),
                        col, i * g.ckk() * g.ohw(), 0, g.cgkk() * g.ohw(),
                        b.buffer(o.dWeight()), 0, 0, g.kg() * g.cgkk());
            }
        });
        if (o.dBias() != null) {
            b.channelSum(b.buffer(o.dy()), b.buffer(o.dBias()), g.n, g.k, g.ohw());
        }
    }
}
