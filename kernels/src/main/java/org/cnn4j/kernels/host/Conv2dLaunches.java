package org.cnn4j.kernels.host;

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

    /** Rows of col for all channels of an image: C*KH*KW (each group's Cg*KH*KW rows, one after another). */
    private static int ckk(Conv2d.Geometry g) {
        return g.groups() * g.colRows();
    }

    /**
     * Images per chunk: as many as keep the columns within the host's column limit and one GEMM launch's batch
     * (images * groups) within the host's limit, at least one.
     */
    private static int chunk(KernelHost b, Conv2d.Geometry g) {
        long per = Math.max(1, (long) ckk(g) * g.colCols());
        return (int) Math.max(1, Math.min(Math.min(g.batch(), b.colLimitFloats() / per),
                b.maxGemmBatch() / g.groups()));
    }

    private static KernelHost.Launch imageArgs(KernelHost.Launch l, Conv2d.Geometry g) {
        return l.i("C", g.inChannels()).i("H", g.inH()).i("W", g.inW()).i("KH", g.kernelH()).i("KW", g.kernelW())
                .i("OH", g.outH()).i("OW", g.outW()).i("sh", g.strideH()).i("sw", g.strideW())
                .i("ph", g.paddingH()).i("pw", g.paddingW()).i("dh", g.dilationH()).i("dw", g.dilationW());
    }

    private static void im2col(KernelHost b, Conv2d.Geometry g, long x, int n0, int nb, long col) {
        int total = nb * ckk(g) * g.colCols();
        imageArgs(b.kernel("conv2d", "im2col_f32").p("x", x).i("xOff", n0 * g.inImage()).p("col", col), g)
                .i("total", total).elements(total);
    }

    /** One chunk of images [n0, n0 + nb) with its column buffer. */
    @FunctionalInterface
    private interface Chunk {
        void run(int n0, int nb, long col);
    }

    /** Runs {@code body} over the batch in chunks, with one column buffer for all of them. */
    private static void inChunks(KernelHost b, Conv2d.Geometry g, Chunk body) {
        int chunk = chunk(b, g);
        long colFloats = (long) chunk * ckk(g) * g.colCols();
        long col = b.temp(colFloats);
        try {
            for (int n0 = 0; n0 < g.batch(); n0 += chunk) {
                body.run(n0, Math.min(chunk, g.batch() - n0), col);
            }
        } finally {
            b.freeTemp(col, colFloats);
        }
    }

    public static void forward(KernelHost b, Conv2d.Forward o) {
        Conv2d.Geometry g = o.geometry();
        int kg = g.outPerGroup();
        int ohw = g.colCols();
        int cgkk = g.colRows();
        inChunks(b, g, (n0, nb, col) -> {
            im2col(b, g, b.buffer(o.x()), n0, nb, col);
            b.gemm(false, false, kg, ohw, cgkk, 1, 0, nb * g.groups(), g.groups(),
                    b.buffer(o.weight()), 0, 0, kg * cgkk,
                    col, 0, ckk(g) * ohw, cgkk * ohw,
                    b.buffer(o.y()), n0 * g.outImage(), g.outImage(), kg * ohw);
        });
        if (o.bias() != null) {
            int total = o.y().size();
            b.kernel("conv2d", "bias_add_f32").p("y", o.y()).p("bias", o.bias()).i("K", g.outChannels())
                    .i("inner", ohw).i("total", total)
                    .elements(total);
        }
    }

    public static void backwardData(KernelHost b, Conv2d.BackwardData o) {
        Conv2d.Geometry g = o.geometry();
        int kg = g.outPerGroup();
        int ohw = g.colCols();
        int cgkk = g.colRows();
        inChunks(b, g, (n0, nb, dcol) -> {
            b.gemm(true, false, cgkk, ohw, kg, 1, 0, nb * g.groups(), g.groups(),
                    b.buffer(o.weight()), 0, 0, kg * cgkk,
                    b.buffer(o.dy()), n0 * g.outImage(), g.outImage(), kg * ohw,
                    dcol, 0, ckk(g) * ohw, cgkk * ohw);
            int total = nb * g.inImage();
            imageArgs(b.kernel("conv2d", "col2im_f32").p("col", dcol).p("dx", o.dx()).i("dxOff", n0 * g.inImage()), g)
                    .i("total", total).elements(total);
        });
    }

    public static void backwardFilter(KernelHost b, Conv2d.BackwardFilter o) {
        Conv2d.Geometry g = o.geometry();
        int kg = g.outPerGroup();
        int ohw = g.colCols();
        int cgkk = g.colRows();
        inChunks(b, g, (n0, nb, col) -> {
            im2col(b, g, b.buffer(o.x()), n0, nb, col);
            for (int i = 0; i < nb; i++) {
                int n = n0 + i;
                // dW_g (+)= dy_g[n] [Kg, OHW] * col_g[i]^T [OHW, CgKK]; the first image overwrites
                b.gemm(false, true, kg, cgkk, ohw, 1, n == 0 ? 0 : 1, g.groups(), g.groups(),
                        b.buffer(o.dy()), n * g.outImage(), 0, kg * ohw,
                        col, i * ckk(g) * ohw, 0, cgkk * ohw,
                        b.buffer(o.dWeight()), 0, 0, kg * cgkk);
            }
        });
        if (o.dBias() != null) {
            b.channelSum(b.buffer(o.dy()), b.buffer(o.dBias()), g.batch(), g.outChannels(), ohw);
        }
    }
}
