package org.cnn4j.kernels.host;

import java.util.List;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Concat;

/** Concatenation and its split (concat.k): one launch per part, one work-item per element of the part. */
public final class ConcatLaunches {
    private ConcatLaunches() {
    }

    public static void forward(KernelHost b, Concat.Forward o) {
        blocks(b, o.cat(), o.xs(), o.out(), true);
    }

    public static void backward(KernelHost b, Concat.Backward o) {
        blocks(b, o.cat(), o.dInputs(), o.dOut(), false);
    }

    private static void blocks(KernelHost b, Concat cat, List<Tensor> parts, Tensor whole, boolean join) {
        Shape s = whole.shape();
        int axis = cat.axis();
        int inner = s.strideOf(axis);
        int wholeBlock = s.dim(axis) * inner;
        int offset = 0;
        for (Tensor part : parts) {
            int block = part.shape().dim(axis) * inner;
            int total = part.size();
            b.kernel("concat", "concat_blocks_f32").p("part", part).p("whole", whole).i("block", block)
                    .i("wholeBlock", wholeBlock).i("offset", offset).i("toWhole", join ? 1 : 0).i("total", total)
                    .elements(total);
            offset += block;
        }
    }
}
