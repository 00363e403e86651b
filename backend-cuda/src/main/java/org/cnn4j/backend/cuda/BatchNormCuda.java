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
 * element. The inference-mode backward ({@link BatchNorm.BackwardInference}) always runs on batchnorm.k (one
 * block per channel): cuDNN's batch-norm backward differentiates through the batch statistics, not the running
 * ones. Not yet run on a GPU.
 */
final class BatchNormCuda {
    private BatchNormCuda() {
    }

    private static MemorySegment tensor(Cudnn.Descriptors s, Shape x) {
        return s.tensor(x.dim(0), x.dim(1), x.rank() == 4 ? x.dim(2) : 1, x.rank() == 4 ? x.dim(3) : 1);
    }

    private static MemorySegment channels(Cudnn.Descriptors s, Shape x) {
        return s.tensor(1, x.dim(1), 1, 1);
    }

    static void forwardTraining(CudaBackend b, BatchNorm.ForwardTraining o) {
        {
            Cudnn.Descriptors s = b.descriptors;
            Shape x = o.x().shape();
            b.rt.cudnn.batchNormTraining(b.cudnnHandle, tensor(s, x), ptr(o.x()), ptr(o.y()), channels(s, x),
                    ptr(o.gamma()), ptr(o.beta()), o.bn().momentum(), ptr(o.runningMean()), ptr(o.runningVar()),
                    o.bn().epsilon(), ptr(o.savedMean()), ptr(o.savedInvStd()));
        }
    }

    static void forwardInference(CudaBackend b, BatchNorm.ForwardInference o) {
        {
            Cudnn.Descriptors s = b.descriptors;
            Shape x = o.x().shape();
            b.rt.cudnn.batchNormInference(b.cudnnHandle, tensor(s, x), ptr(o.x()), ptr(o.y()), channels(s, x),
                    ptr(o.gamma()), ptr(o.beta()), ptr(o.runningMean()), ptr(o.runningVar()), o.bn().epsilon());
        }
    }

    static void backward(CudaBackend b, BatchNorm.Backward o) {
        {
            Cudnn.Descriptors s = b.descriptors;
            Shape x = o.x().shape();
            b.rt.cudnn.batchNormBackward(b.cudnnHandle, tensor(s, x), ptr(o.x()), ptr(o.dy()), ptr(o.dx()),
                    channels(s, x), ptr(o.gamma()), ptr(o.dGamma()), ptr(o.dBeta()), o.bn().epsilon(),
                    ptr(o.savedMean()), ptr(o.savedInvStd()));
        }
    }
}
