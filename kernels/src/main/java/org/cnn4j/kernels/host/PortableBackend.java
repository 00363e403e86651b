package org.cnn4j.kernels.host;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Activation;
import org.cnn4j.ops.Adagrad;
import org.cnn4j.ops.Adam;
import org.cnn4j.ops.Add;
import org.cnn4j.ops.Axpy;
import org.cnn4j.ops.BatchNorm;
import org.cnn4j.ops.Concat;
import org.cnn4j.ops.Conv2d;
import org.cnn4j.ops.Copy;
import org.cnn4j.ops.Dropout;
import org.cnn4j.ops.Fill;
import org.cnn4j.ops.Gemm;
import org.cnn4j.ops.L2Penalty;
import org.cnn4j.ops.Linear;
import org.cnn4j.ops.Loss;
import org.cnn4j.ops.Op;
import org.cnn4j.ops.Pool2d;
import org.cnn4j.ops.Prelu;
import org.cnn4j.ops.RmsProp;
import org.cnn4j.ops.Scale;
import org.cnn4j.ops.Sgd;
import org.cnn4j.ops.Softmax;
import org.cnn4j.ops.SumAxes;
import org.cnn4j.ops.Upsample;
import org.cnn4j.spi.AbstractBackend;

/**
 * A backend on the portable kernels of this module, written once for every GPU API: the one exhaustive
 * {@code switch} over {@link Op} that sends each call to its launcher ({@link Conv2dLaunches}, ...), the kernel
 * sources of the API's {@link KernelSource.Dialect}, the cache of built programs and of their kernels, and the
 * backend as the launchers' {@link KernelHost}. A subclass supplies what differs per API through small hooks:
 * build a program ({@link #compile}), look up a kernel in it ({@link #function}), set arguments and launch
 * ({@link #start}), a tensor's device buffer, scratch memory (both backends take it from a {@link BufferPool}),
 * small host-to-device copies and device copies.
 *
 * <p>The operator families that a subclass may run on a vendor library instead (cuDNN, cuBLAS) go through a
 * protected method per call ({@link #conv2d(Conv2d.Forward)}, {@link #linear(Linear.Forward)}, ...) whose
 * default is the portable launch; an override handles what the library does and calls {@code super} for the
 * rest. Every other operator is one {@code case} in {@link #dispatch}, calling its launcher directly: adding a
 * portable operator adds exactly that one line here, and every backend on the portable kernels runs it.
 *
 * <p>The subclass serializes calls: it calls {@link #dispatch} from {@link #run} under its lock, and the host,
 * the caches and the launch builders it hands out are used under that lock.
 *
 * @param <P> the API's handle of a built program (an OpenCL {@code cl_program}, a CUDA module)
 * @param <F> the API's handle of one kernel in it (an OpenCL {@code cl_kernel}, a CUDA function)
 */
public abstract class PortableBackend<P, F> extends AbstractBackend {
    /** One kernel: its file, its entry name and the API's handle. */
    public record Kernel<F>(String stem, String entry, F function) {
    }

    private final KernelSource.Dialect dialect;
    /** Built programs by the SHA-256 of their source. */
    private final Map<String, P> programs = new HashMap<>();
    /** Kernels by entry name (entry names are unique across the kernel files). */
    private final Map<String, Kernel<F>> kernels = new HashMap<>();

    /** This backend as the portable kernels' host: what the launchers call. */
    protected final KernelHost host = new Host();

    protected PortableBackend(String name, KernelSource.Dialect dialect) {
        super(name);
        this.dialect = dialect;
    }

    /** The dialect this backend compiles the portable kernels in. */
    public final KernelSource.Dialect dialect() {
        return dialect;
    }

    // ---- what differs per API ----------------------------------------------------------------------

    /**
     * Builds {@code source} (a whole program in this backend's dialect, named {@code label} in messages) with the
     * dialect's options; a build error is a {@link org.cnn4j.core.KernelCompileException} with the log.
     */
    protected abstract P compile(String label, String source);

    /** The kernel {@code entry} of {@code program}, built from kernel file {@code stem}. */
    protected abstract F function(P program, String stem, String entry);

    /** A launch of {@code kernel}: its arguments are set next, in order, then its geometry launches it. */
    protected abstract KernelHost.Launch start(Kernel<F> kernel);

    /** The device buffer of a tensor of this backend. */
    protected abstract long buffer(Tensor t);

    /** Scratch memory for {@code floats} 4-byte values, returned with {@link #freeTemp}; reuse is in launch order. */
    protected abstract long temp(long floats);

    /** Returns scratch memory from {@link #temp} of {@code floats} values. */
    protected abstract void freeTemp(long buffer, long floats);

    /** Copies {@code src} to device memory at {@code dst}, in launch order. */
    protected abstract void writeInts(long dst, int[] src);

    /** Copies {@code bytes} from device buffer {@code src} to {@code dst} (distinct buffers), in launch order. */
    protected abstract void copy(long src, long dst, long bytes);

    /** Floats of im2col columns one convolution chunk may hold. */
    protected abstract int colLimitFloats();

    /** The most items one batched GEMM launch may cover. */
    protected abstract int maxGemmBatch();

    // ---- programs and kernels ----------------------------------------------------------------------

    /** {@code source} built by {@link #compile}, or the program built from the same source before. */
    protected final P program(String label, String source) {
        String key = sha256(source);
        P p = programs.get(key);
        if (p == null) {
            p = compile(label, source);
            programs.put(key, p);
        }
        return p;
    }

    /**
     * The launch of {@code entry} in kernel file {@code stem} ({@code portable/<stem>.k}): the program is built on
     * first use, the kernel then cached by entry name, so later launches only look it up (no allocation).
     */
    protected final KernelHost.Launch kernel(String stem, String entry) {
        Kernel<F> k = kernels.get(entry);
        if (k == null) {
            P p = program(stem + ".k", dialect.source(stem));
            k = new Kernel<>(stem, entry, function(p, stem, entry));
            kernels.put(entry, k);
        } else if (!k.stem().equals(stem)) {
            throw new IllegalStateException("kernel " + entry + " asked of " + stem + ".k but loaded from "
                    + k.stem() + ".k");
        }
        return start(k);
    }

    /** The programs built so far (for their release at close). */
    protected final List<P> programs() {
        return new ArrayList<>(programs.values());
    }

    /** The kernels looked up so far (for their release at close). */
    protected final List<Kernel<F>> kernels() {
        return new ArrayList<>(kernels.values());
    }

    /** Forgets every program and kernel (the subclass released them). */
    protected final void forgetPrograms() {
        kernels.clear();
        programs.clear();
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- operators ---------------------------------------------------------------------------------

    /** Runs {@code op}: the one dispatch over every operator. Called by {@link #run} under the backend's lock. */
    protected final void dispatch(Op op) {
        switch (op) {
            case Conv2d.Forward o -> conv2d(o);
            case Conv2d.BackwardData o -> conv2d(o);
            case Conv2d.BackwardFilter o -> conv2d(o);
            case Pool2d.Forward o -> pool2d(o);
            case Pool2d.Backward o -> pool2d(o);
            case BatchNorm.ForwardTraining o -> batchNorm(o);
            case BatchNorm.ForwardInference o -> batchNorm(o);
            case BatchNorm.Backward o -> batchNorm(o);
            case BatchNorm.BackwardInference o -> BatchNormLaunches.backwardInference(host, o);
            case Activation.Forward o -> activation(o);
            case Activation.Backward o -> ActivationLaunches.backward(host, o);
            case Prelu.Forward o -> ActivationLaunches.preluForward(host, o);
            case Prelu.Backward o -> ActivationLaunches.preluBackward(host, o);
            case Softmax.Forward o -> softmax(o);
            case Softmax.Backward o -> softmax(o);
            case Dropout.Forward o -> DropoutLaunches.apply(host, o.dropout(), o.x(), o.y());
            case Dropout.Backward o -> DropoutLaunches.apply(host, o.dropout(), o.dy(), o.dx());
            case Linear.Forward o -> linear(o);
            case Linear.BackwardData o -> linear(o);
            case Linear.BackwardWeights o -> linear(o);
            case Gemm.Run o -> gemm(o);
            case Loss.Forward o -> LossLaunches.forward(host, o);
            case Loss.Backward o -> LossLaunches.backward(host, o);
            case L2Penalty.Forward o -> L2PenaltyLaunches.forward(host, o);
            case L2Penalty.Backward o -> L2PenaltyLaunches.backward(host, o);
            case Sgd.Step o -> OptimizerLaunches.sgd(host, o);
            case Adagrad.Step o -> OptimizerLaunches.adagrad(host, o);
            case RmsProp.Step o -> OptimizerLaunches.rmsProp(host, o);
            case Adam.Step o -> OptimizerLaunches.adam(host, o);
            case Sgd.Steps o -> OptimizerLaunches.sgd(host, o);
            case Adagrad.Steps o -> OptimizerLaunches.adagrad(host, o);
            case RmsProp.Steps o -> OptimizerLaunches.rmsProp(host, o);
            case Adam.Steps o -> OptimizerLaunches.adam(host, o);
            case Fill.Run o -> fill(o);
            case Copy.Run o -> copy(o);
            case Add.Run o -> add(o);
            case Scale.Run o -> scale(o);
            case Axpy.Run o -> axpy(o);
            case SumAxes.Run o -> ElementwiseLaunches.sumAxes(host, o);
            case Upsample.Forward o -> UpsampleLaunches.forward(host, o);
            case Upsample.Backward o -> UpsampleLaunches.backward(host, o);
            case Concat.Forward o -> ConcatLaunches.forward(host, o);
            case Concat.Backward o -> ConcatLaunches.backward(host, o);
        }
    }

    // The families a vendor library may serve instead: each default is the portable launch.

    protected void conv2d(Conv2d.Forward o) {
        Conv2dLaunches.forward(host, o);
    }

    protected void conv2d(Conv2d.BackwardData o) {
        Conv2dLaunches.backwardData(host, o);
    }

    protected void conv2d(Conv2d.BackwardFilter o) {
        Conv2dLaunches.backwardFilter(host, o);
    }

    protected void pool2d(Pool2d.Forward o) {
        Pool2dLaunches.forward(host, o);
    }

    protected void pool2d(Pool2d.Backward o) {
        Pool2dLaunches.backward(host, o);
    }

    protected void batchNorm(BatchNorm.ForwardTraining o) {
        BatchNormLaunches.forwardTraining(host, o);
    }

    protected void batchNorm(BatchNorm.ForwardInference o) {
        BatchNormLaunches.forwardInference(host, o);
    }

    protected void batchNorm(BatchNorm.Backward o) {
        BatchNormLaunches.backward(host, o);
    }

    protected void activation(Activation.Forward o) {
        ActivationLaunches.forward(host, o);
    }

    protected void softmax(Softmax.Forward o) {
        SoftmaxLaunches.forward(host, o);
    }

    protected void softmax(Softmax.Backward o) {
        SoftmaxLaunches.backward(host, o);
    }

    protected void linear(Linear.Forward o) {
        LinearLaunches.forward(host, o);
    }

    protected void linear(Linear.BackwardData o) {
        LinearLaunches.backwardData(host, o);
    }

    protected void linear(Linear.BackwardWeights o) {
        LinearLaunches.backwardWeights(host, o);
    }

    protected void gemm(Gemm.Run o) {
        LinearLaunches.gemm(host, o);
    }

    protected void fill(Fill.Run o) {
        ElementwiseLaunches.fill(host, o);
    }

    protected void add(Add.Run o) {
        ElementwiseLaunches.add(host, o);
    }

    protected void scale(Scale.Run o) {
        ElementwiseLaunches.scale(host, o);
    }

    protected void axpy(Axpy.Run o) {
        ElementwiseLaunches.axpy(host, o);
    }

    /** A device copy; none when {@code y} is a view of {@code x}'s buffer, which already holds the values. */
    private void copy(Copy.Run o) {
        long src = buffer(o.x());
        long dst = buffer(o.y());
        if (src != dst) {
            copy(src, dst, (long) o.x().size() * Float.BYTES);
        }
    }

    /** The backend as {@link KernelHost}: each method is the subclass's hook. */
    private final class Host implements KernelHost {
        @Override
        public Launch kernel(String file, String entry) {
            return PortableBackend.this.kernel(file, entry);
        }

        @Override
        public long buffer(Tensor t) {
            return PortableBackend.this.buffer(t);
        }

        @Override
        public long temp(long floats) {
            return PortableBackend.this.temp(floats);
        }

        @Override
        public void freeTemp(long buffer, long floats) {
            PortableBackend.this.freeTemp(buffer, floats);
        }

        @Override
        public void writeInts(long dst, int[] src) {
            PortableBackend.this.writeInts(dst, src);
        }

        @Override
        public int colLimitFloats() {
            return PortableBackend.this.colLimitFloats();
        }

        @Override
        public int maxGemmBatch() {
            return PortableBackend.this.maxGemmBatch();
        }
    }
}
