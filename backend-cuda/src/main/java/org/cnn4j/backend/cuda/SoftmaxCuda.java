package org.cnn4j.backend.cuda;

import static org.cnn4j.backend.cuda.CudaBackend.ptr;

import java.lang.foreign.MemorySegment;
import org.cnn4j.core.Shape;
import org.cnn4j.ops.Softmax;

/**
 * Softmax and log-softmax over axis 1 on cuDNN ({@code CUDNN_SOFTMAX_ACCURATE} subtracts the maximum;
 * {@code CUDNN_SOFTMAX_LOG} is log-softmax), channel mode on {@code [N, C, rest, 1]}, {@code rest} being the
 * product of the axes after 1 ({@link CudaBackend} skips empty calls). Without cuDNN: softmax.k, one thread per
 * row of [outer, C, inner]. Not yet run on a GPU.
 */
final class SoftmaxCuda {
    private SoftmaxCuda() {
    }

    private static MemorySegment tensor(Cudnn.Descriptors s, Shape x) {
        int n = x.dim(0);
        int c = x.dim(1);
        int rest = n * c == 0 ? 0 : x.size() / (n * c);
        return s.tensor(n, c, rest, 1);
    }

    private static int algo(Softmax sm) {
        return sm.log() ? Cudnn.SOFTMAX_LOG : Cudnn.SOFTMAX_ACCURATE;
    }

    static void forward(CudaBackend b, Softmax.Forward o) {
        {
            Cudnn.Descriptors s = b.descriptors;
            b.rt.cudnn.softmaxForward(b.cudnnHandle, algo(o.softmax()), tensor(s, o.x().shape()), ptr(o.x()),
                    ptr(o.y()));
        }
    }

    static void backward(CudaBackend b, Softmax.Backward o) {
        {
            Cudnn.Descriptors s = b.descriptors;
            b.rt.cudnn.softmaxBackward(b.cudnnHandle, algo(o.softmax()), tensor(s, o.y().shape()), ptr(o.y()),
                    ptr(o.dy()), ptr(o.dx()));
        }
    }
}
