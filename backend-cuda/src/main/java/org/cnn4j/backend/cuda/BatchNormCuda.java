package org.cnn4j.backend.cuda;

import static org.cnn4j.backend.cuda.CudaBackend.ptr;

import java.lang.foreign.MemorySegment;
import org.cnn4j.core.Shape;
import org.cnn4j.ops.BatchNorm;

/**
 * {@link BatchNorm} on cuDNN's spatial batch normalization; {@code [N, C]} is treated as {@code [N, C, 1, 1]}.
 * cuDNN's exponential average factor is PyTorch's momentum (new = (1 - m) old + m batch), its running variance
 * is the unbiased one and its saved inverse variance is {@code 1 / sqrt(var + epsilon)} of the biased variance,
 * as {@link BatchNorm} specifies. Without cuDNN: batchnorm.k, x seen as [N, C, S]; training forward and
 * backward run one block per channel with the channel's sums reduced in shared memory, inference one thread per
 * element. Not yet run on a GPU.
 */
final class BatchNormCuda {
    private BatchNormCuda() {
    }

    private static MemorySegment tensor(Cudnn.Scope s, Shape x) {
        return s.tensor(x.dim(0), x.dim(1), x.rank() == 4 ? x.dim(2) : 1, x.rank() == 4 ? x.dim(3) : 1);
    }

    private static MemorySegment channels(Cudnn.Scope s, Shape x) {
        return s.tensor(1, x.dim(1), 1, 1);
    }

    private static int spatial(Shape x) {
        int nc = x.dim(0) * x.dim(1);
        return nc == 0 ? 0 : x.size() / nc;
    }

    static void forwardTraining(CudaBackend b, BatchNorm.ForwardTraining o) {
        if (!b.cudnnOn()) {
            Shape x = o.x().shape();
            b.kernel("batchnorm", "batchnorm_forward_training_f32").p(o.x()).p(o.gamma()).p(o.beta())
                    .p(o.runningMean()).p(o.runningVar()).p(o.y()).p(o.savedMean()).p(o.savedInvStd())
                    .i(x.dim(0)).i(x.dim(1)).i(spatial(x)).f(o.bn().epsilon()).f(o.bn().momentum())
                    .groups(x.dim(1), CudaBackend.REDUCE_WG);
            return;
        }
        try (Cudnn.Scope s = b.rt.cudnn.scope()) {
            Shape x = o.x().shape();
            b.rt.cudnn.batchNormTraining(b.cudnnHandle, s, tensor(s, x), ptr(o.x()), ptr(o.y()), channels(s, x),
                    ptr(o.gamma()), ptr(o.beta()), o.bn().momentum(), ptr(o.runningMean()), ptr(o.runningVar()),
                    o.bn().epsilon(), ptr(o.savedMean()), ptr(o.savedInvStd()));
        }
    }

    static void forwardInference(CudaBackend b, BatchNorm.ForwardInference o) {
        if (!b.cudnnOn()) {
            Shape x = o.x().shape();
            int total = x.size();
            b.kernel("batchnorm", "batchnorm_forward_inference_f32").p(o.x()).p(o.gamma()).p(o.beta())
                    .p(o.runningMean()).p(o.runningVar()).p(o.y()).i(x.dim(1)).i(spatial(x))
                    .f(o.bn().epsilon()).i(total).elements(total);
            return;
        }
        try (Cudnn.Scope s = b.rt.cudnn.scope()) {
            Shape x = o.x().shape();
            b.rt.cudnn.batchNormInference(b.cudnnHandle, s, tensor(s, x), ptr(o.x()), ptr(o.y()), channels(s, x),
                    ptr(o.gamma()), ptr(o.beta()), ptr(o.runningMean()), ptr(o.runningVar()), o.bn().epsilon());
        }
    }

    static void backward(CudaBackend b, BatchNorm.Backward o) {
        if (!b.cudnnOn()) {
            Shape x = o.x().shape();
            b.kernel("batchnorm", "batchnorm_backward_f32").p(o.x()).p(o.dy()).p(o.gamma()).p(o.savedMean())
                    .p(o.savedInvStd()).p(o.dx()).p(o.dGamma()).p(o.dBeta())
                    .i(x.dim(0)).i(x.dim(1)).i(spatial(x)).groups(x.dim(1), CudaBackend.REDUCE_WG);
            return;
        }
        try (Cudnn.Scope s = b.rt.cudnn.scope()) {
            Shape x = o.x().shape();
            b.rt.cudnn.batchNormBackward(b.cudnnHandle, s, tensor(s, x), ptr(o.x()), ptr(o.dy()), ptr(o.dx()),
                    channels(s, x), ptr(o.gamma()), ptr(o.dGamma()), ptr(o.dBeta()), o.bn().epsilon(),
                    ptr(o.savedMean()), ptr(o.savedInvStd()));
        }
    }
}
