package org.cnn4j.backend.cuda;

import static org.cnn4j.backend.cuda.CudaBackend.ptr;

import java.lang.foreign.MemorySegment;
import org.cnn4j.core.Shape;
import org.cnn4j.ops.Activation;
import org.cnn4j.ops.Prelu;

/**
 * ReLU, ELU, sigmoid and tanh on cuDNN's activation functions, NaN propagating; the tensor is seen as one row of
 * {@code size} values. Leaky ReLU (no cuDNN mode), every activation without cuDNN, and PReLU run on
 * activation.k, one thread per element; PReLU's slope gradient is a channel reduction (reduce.k). cuDNN's backward reads the
 * forward output; when {@link Activation.Backward} carries none it is recomputed into scratch memory. Whether
 * cuDNN's ReLU backward propagates a NaN input as {@link Activation} requires is for the conformance suite on a
 * GPU to tell. Not yet run on a GPU.
 */
final class ActivationCuda {
    private ActivationCuda() {
    }

    static boolean fitsCudnn(Activation a) {
        return a.kind() != Activation.Kind.LEAKY_RELU;
    }

    private static MemorySegment descriptor(Cudnn.Scope s, Activation a) {
        int mode = switch (a.kind()) {
            case RELU -> Cudnn.ACTIVATION_RELU;
            case ELU -> Cudnn.ACTIVATION_ELU;
            case SIGMOID -> Cudnn.ACTIVATION_SIGMOID;
            case TANH -> Cudnn.ACTIVATION_TANH;
            case LEAKY_RELU -> throw new IllegalStateException("leaky ReLU has no cuDNN activation mode");
        };
        return s.activation(mode, a.kind() == Activation.Kind.ELU ? a.alpha() : 0.0);
    }

    /** activation.k's code for each kind. */
    private static int kind(Activation a) {
        return switch (a.kind()) {
            case RELU -> 0;
            case LEAKY_RELU -> 1;
            case ELU -> 2;
            case SIGMOID -> 3;
            case TANH -> 4;
        };
    }

    static void forward(CudaBackend b, Activation.Forward o) {
        int n = o.x().size();
        if (n == 0) {
            return;
        }
        if (!b.cudnnOn() || !fitsCudnn(o.act())) {
            b.kernel("activation", "activation_forward_f32").p(o.x()).p(o.y()).i(kind(o.act())).f(o.act().alpha())
                    .i(n).elements(n);
            return;
        }
        try (Cudnn.Scope s = b.rt.cudnn.scope()) {
            b.rt.cudnn.activationForward(b.cudnnHandle, s, descriptor(s, o.act()), s.tensor(1, 1, 1, n), ptr(o.x()),
                    ptr(o.y()));
        }
    }

    static void backward(CudaBackend b, Activation.Backward o) {
        int n = o.x().size();
        if (n == 0) {
            return;
        }
        if (!b.cudnnOn() || !fitsCudnn(o.act())) {
            b.kernel("activation", "activation_backward_f32").p(o.x()).p(o.y()).p(o.dy())
                    .p(o.dx()).i(kind(o.act())).f(o.act().alpha()).i(n).elements(n);
            return;
        }
        long y = o.y() != null ? ptr(o.y()) : b.temp(n);
        try (Cudnn.Scope s = b.rt.cudnn.scope()) {
            MemorySegment ad = descriptor(s, o.act());
            MemorySegment d = s.tensor(1, 1, 1, n);
            if (o.y() == null) {
                b.rt.cudnn.activationForward(b.cudnnHandle, s, ad, d, ptr(o.x()), y);
            }
            b.rt.cudnn.activationBackward(b.cudnnHandle, s, ad, d, y, ptr(o.dy()), ptr(o.x()), ptr(o.dx()));
        } finally {
            if (o.y() == null) {
                b.freeTemp(y, n);
            }
        }
    }

    /** [outer, C, inner] of x for the slopes: C = 1 when the slope is shared. */
    private static int[] layout(Shape x, int slopes) {
        if (slopes == 1) {
            return new int[] {1, 1, x.size()};
        }
        int outer = x.dim(0);
        int c = x.dim(1);
        return new int[] {outer, c, x.size() / (outer * c)};
    }

    static void preluForward(CudaBackend b, Prelu.Forward o) {
        int nw = o.weight().size();
        int[] l = layout(o.x().shape(), nw);
        int total = o.x().size();
        b.kernel("activation", "prelu_forward_f32").p(o.x()).p(o.weight()).p(o.y()).i(l[1]).i(l[2]).i(nw)
                .i(total).elements(total);
    }

    static void preluBackward(CudaBackend b, Prelu.Backward o) {
        int nw = o.weight().size();
        int[] l = layout(o.x().shape(), nw);
        int total = o.x().size();
        b.kernel("activation", "prelu_backward_data_f32").p(o.x()).p(o.weight()).p(o.dy()).p(o.dx())
                .i(l[1]).i(l[2]).i(nw).i(total).elements(total);
        b.kernel("reduce", "prelu_weight_grad_f32").p(o.x()).p(o.dy()).p(o.dWeight()).i(l[0]).i(l[1])
                .i(l[2]).groups(l[1], CudaBackend.REDUCE_WG);
    }
}
