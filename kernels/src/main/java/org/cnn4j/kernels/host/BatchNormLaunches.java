package org.cnn4j.kernels.host;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.BatchNorm;

/**
 * Batch normalization (batchnorm.k): x seen as [N, C, S]; training forward and backward run one work-group per
 * channel with the channel's sums reduced in local memory, as does the inference backward; the inference forward
 * is element-wise.
 */
public final class BatchNormLaunches {
    private BatchNormLaunches() {
    }

    private static int spatial(Shape x) {
        return x.size() / (x.dim(0) * x.dim(1));
    }

    public static void forwardTraining(KernelHost b, BatchNorm.ForwardTraining o) {
        Shape x = o.x().shape();
        b.kernel("batchnorm", "batchnorm_forward_training_f32").p(o.x()).p(o.gamma()).p(o.beta())
                .p(o.runningMean()).p(o.runningVar()).p(o.y()).p(o.savedMean()).p(o.savedInvStd())
                .i(x.dim(0)).i(x.dim(1)).i(spatial(x)).f(o.bn().epsilon()).f(o.bn().momentum())
                .groups(x.dim(1), KernelHost.REDUCE_WG);
    }

    public static void forwardInference(KernelHost b, BatchNorm.ForwardInference o) {
        Shape x = o.x().shape();
        int total = x.size();
        b.kernel("batchnorm", "batchnorm_forward_inference_f32").p(o.x()).p(o.gamma()).p(o.beta())
                .p(o.runningMean()).p(o.runningVar()).p(o.y()).i(x.dim(1)).i(spatial(x))
                .f(o.bn().epsilon()).i(total).elements(total);
    }

    public static void backward(KernelHost b, BatchNorm.Backward o) {
        Shape x = o.x().shape();
        b.kernel("batchnorm", "batchnorm_backward_f32").p(o.x()).p(o.dy()).p(o.gamma()).p(o.savedMean())
                .p(o.savedInvStd()).p(o.dx()).p(o.dGamma()).p(o.dBeta())
                .i(x.dim(0)).i(x.dim(1)).i(spatial(x)).groups(x.dim(1), KernelHost.REDUCE_WG);
    }

    public static void backwardInference(KernelHost b, BatchNorm.BackwardInference o) {
        Shape x = o.x().shape();
        b.kernel("batchnorm", "batchnorm_backward_inference_f32").p(o.x()).p(o.dy()).p(o.gamma())
                .p(o.runningMean()).p(o.runningVar()).p(o.dx()).p(o.dGamma()).p(o.dBeta())
                .i(x.dim(0)).i(x.dim(1)).i(spatial(x)).f(o.bn().epsilon()).groups(x.dim(1), KernelHost.REDUCE_WG);
    }
}
