package org.cnn4j.backend.cuda;

import static org.cnn4j.backend.cuda.CudaBackend.ptr;

import java.lang.foreign.MemorySegment;
import org.cnn4j.core.Shape;
import org.cnn4j.ops.Pool2d;

/**
 * {@link Pool2d} on cuDNN where it is on and the call fits it, else on pool2d.k (one thread per output; the
 * backward one per input, a gather). cuDNN has no ceil mode, so it serves only calls whose output is the
 * floor-mode shape (ceil mode that adds no window included); in floor mode every window lies inside the padded
 * input, so PyTorch's divisors match cuDNN's include/exclude-padding modes. cuDNN's pooling descriptor has no
 * dilation: dilated max pooling runs on pool2d.k in both directions.
 *
 * <p>Routing by direction, from what cuDNN documents:
 * <ul>
 *   <li>max forward: cuDNN, {@code CUDNN_POOLING_MAX_DETERMINISTIC} with {@code CUDNN_PROPAGATE_NAN} (a NaN in
 *       the window is the maximum, as {@link Pool2d} specifies);</li>
 *   <li>max backward: always pool2d.k. cuDNN lists {@code cudnnPoolingBackward} with {@code CUDNN_POOLING_MAX} as
 *       not reproducible, and documents neither which of equal maxima nor which NaN receives the gradient;
 *       {@link Pool2d} wants the first of equal maxima and the last NaN (PyTorch's rule), which the gather
 *       kernel implements, so the value cases hold by construction;</li>
 *   <li>average forward and backward: cuDNN (arithmetic only, documented as reproducible). The backward needs
 *       the forward output, which {@link Pool2d.Backward} does not carry: it is recomputed into scratch.</li>
 * </ul>
 * Not yet run on a GPU.
 */
final class Pool2dCuda {
    private Pool2dCuda() {
    }

    /** True when cuDNN's floor-mode output shape is {@code y}'s and the window is not dilated (cuDNN has none). */
    static boolean fitsCudnn(Pool2d p, Shape x, Shape y) {
        if (x.rank() != 4 || y.rank() != 4 || p.dilated()) {
            return false;
        }
        int oh = (x.dim(2) + 2 * p.padding().h() - p.kernel().h()) / p.stride().h() + 1;
        int ow = (x.dim(3) + 2 * p.padding().w() - p.kernel().w()) / p.stride().w() + 1;
        return oh == y.dim(2) && ow == y.dim(3);
    }

    /** True when the backward of {@code p} runs on cuDNN (average pooling that fits it); max never does. */
    static boolean backwardOnCudnn(CudaBackend b, Pool2d p, Shape x, Shape dy) {
        return b.cudnnOn() && p.mode() == Pool2d.Mode.AVG && fitsCudnn(p, x, dy);
    }

    private static MemorySegment descriptor(Cudnn.Descriptors s, Pool2d p) {
        int mode = switch (p.mode()) {
            case MAX -> Cudnn.POOLING_MAX_DETERMINISTIC;
            case AVG -> p.countIncludePad() ? Cudnn.POOLING_AVG_INCLUDE_PADDING : Cudnn.POOLING_AVG_EXCLUDE_PADDING;
        };
        return s.pooling(mode, p.kernel().h(), p.kernel().w(), p.padding().h(), p.padding().w(), p.stride().h(),
                p.stride().w());
    }

    private static MemorySegment tensor(Cudnn.Descriptors s, Shape t) {
        return s.tensor(t.dim(0), t.dim(1), t.dim(2), t.dim(3));
    }

    static void forward(CudaBackend b, Pool2d.Forward o) {
        Cudnn.Descriptors s = b.descriptors;
        b.rt.cudnn.poolingForward(b.cudnnHandle, descriptor(s, o.pool()), tensor(s, o.x().shape()), ptr(o.x()),
                tensor(s, o.y().shape()), ptr(o.y()));
    }

    static void backward(CudaBackend b, Pool2d.Backward o) {
        long count = o.dy().size();
        long y = b.temp(count);
        try {
            Cudnn.Descriptors s = b.descriptors;
            MemorySegment pd = descriptor(s, o.pool());
            MemorySegment xd = tensor(s, o.x().shape());
            MemorySegment yd = tensor(s, o.dy().shape());
            b.rt.cudnn.poolingForward(b.cudnnHandle, pd, xd, ptr(o.x()), yd, y);
            b.rt.cudnn.poolingBackward(b.cudnnHandle, pd, yd, y, ptr(o.dy()), xd, ptr(o.x()), ptr(o.dx()));
        } finally {
            b.freeTemp(y, count);
        }
    }
}
