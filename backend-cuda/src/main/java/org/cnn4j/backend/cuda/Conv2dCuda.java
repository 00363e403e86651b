package org.cnn4j.backend.cuda;

import static org.cnn4j.backend.cuda.CudaBackend.ptr;

import java.lang.foreign.MemorySegment;
import org.cnn4j.core.Shape;
import org.cnn4j.kernels.host.Conv2dLaunches;
import org.cnn4j.ops.Conv2d;

/**
 * {@link Conv2d} on cuDNN: cross-correlation with padding, stride, dilation and groups, float32 accumulation
 * (FMA math, no TF32 unless {@code -Dcnn4j.cuda.tf32=true}). The algorithm for each direction and shape is
 * chosen once by {@code cudnnGet*Algorithm_v7} within the workspace limit and cached on the backend.
 *
 * <p>Without cuDNN: im2col + batched GEMM on the own kernels ({@link Conv2dLaunches}, as the OpenCL backend runs
 * them), in chunks of images whose columns fit in {@link CudaBackend#COL_LIMIT_FLOATS}, one GEMM launch per chunk
 * (images and groups on grid z).
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
            Conv2dLaunches.forward(b.host, o);
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
            Conv2dLaunches.backwardData(b.host, o);
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
            Conv2dLaunches.backwardFilter(b.host, o);
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
}
