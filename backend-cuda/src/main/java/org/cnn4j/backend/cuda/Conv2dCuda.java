package org.cnn4j.backend.cuda;

import static org.cnn4j.backend.cuda.CudaBackend.ptr;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.cnn4j.core.NativeCallException;
import org.cnn4j.core.Shape;
import org.cnn4j.ops.Conv2d;

/**
 * {@link Conv2d} on cuDNN: cross-correlation with padding, stride, dilation and groups, float32 accumulation
 * (FMA math, no TF32 unless {@code -Dcnn4j.cuda.tf32=true}). For each direction and shape the usable algorithms
 * ({@link Cudnn#candidates}: deterministic, within the workspace limit, no tensor-op math) are listed once and
 * kept with the shape's descriptors; a call runs the current one with its math type set explicitly, and when
 * cuDNN returns an error status for it the next one is tried and kept for later calls. An error from every
 * candidate is thrown with each one's status.
 *
 * <p>Without cuDNN ({@link CudaBackend} falls through to the portable kernels): im2col + batched GEMM
 * ({@link org.cnn4j.kernels.host.Conv2dLaunches}, as the OpenCL backend runs them), in chunks of images whose
 * columns fit in {@link CudaBackend#COL_LIMIT_FLOATS}, one GEMM launch per chunk (images and groups on grid z).
 * Not yet run on a GPU.
 */
final class Conv2dCuda {
    private static final System.Logger LOG = System.getLogger(Conv2dCuda.class.getName());

    private Conv2dCuda() {
    }

    /** The algorithms of one direction and shape, and which of them runs now (earlier ones failed). */
    static final class Choice {
        final List<Cudnn.Algo> candidates;
        private int current;
        private final List<String> failures = new ArrayList<>();

        Choice(List<Cudnn.Algo> candidates) {
            this.candidates = candidates;
        }

        Cudnn.Algo current() {
            return candidates.get(current);
        }

        int index() {
            return current;
        }

        /** Moves past the current algorithm after {@code e}; false when none is left. */
        boolean fail(NativeCallException e) {
            failures.add("algorithm " + current().algo() + ": " + e.status());
            current++;
            return current < candidates.size();
        }

        String failures() {
            return String.join("; ", failures);
        }
    }

    /** What one direction runs with a chosen algorithm and its workspace. */
    private interface Run {
        void run(Cudnn.Algo algo, long workspace);
    }

    /** x's (or dx's) descriptor, [batch, inChannels, inH, inW]. */
    private static MemorySegment input(Cudnn.Descriptors s, Conv2d.Geometry g) {
        return s.tensor(g.batch(), g.inChannels(), g.inH(), g.inW());
    }

    /** y's (or dy's) descriptor, [batch, outChannels, outH, outW]. */
    private static MemorySegment output(Cudnn.Descriptors s, Conv2d.Geometry g) {
        return s.tensor(g.batch(), g.outChannels(), g.outH(), g.outW());
    }

    /** The weight's descriptor, [outChannels, inChannels/groups, kernelH, kernelW]. */
    private static MemorySegment filter(Cudnn.Descriptors s, Conv2d.Geometry g) {
        return s.filter(g.outChannels(), g.inPerGroup(), g.kernelH(), g.kernelW());
    }

    private static MemorySegment conv(CudaBackend b, Conv2d.Geometry g) {
        return b.descriptors.convolution(g.paddingH(), g.paddingW(), g.strideH(), g.strideW(), g.dilationH(),
                g.dilationW(), g.groups(), Cudnn.queryMath(b.options.allowTf32()));
    }

    /**
     * Runs {@code run} with the shape's current algorithm, its math type set on {@code cd}; on an error status
     * from cuDNN the next candidate is tried (and kept). The candidates are listed on the shape's first call.
     */
    private static void withFallback(CudaBackend b, Cudnn.Direction dir, Shape x, Shape w, Conv2d c,
            MemorySegment d1, MemorySegment d2, MemorySegment cd, MemorySegment d3, Run run) {
        Cudnn dnn = b.rt.cudnn;
        CudaBackend.AlgoKey key = new CudaBackend.AlgoKey(dir, x, w, c);
        Choice choice = b.algorithms.get(key);
        if (choice == null) {
            // the query runs under the query math type, whatever an earlier call of another direction set
            dnn.setMathType(cd, Cudnn.queryMath(b.options.allowTf32()));
            choice = new Choice(dnn.candidates(b.cudnnHandle, dir, d1, d2, cd, d3, b.options.workspaceLimit(),
                    b.options.allowTf32()));
            b.algorithms.put(key, choice);
        }
        while (true) {
            Cudnn.Algo a = choice.current();
            try {
                dnn.setMathType(cd, a.mathType());
                run.run(a, b.workspace(a.workspaceBytes()));
                return;
            } catch (NativeCallException e) {
                if (!Cudnn.LIB.equals(e.library()) || !e.function().equals(Cudnn.runName(dir))) {
                    throw e;
                }
                if (!choice.fail(e)) {
                    throw new NativeCallException(Cudnn.LIB, Cudnn.runName(dir), e.code(), e.status(),
                            "every usable algorithm failed for " + dir + " x " + x + " w " + w + ": "
                                    + choice.failures());
                }
                LOG.log(System.Logger.Level.INFO, () -> Cudnn.runName(dir) + " x " + x + " w " + w + ": algorithm "
                        + a.algo() + " returned " + e.status() + "; trying algorithm "
                        + b.algorithms.get(key).current().algo());
            }
        }
    }

    static void forward(CudaBackend b, Conv2d.Forward o) {
        Cudnn dnn = b.rt.cudnn;
        Cudnn.Descriptors s = b.descriptors;
        Conv2d.Geometry g = o.geometry();
        MemorySegment xd = input(s, g);
        MemorySegment wd = filter(s, g);
        MemorySegment cd = conv(b, g);
        MemorySegment yd = output(s, g);
        withFallback(b, Cudnn.Direction.FORWARD, o.x().shape(), o.weight().shape(), o.conv(), xd, wd, cd, yd,
                (a, ws) -> dnn.convolutionForward(b.cudnnHandle, xd, ptr(o.x()), wd, ptr(o.weight()), cd, a, ws, yd,
                        ptr(o.y())));
        if (o.bias() != null) {
            MemorySegment bd = s.tensor(1, g.outChannels(), 1, 1);
            dnn.addTensor(b.cudnnHandle, bd, ptr(o.bias()), yd, ptr(o.y()));
        }
    }

    static void backwardData(CudaBackend b, Conv2d.BackwardData o) {
        Cudnn dnn = b.rt.cudnn;
        Cudnn.Descriptors s = b.descriptors;
        Conv2d.Geometry g = o.geometry();
        MemorySegment wd = filter(s, g);
        MemorySegment dyd = output(s, g);
        MemorySegment cd = conv(b, g);
        MemorySegment dxd = input(s, g);
        withFallback(b, Cudnn.Direction.BACKWARD_DATA, o.dx().shape(), o.weight().shape(), o.conv(), wd, dyd, cd,
                dxd, (a, ws) -> dnn.convolutionBackwardData(b.cudnnHandle, wd, ptr(o.weight()), dyd, ptr(o.dy()), cd,
                        a, ws, dxd, ptr(o.dx())));
    }

    static void backwardFilter(CudaBackend b, Conv2d.BackwardFilter o) {
        Cudnn dnn = b.rt.cudnn;
        Cudnn.Descriptors s = b.descriptors;
        Conv2d.Geometry g = o.geometry();
        MemorySegment xd = input(s, g);
        MemorySegment dyd = output(s, g);
        MemorySegment cd = conv(b, g);
        MemorySegment dwd = filter(s, g);
        withFallback(b, Cudnn.Direction.BACKWARD_FILTER, o.x().shape(), o.dWeight().shape(), o.conv(), xd, dyd, cd,
                dwd, (a, ws) -> dnn.convolutionBackwardFilter(b.cudnnHandle, xd, ptr(o.x()), dyd, ptr(o.dy()), cd, a,
                        ws, dwd, ptr(o.dWeight())));
        if (o.dBias() != null) {
            MemorySegment bd = s.tensor(1, g.outChannels(), 1, 1);
            dnn.convolutionBackwardBias(b.cudnnHandle, dyd, ptr(o.dy()), bd, ptr(o.dBias()));
        }
    }
}
