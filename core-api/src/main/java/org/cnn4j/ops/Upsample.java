package org.cnn4j.ops;

import static org.cnn4j.ops.Check.fail;

import java.util.Map;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;

/**
 * Nearest-neighbour upsampling of NCHW tensors, PyTorch's {@code F.interpolate(x, mode="nearest")} and
 * {@code nn.Upsample(mode="nearest")} (the legacy {@code "nearest"}, not {@code "nearest-exact"}). Two forms,
 * exactly one of which is set:
 * <ul>
 *   <li>integer factors ({@link #nearest(int, int)}): {@code OH = H * scaleH}, {@code OW = W * scaleW}
 *       ({@code outH = outW = 0}), PyTorch's {@code scale_factor=};</li>
 *   <li>an output size ({@link #nearestToSize}): {@code OH = outH}, {@code OW = outW}, larger or smaller than the
 *       input ({@code scaleH = scaleW = 0}), PyTorch's {@code size=}.</li>
 * </ul>
 * Per axis, output index {@code d} of an input of {@code in} and an output of {@code out} elements copies source
 * index {@link #sourceIndex}, PyTorch's {@code nearest_idx}, including its single-precision arithmetic:
 * <pre>
 *   src(d) = d                              when out == in
 *          = d &gt;&gt; 1                         when out == 2 * in
 *          = min((int) floorf(d * scale), in - 1)  otherwise, in float, with
 *   scale  = (float) in / out               for a size
 *          = (float) (1.0 / factor)         for an integer factor (so factor 41 maps d = 41 to 0, as PyTorch does)
 * </pre>
 * The backward writes (overwrites) {@code dx[n, c, h, w] = sum of dy[n, c, oh, ow]} over the output cells that
 * copied that input cell ({@code src(oh) == h && src(ow) == w}), each sum over its cells in row-major order; an
 * input cell that no output copied (a smaller size) gets 0.
 *
 * @param scaleH the integer factor along H (at least 1), or 0 for the size form
 * @param scaleW the integer factor along W (at least 1), or 0 for the size form
 * @param outH   the output height (at least 1), or 0 for the factor form
 * @param outW   the output width (at least 1), or 0 for the factor form
 */
public record Upsample(int scaleH, int scaleW, int outH, int outW) {
    public Upsample {
        boolean factors = scaleH != 0 || scaleW != 0;
        boolean size = outH != 0 || outW != 0;
        String given = "scaleH=" + scaleH + ", scaleW=" + scaleW + ", outH=" + outH + ", outW=" + outW;
        if (factors == size) {
            throw fail("Upsample", "give either integer scales scaleH and scaleW (at least 1) or an output size outH "
                    + "and outW (at least 1), exactly one of them, but " + given);
        }
        if (factors && (scaleH < 1 || scaleW < 1)) {
            throw fail("Upsample", "scaleH and scaleW must both be at least 1 but " + given);
        }
        if (size && (outH < 1 || outW < 1)) {
            throw fail("Upsample", "outH and outW must both be at least 1 but " + given);
        }
    }

    /** The same integer factor on both axes ({@code nn.Upsample(scale_factor=scale)}). */
    public static Upsample nearest(int scale) {
        return new Upsample(scale, scale, 0, 0);
    }

    /** An integer factor per axis ({@code nn.Upsample(scale_factor=(scaleH, scaleW))}). */
    public static Upsample nearest(int scaleH, int scaleW) {
        return new Upsample(scaleH, scaleW, 0, 0);
    }

    /** A fixed output size ({@code nn.Upsample(size=(outH, outW))}), larger or smaller than the input. */
    public static Upsample nearestToSize(int outH, int outW) {
        return new Upsample(0, 0, outH, outW);
    }

    /** True for the size form ({@link #nearestToSize}), false for integer factors. */
    public boolean toSize() {
        return outH != 0;
    }

    /** The output shape for input {@code x} ([N, C, H, W]). */
    public Shape outputShape(Shape x) {
        if (x == null || x.rank() != 4) {
            throw fail("Upsample", "x must be [N, C, H, W] but has shape " + x);
        }
        if (toSize()) {
            return Shape.of(x.dim(0), x.dim(1), outH, outW);
        }
        long oh = (long) x.dim(2) * scaleH;
        long ow = (long) x.dim(3) * scaleW;
        if ((long) x.dim(0) * x.dim(1) * oh * ow > Integer.MAX_VALUE) {
            throw fail("Upsample", "the output of x " + x + " scaled by (" + scaleH + ", " + scaleW
                    + ") has more than 2^31-1 elements");
        }
        return Shape.of(x.dim(0), x.dim(1), (int) oh, (int) ow);
    }

    /** The float multiplier of {@link #sourceIndex} along H for an input of height {@code in} (output {@code out}). */
    public float indexScaleH(int in, int out) {
        return toSize() ? (float) in / out : (float) (1.0 / scaleH);
    }

    /** The float multiplier of {@link #sourceIndex} along W for an input of width {@code in} (output {@code out}). */
    public float indexScaleW(int in, int out) {
        return toSize() ? (float) in / out : (float) (1.0 / scaleW);
    }

    /**
     * PyTorch's {@code nearest_idx}: the input index output index {@code d} copies, on an axis of {@code in} input
     * and {@code out} output elements, with {@code scale} from {@link #indexScaleH} or {@link #indexScaleW}.
     */
    public static int sourceIndex(int d, int in, int out, float scale) {
        if (out == in) {
            return d;
        }
        if (out == 2 * in) {
            return d >> 1;
        }
        // d * scale is non-negative: the cast is floorf; the product is rounded to float as PyTorch's is
        float s = d * scale;
        return Math.min((int) s, in - 1);
    }

    /**
     * The first output index whose source is at least {@code i} ({@code out} when there is none): the output cells
     * that copy input {@code i} are {@code [firstOutput(i), firstOutput(i + 1))}, since the source index never
     * decreases.
     */
    public static int firstOutput(int i, int in, int out, float scale) {
        int d = (int) Math.min(out, (long) i * out / in);
        while (d > 0 && sourceIndex(d - 1, in, out, scale) >= i) {
            d--;
        }
        while (d < out && sourceIndex(d, in, out, scale) < i) {
            d++;
        }
        return d;
    }

    @Override
    public String toString() {
        return toSize() ? "Upsample[nearest, size=(" + outH + ", " + outW + ")]"
                : "Upsample[nearest, scale=(" + scaleH + ", " + scaleW + ")]";
    }

    /** {@code y = upsample(x)}: x [N, C, H, W], y [N, C, OH, OW]. */
    public record Forward(Upsample up, Tensor x, Tensor y) implements Op {
        public Forward {
            String op = "Upsample.Forward";
            Check.descriptor(op, "up", up);
            Check.rank(op, "x", x, 4);
            Check.shape(op, "y", y, up.outputShape(x.shape()), up + " of x " + x.shape());
            Check.dtype(op, Check.operands("x", x, "y", y));
        }

        @Override
        public DType dtype() {
            return x.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("x", x);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("y", y);
        }
    }

    /** {@code dx} (overwritten): each input cell's sum of {@code dy} over the output cells that copied it. */
    public record Backward(Upsample up, Tensor dy, Tensor dx) implements Op {
        public Backward {
            String op = "Upsample.Backward";
            Check.descriptor(op, "up", up);
            Check.rank(op, "dx", dx, 4);
            Check.shape(op, "dy", dy, up.outputShape(dx.shape()), up + " of dx " + dx.shape());
            Check.dtype(op, Check.operands("dy", dy, "dx", dx));
        }

        @Override
        public DType dtype() {
            return dx.dtype();
        }

        @Override
        public Map<String, Tensor> inputs() {
            return Check.operands("dy", dy);
        }

        @Override
        public Map<String, Tensor> outputs() {
            return Check.operands("dx", dx);
        }
    }
}
