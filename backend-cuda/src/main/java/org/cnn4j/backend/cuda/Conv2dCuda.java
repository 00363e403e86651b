package org.cnn4j.backend.cuda;

import static org.cnn4j.backend.cuda.CudaBackend.ptr;

import java.lang.foreign.MemorySegment;
import org.cnn4j.core.Shape;
import org.cnn4j.ops.Conv2d;

/**
 * {@link Conv2d} on cuDNN: cross-correlation with padding, stride, dilation and groups, float32 accumulation
 * (FMA math, no TF32 unless {@code -Dcnn4j.cuda.tf32=true}). The algorithm for each direction and shape is
 * chosen once by {@code cudnnGet*Algorithm_v7} within the workspace limit and cached on the backend.
 *
 * <p>Without cuDNN: im2col + batched GEMM on the own kernels (conv2d.k, gemm.k), as the OpenCL backend runs
 * them. The batch runs in chunks of images whose columns fit in {@link CudaBackend#COL_LIMIT_FLOATS}; one GEMM
 * launch covers every image and every channel group of a chunk (grid z).
 * <pre>
 *   forward:         col = im2col(x);  y_g = W_g [Kg, Cg*KH*KW] * col_g [Cg*KH*KW, OH*OW];  y += bias
 *   backward data:   dcol_g = W_g^T * dy_g;  dx = col2im(dcol)  (the gather adjoint of im2col)
 *   backward filter: dW_g = sum_n dy_g[n] [Kg, OH*OW] * col_g[n]^T;  dBias = sum over n, oh, ow of dy
 * </pre>
 * Not yet run on a GPU.
 */
final class Conv2dCuda {
    private Conv2dCuda() {
    }

    private static MemorySegment tensor(Cudnn.Scope s, Shape t) {
        return s.tensor(t.dim(0), t.dim(1), t.dim(2), t.dim(3));
    }

    private static MemorySegment filter(Cudnn.Scope s, Shape w) {
        return s.filter(w.dim(0), w.dim(1), w.dim(2), w.dim(3));
    }

    private static MemorySegment conv(CudaBackend b, Cudnn.Scope s, Conv2d c) {
        return s.convolution(c.padding().h(), c.padding().w(), c.stride().h(), c.stride().w(), c.dilation().h(),
                c.dilation().w(), c.groups(), b.options.allowTf32());
    }

    private static Cudnn.Algo algo(CudaBackend b, Cudnn.Direction dir, Shape x, Shape w, Conv2d c,
            MemorySegment d1, MemorySegment d2, MemorySegment cd, MemorySegment d3) {
        return b.algorithms.computeIfAbsent(new CudaBackend.AlgoKey(dir, x, w, c),
                k -> b.rt.cudnn.chooseAlgorithm(b.cudnnHandle, dir, d1, d2, cd, d3, b.options.workspaceLimit()));
    }

    static void forward(CudaBackend b, Conv2d.Forward o) {
        if (!b.cudnnOn()) {
            Kernels.forward(b, o);
            return;
        }
        Cudnn dnn = b.rt.cudnn;
        try (Cudnn.Scope s = dnn.scope()) {
            MemorySegment xd = tensor(s, o.x().shape());
            MemorySegment wd = filter(s, o.weight().shape());
            MemorySegment cd = conv(b, s, o.conv());
            MemorySegment yd = tensor(s, o.y().shape());
            Cudnn.Algo a = algo(b, Cudnn.Direction.FORWARD, o.x().shape(), o.weight().shape(), o.conv(), xd, wd, cd,
                    yd);
            dnn.convolutionForward(b.cudnnHandle, s, xd, ptr(o.x()), wd, ptr(o.weight()), cd, a,
                    b.workspace(a.workspaceBytes()), yd, ptr(o.y()));
            if (o.bias() != null) {
                MemorySegment bd = s.tensor(1, o.bias().size(), 1, 1);
                dnn.addTensor(b.cudnnHandle, s, bd, ptr(o.bias()), yd, ptr(o.y()));
            }
        }
    }

    static void backwardData(CudaBackend b, Conv2d.BackwardData o) {
        if (!b.cudnnOn()) {
            Kernels.backwardData(b, o);
            return;
        }
        Cudnn dnn = b.rt.cudnn;
        try (Cudnn.Scope s = dnn.scope()) {
            MemorySegment wd = filter(s, o.weight().shape());
            MemorySegment dyd = tensor(s, o.dy().shape());
            MemorySegment cd = conv(b, s, o.conv());
            MemorySegment dxd = tensor(s, o.dx().shape());
            Cudnn.Algo a = algo(b, Cudnn.Direction.BACKWARD_DATA, o.dx().shape(), o.weight().shape(), o.conv(), wd,
                    dyd, cd, dxd);
            dnn.convolutionBackwardData(b.cudnnHandle, s, wd, ptr(o.weight()), dyd, ptr(o.dy()), cd, a,
                    b.workspace(a.workspaceBytes()), dxd, ptr(o.dx()));
        }
    }

    static void backwardFilter(CudaBackend b, Conv2d.BackwardFilter o) {
        if (!b.cudnnOn()) {
            Kernels.backwardFilter(b, o);
            return;
        }
        Cudnn dnn = b.rt.cudnn;
        try (Cudnn.Scope s = dnn.scope()) {
            MemorySegment xd = tensor(s, o.x().shape());
            MemorySegment dyd = tensor(s, o.dy().shape());
            MemorySegment cd = conv(b, s, o.conv());
            MemorySegment dwd = filter(s, o.dWeight().shape());
            Cudnn.Algo a = algo(b, Cudnn.Direction.BACKWARD_FILTER, o.x().shape(), o.dWeight().shape(), o.conv(),
                    xd, dyd, cd, dwd);
            dnn.convolutionBackwardFilter(b.cudnnHandle, s, xd, ptr(o.x()), dyd, ptr(o.dy()), cd, a,
                    b.workspace(a.workspaceBytes()), dwd, ptr(o.dWeight()));
            if (o.dBias() != null) {
                MemorySegment bd = s.tensor(1, o.dBias().size(), 1, 1);
                dnn.convolutionBackwardBias(b.cudnnHandle, s, dyd, ptr(o.dy()), bd, ptr(o.dBias()));
            }
        }
    }

    /** The own-kernel path: im2col / col2im (conv2d.k) and batched GEMM (gemm.k). */
    static final class Kernels {
        private Kernels() {
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
             * Images per chunk: as many as keep the columns within {@code limit} floats and the GEMM's grid z
             * (images * groups) within CUDA's 65535, at least one.
             */
            int chunk(int limit) {
                long per = Math.max(1, (long) ckk() * ohw());
                return (int) Math.max(1, Math.min(Math.min(n, limit / per), CudaBackend.MAX_GRID_YZ / groups));
            }
        }

        private static void im2col(CudaBackend b, Geometry g, long x, int n0, int nb, long col) {
            int total = nb * g.ckk() * g.ohw();
            b.kernel("conv2d", "im2col_f32").p(x).i(n0 * g.c * g.h * g.w).p(col)
                    .i(g.c).i(g.h).i(g.w).i(g.kh).i(g.kw).i(g.oh).i(g.ow)
                    .i(g.sh).i(g.sw).i(g.ph).i(g.pw).i(g.dh).i(g.dw).i(total).elements(total);
        }

        static void forward(CudaBackend b, Conv2d.Forward o) {
            Geometry g = Geometry.of(o.conv(), o.x().shape(), o.weight().shape(), o.y().shape());
            int chunk = g.chunk(b.colLimitFloats);
            long colFloats = (long) chunk * g.ckk() * g.ohw();
            long col = b.temp(colFloats);
            try {
                for (int n0 = 0; n0 < g.n; n0 += chunk) {
                    int nb = Math.min(chunk, g.n - n0);
                    im2col(b, g, ptr(o.x()), n0, nb, col);
                    b.gemm(false, false, g.kg(), g.ohw(), g.cgkk(), 1, 0, nb * g.groups, g.groups,
                            ptr(o.weight()), 0, 0, g.kg() * g.cgkk(),
                            col, 0, g.ckk() * g.ohw(), g.cgkk() * g.ohw(),
                            ptr(o.y()), n0 * g.k * g.ohw(), g.k * g.ohw(), g.kg() * g.ohw());
                }
            } finally {
                b.freeTemp(col, colFloats);
            }
            if (o.bias() != null) {
                int total = o.y().size();
                b.kernel("conv2d", "bias_add_f32").p(o.y()).p(o.bias()).i(g.k).i(g.ohw()).i(total)
                        .elements(total);
            }
        }

        static void backwardData(CudaBackend b, Conv2d.BackwardData o) {
            Geometry g = Geometry.of(o.conv(), o.dx().shape(), o.weight().shape(), o.dy().shape());
            int chunk = g.chunk(b.colLimitFloats);
            long colFloats = (long) chunk * g.ckk() * g.ohw();
            long dcol = b.temp(colFloats);
            try {
                for (int n0 = 0; n0 < g.n; n0 += chunk) {
                    int nb = Math.min(chunk, g.n - n0);
                    b.gemm(true, false, g.cgkk(), g.ohw(), g.kg(), 1, 0, nb * g.groups, g.groups,
                            ptr(o.weight()), 0, 0, g.kg() * g.cgkk(),
                            ptr(o.dy()), n0 * g.k * g.ohw(), g.k * g.ohw(), g.kg() * g.ohw(),
                            dcol, 0, g.ckk() * g.ohw(), g.cgkk() * g.ohw());
                    int total = nb * g.c * g.h * g.w;
                    b.kernel("conv2d", "col2im_f32").p(dcol).p(o.dx()).i(n0 * g.c * g.h * g.w)
                            .i(g.c).i(g.h).i(g.w).i(g.kh).i(g.kw).i(g.oh).i(g.ow)
                            .i(g.sh).i(g.sw).i(g.ph).i(g.pw).i(g.dh).i(g.dw).i(total).elements(total);
                }
            } finally {
                b.freeTemp(dcol, colFloats);
            }
        }

        static void backwardFilter(CudaBackend b, Conv2d.BackwardFilter o) {
            Geometry g = Geometry.of(o.conv(), o.x().shape(), o.dWeight().shape(), o.dy().shape());
            int chunk = g.chunk(b.colLimitFloats);
            long colFloats = (long) chunk * g.ckk() * g.ohw();
            long col = b.temp(colFloats);
            try {
                for (int n0 = 0; n0 < g.n; n0 += chunk) {
                    int nb = Math.min(chunk, g.n - n0);
                    im2col(b, g, ptr(o.x()), n0, nb, col);
                    for (int i = 0; i < nb; i++) {
                        int n = n0 + i;
                        // dW_g (+)= dy_g[n] [Kg, OHW] * col_g[i]^T [OHW, CgKK]; the first image overwrites
                        b.gemm(false, true, g.kg(), g.cgkk(), g.ohw(), 1, n == 0 ? 0 : 1, g.groups, g.groups,
                                ptr(o.dy()), n * g.k * g.ohw(), 0, g.kg() * g.ohw(),
                                col, i * g.ckk() * g.ohw(), 0, g.cgkk() * g.ohw(),
                                ptr(o.dWeight()), 0, 0, g.kg() * g.cgkk());
                    }
                }
                if (g.n == 0 && o.dWeight().size() > 0) {
                    b.rt.driver.memsetD32(ptr(o.dWeight()), 0, o.dWeight().size(), b.stream);
                }
            } finally {
                b.freeTemp(col, colFloats);
            }
            if (o.dBias() != null) {
                b.channelSum(ptr(o.dy()), ptr(o.dBias()), g.n, g.k, g.ohw());
            }
        }
    }
}
