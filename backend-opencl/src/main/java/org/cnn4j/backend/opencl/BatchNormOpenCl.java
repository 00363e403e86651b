package org.cnn4j.backend.opencl;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.BatchNorm;

/**
 * Batch normalization (batchnorm.k): x seen as [N, C, S]; training forward and backward run one work-group per
 * channel with the channel's sums reduced in local memory; inference is element-wise.
 */
final class BatchNormOpenCl {
    private BatchNormOpenCl() {
    }

    private static int spatial(Shape x) {
        return x.size() / (x.dim(0) * x.dim(1));
    }

    static void forwardTraining(OpenClBackend b, BatchNorm.ForwardTraining o) {
        Shape x = o.x().shape();
        b.kernel("batchnorm", "batchnorm_forward_training_f32").mem(o.x()).mem(o.gamma()).mem(o.beta())
                .mem(o.runningMean()).mem(o.runningVar()).mem(o.y()).mem(o.savedMean()).mem(o.savedInvStd())
                .i(x.dim(0)).i(x.dim(1)).i(spatial(x)).f(o.bn().epsilon()).f(o.bn().momentum())
                .groups(x.dim(1), OpenClBackend.REDUCE_WG);
    }

    static void forwardInference(OpenClBackend b, BatchNorm.ForwardInference o) {
        Shape x = o.x().shape();
        int total = x.size();
        b.kernel("batchnorm", "batchnorm_forward_inference_f32").mem(o.x()).mem(o.gamma()).mem(o.beta())
                .mem(o.runningMean()).mem(o.runningVar()).mem(o.y()).i(x.dim(1)).i(spatial(x))
                .f(o.bn().epsilon()).i(total).elements(total);
    }

    static void backward(OpenClBackend b, BatchNorm.Backward o) {
        Shape x = o.x().shape();
        b.kernel("batchnorm", "batchnorm_backward_f32").mem(o.x()).mem(o.dy()).mem(o.gamma()).mem(o.savedMean())
                .mem(o.savedInvStd()).mem(o.dx()).mem(o.dGamma()).mem(o.dBeta())
                .i(x.dim(0)).i(x.dim(1)).i(spatial(x)).groups(x.dim(1), OpenClBackend.REDUCE_WG);
    }
}
