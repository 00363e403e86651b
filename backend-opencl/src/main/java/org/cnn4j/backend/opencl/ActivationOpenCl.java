package org.cnn4j.backend.opencl;

import static org.cnn4j.backend.opencl.OpenClBackend.mem;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.Activation;
import org.cnn4j.ops.Prelu;

/** Activations and PReLU (activation.k); PReLU's slope gradient is a channel reduction (reduce.k). */
final class ActivationOpenCl {
    private ActivationOpenCl() {
    }

    /** The kernel's code for each kind. */
    private static int kind(Activation a) {
        return switch (a.kind()) {
            case RELU -> 0;
            case LEAKY_RELU -> 1;
            case ELU -> 2;
            case SIGMOID -> 3;
            case TANH -> 4;
        };
    }

    static void forward(OpenClBackend b, Activation.Forward o) {
        int total = o.x().size();
        b.kernel("activation", "activation_forward_f32").mem(o.x()).mem(o.y()).i(kind(o.act())).f(o.act().alpha())
                .i(total).elements(total);
    }

    static void backward(OpenClBackend b, Activation.Backward o) {
        int total = o.x().size();
        b.kernel("activation", "activation_backward_f32").mem(o.x()).mem(o.y()).mem(o.dy()).mem(o.dx())
                .i(kind(o.act())).f(o.act().alpha()).i(total).elements(total);
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

    static void preluForward(OpenClBackend b, Prelu.Forward o) {
        int nw = o.weight().size();
        int[] l = layout(o.x().shape(), nw);
        int total = o.x().size();
        b.kernel("activation", "prelu_forward_f32").mem(o.x()).mem(o.weight()).mem(o.y()).i(l[1]).i(l[2]).i(nw)
                .i(total).elements(total);
    }

    static void preluBackward(OpenClBackend b, Prelu.Backward o) {
        int nw = o.weight().size();
        int[] l = layout(o.x().shape(), nw);
        int total = o.x().size();
        b.kernel("activation", "prelu_backward_data_f32").mem(o.x()).mem(o.weight()).mem(o.dy()).mem(o.dx())
                .i(l[1]).i(l[2]).i(nw).i(total).elements(total);
        b.kernel("reduce", "prelu_weight_grad_f32").mem(mem(o.x())).mem(o.dy()).mem(o.dWeight()).i(l[0]).i(l[1])
                .i(l[2]).groups(l[1], OpenClBackend.REDUCE_WG);
    }
}
