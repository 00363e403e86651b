package org.cnn4j.kernels.host;

import org.cnn4j.core.Shape;
import org.cnn4j.ops.Activation;
import org.cnn4j.ops.Prelu;

/** Activations and PReLU (activation.k), one work-item per element; PReLU's slope gradient is a channel reduction. */
public final class ActivationLaunches {
    private ActivationLaunches() {
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

    public static void forward(KernelHost b, Activation.Forward o) {
        int total = o.x().size();
        b.kernel("activation", "activation_forward_f32").p("x", o.x()).p("y", o.y()).i("kind", kind(o.act()))
                .f("alpha", o.act().alpha()).i("total", total).elements(total);
    }

    public static void backward(KernelHost b, Activation.Backward o) {
        int total = o.x().size();
        b.kernel("activation", "activation_backward_f32").p("x", o.x()).p("y", o.y()).p("dy", o.dy()).p("dx", o.dx())
                .i("kind", kind(o.act())).f("alpha", o.act().alpha()).i("total", total).elements(total);
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

    public static void preluForward(KernelHost b, Prelu.Forward o) {
        int nw = o.weight().size();
        int[] l = layout(o.x().shape(), nw);
        int total = o.x().size();
        b.kernel("activation", "prelu_forward_f32").p("x", o.x()).p("w", o.weight()).p("y", o.y()).i("C", l[1])
                .i("inner", l[2]).i("nw", nw).i("total", total).elements(total);
    }

    public static void preluBackward(KernelHost b, Prelu.Backward o) {
        int nw = o.weight().size();
        int[] l = layout(o.x().shape(), nw);
        int total = o.x().size();
        b.kernel("activation", "prelu_backward_data_f32").p("x", o.x()).p("w", o.weight()).p("dy", o.dy())
                .p("dx", o.dx()).i("C", l[1]).i("inner", l[2]).i("nw", nw).i("total", total).elements(total);
        b.kernel("reduce", "prelu_weight_grad_f32").p("x", o.x()).p("dy", o.dy()).p("dW", o.dWeight()).i("outer", l[0])
                .i("C", l[1]).i("inner", l[2]).groups(l[1], KernelHost.REDUCE_WG);
    }
}
