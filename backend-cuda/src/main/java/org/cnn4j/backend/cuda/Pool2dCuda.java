package org.cnn4j.backend.cuda;

import static org.cnn4j.backend.cuda.CudaBackend.ptr;

import java.lang.foreign.MemorySegment;
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

    /**
     * True when the output is cuDNN's, the floor-mode one (ceil mode, if set, adds no window), and the window is
     * not dilated (cuDNN has no dilation).
     */
    static boolean fitsCudnn(Pool2d.Geometry g) {
        return !g.dilated() && g.floorShaped();
    }

    /** True when the backward of {@code g} runs on cuDNN (average pooling that fits it); max never does. */
    static boolean backwardOnCudnn(CudaBackend b, Pool2d.Geometry g) {
        return b.cudnnOn() && !g.max() && fitsCudnn(g);
    }

    private static MemorySegment descriptor(Cudnn.Descriptors s, Pool2d.Geometry g) {
        int mode = switch (g.mode()) {
            case MAX -> Cudnn.POOLING_MAX_DETERMINISTIC;
            case AVG -> g.countIncludePad() ? Cudnn.POOLING_AVG_INCLUDE_PADDING : Cudnn.POOLING_AVG_EXCLUDE_PADDING;
        };
        return s.pooling(mode, g.kernelH(), g.kernelW(), g.paddingH(), g.paddingW(), g.strideH(), g.strideW());
    }

    /** x's (or dx's) descriptor. */
    private static MemorySegment input(Cudnn.Descriptors s, Pool2d.Geometry g) {
        return s.tensor(g.batch(), g.channels(), g.inH(), g.inW());
    }

    /** y's (or dy's) descriptor. */
    private static MemorySegment output(Cudnn.Descriptors s, Pool2d.Geometry g) {
        return s.tensor(g.batch(), g.channels(), g.outH(), g.outW());
    }

    static void forward(CudaBackend b, Pool2d.Forward o) {
        Pool2d.Geometry g = o.geometry();
        Cudnn.Descriptors s = b.descriptors;
        b.rt.cudnn.poolingForward(b.cudnnHandle, descriptor(s, g), input(s, g), ptr(o.x()), output(s, g),
                ptr(o.y()));
    }

    static void backward(CudaBackend b, Pool2d.Backward o) {
        Pool2d.Geometry g = o.geometry();
        long count = o.dy().size();
        long y = b.temp(count);
        try {
            Cudnn.Descriptors s = b.descriptors;
            MemorySegment pd = descriptor(s, g);
            MemorySegment xd = input(s, g);
            MemorySegment yd = output(s, g);
            b.rt.cudnn.poolingForward(b.cudnnHandle, pd, xd, ptr(o.x()), yd, y);
            b.rt.cudnn.poolingBackward(b.cudnnHandle, pd, yd, y, ptr(o.dy()), xd, ptr(o.x()), ptr(o.dx()));
        } finally {
            b.freeTemp(y, count);
        }
    }
}
