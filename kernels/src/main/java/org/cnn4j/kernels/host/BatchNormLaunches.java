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
        b.kernel("batchnorm", "batchnorm_forward_training_f32").p("x", o.x()).p("gamma", o.gamma()).p("beta", o.beta())
                .p("runningMean", o.runningMean()).p("runningVar", o.runningVar()).p("y", o.y())
                .p("savedMean", o.savedMean()).p("savedInvStd", o.savedInvStd()).i("N", x.dim(0)).i("C", x.dim(1))
                .i("S", spatial(x)).f("eps", o.bn().epsilon()).f("momentum", o.bn().momentum())
                .groups(x.dim(1), KernelHost.REDUCE_WG);
    }

    public static void forwardInference(KernelHost b, BatchNorm.ForwardInference o) {
        Shape x = o.x().shape();
        int total = x.size();
        b.kernel("batchnorm", "batchnorm_forward_inference_f32").p("x", o.x()).p("gamma", o.gamma()).p("beta", o.beta())
                .p("runningMean", o.runningMean()).p("runningVar", o.runningVar()).p("y", o.y()).i("C", x.dim(1))
                .i("S", spatial(x)).f("eps", o.bn().epsilon()).i("total", total).elements(total);
    }

    public static void backward(KernelHost b, BatchNorm.Backward o) {
        Shape x = o.x().shape();
        b.kernel("batchnorm", "batchnorm_backward_f32").p("x", o.x()).p("dy", o.dy()).p("gamma", o.gamma())
                .p("savedMean", o.savedMean()).p("savedInvStd", o.savedInvStd()).p("dx", o.dx()).p("dGamma", o.dGamma())
                .p("dBeta", o.dBeta()).i("N", x.dim(0)).i("C", x.dim(1)).i("S", spatial(x))
                .groups(x.dim(1), KernelHost.REDUCE_WG);
    }

    public static void backwardInference(KernelHost b, BatchNorm.BackwardInference o) {
        Shape x = o.x().shape();
        b.kernel("batchnorm", "batchnorm_backward_inference_f32").p("x", o.x()).p("dy", o.dy()).p("gamma", o.gamma())
                .p("runningMean", o.runningMean()).p("runningVar", o.runningVar()).p("dx", o.dx())
                .p("dGamma", o.dGamma()).p("dBeta", o.dBeta()).i("N", x.dim(0)).i("C", x.dim(1)).i("S", spatial(x))
                .f("eps", o.bn().epsilon()).groups(x.dim(1), KernelHost.REDUCE_WG);
    }
}
