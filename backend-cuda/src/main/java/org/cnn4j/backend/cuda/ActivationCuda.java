package org.cnn4j.backend.cuda;

import static org.cnn4j.backend.cuda.CudaBackend.ptr;

import java.lang.foreign.MemorySegment;
import org.cnn4j.ops.Activation;

/**
 * ReLU, ELU, sigmoid and tanh forward on cuDNN's activation functions with {@code CUDNN_PROPAGATE_NAN} (a NaN
 * input gives a NaN output, as {@link Activation} specifies); the tensor is seen as one row of {@code size}
 * values. Leaky ReLU (no cuDNN mode) and every activation without cuDNN run on activation.k
 * ({@link org.cnn4j.kernels.host.ActivationLaunches}, as does PReLU: {@link CudaBackend} falls through to them).
 *
 * <p>Every backward runs on activation.k, with or without cuDNN. {@link Activation} requires a NaN in x, y or dy
 * to give NaN in dx; cuDNN documents its NaN option for the forward output only, and its backward formulas
 * decide from y or from a comparison of x (ReLU: {@code x > 0 ? dy : 0} turns a NaN x into 0; sigmoid and tanh
 * read only y), so a NaN x could be dropped. The element-wise kernel costs the same memory traffic and needs no
 * recomputed forward output. Not yet run on a GPU.
 */
final class ActivationCuda {
    private ActivationCuda() {
    }

    static boolean fitsCudnn(Activation a) {
        return a.kind() != Activation.Kind.LEAKY_RELU;
    }

    private static MemorySegment descriptor(Cudnn.Descriptors s, Activation a) {
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
        Cudnn.Descriptors s = b.descriptors;
        b.rt.cudnn.activationForward(b.cudnnHandle, descriptor(s, o.act()), s.tensor(1, 1, 1, n), ptr(o.x()),
                ptr(o.y()));
    }
}
