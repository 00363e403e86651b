package org.cnn4j.backend.cuda;

import static org.cnn4j.backend.cuda.CudaBackend.ptr;

import java.lang.foreign.MemorySegment;
import org.cnn4j.kernels.host.ActivationLaunches;
import org.cnn4j.ops.Activation;

/**
 * ReLU, ELU, sigmoid and tanh on cuDNN's activation functions, NaN propagating; the tensor is seen as one row of
 * {@code size} values. Leaky ReLU (no cuDNN mode) and every activation without cuDNN run on activation.k
 * ({@link ActivationLaunches}, as does PReLU). cuDNN's backward reads the
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

    static void forward(CudaBackend b, Activation.Forward o) {
        int n = o.x().size();
        if (n == 0) {
            return;
        }
        if (!b.cudnnOn() || !fitsCudnn(o.act())) {
            ActivationLaunches.forward(b.host, o);
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
            ActivationLaunches.backward(b.host, o);
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
}
