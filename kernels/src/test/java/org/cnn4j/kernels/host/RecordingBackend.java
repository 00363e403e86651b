package org.cnn4j.kernels.host;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cnn4j.core.DType;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Op;

/**
 * A {@link PortableBackend} without a device: tensors live in host arrays, and every kernel launch is recorded and
 * checked against the kernel's signature in its {@code .k} file ({@link KernelSignatures}): the entry is declared
 * in the file the launch names, and the arguments come in the signature's order, each with its parameter's name
 * and kind (buffer, int, float), none missing and none extra. Nothing is computed: the calls' outputs stay as
 * they were; what counts is what the launchers ask of the host.
 */
final class RecordingBackend extends PortableBackend<String, String> {
    private final Map<String, KernelSignatures.Kernel> signatures;
    /** What went wrong, one line each. */
    final List<String> problems = new ArrayList<>();
    /** Every entry launched. */
    final Set<String> launched = new LinkedHashSet<>();
    /** Every launcher method that a launch came from ({@code Class#method}, public or not). */
    final Set<String> callers = new LinkedHashSet<>();
    /** The call being run, for the messages. */
    String current = "";
    private long nextBuffer = 1;
    private long tempsOut;
    private final RecordedLaunch launch = new RecordedLaunch();

    RecordingBackend(Map<String, KernelSignatures.Kernel> signatures) {
        super("recording", KernelSource.Dialect.OPENCL);
        this.signatures = signatures;
    }

    /** Scratch buffers taken and not given back. */
    long tempsOut() {
        return tempsOut;
    }

    @Override
    public String device() {
        return "none: launches are recorded";
    }

    @Override
    public boolean supports(DType dtype) {
        return dtype == DType.FLOAT32;
    }

    @Override
    protected boolean supportsOp(Op op) {
        return op.dtype() == DType.FLOAT32;
    }

    @Override
    protected synchronized void run(Op op) {
        dispatch(op);
    }

    @Override
    public void synchronize() {
    }

    @Override
    protected void shutdown() {
    }

    @Override
    protected Tensor allocateTensor(Shape shape, DType dtype) {
        return new HostTensor(this, shape, new float[shape.size()], nextBuffer++);
    }

    // ---- the hooks ---------------------------------------------------------------------------------

    @Override
    protected String compile(String label, String source) {
        if (!source.equals(dialect().source(label.substring(0, label.length() - ".k".length())))) {
            problems.add(current + ": the program for " + label + " is not its dialect's source");
        }
        return label;
    }

    @Override
    protected String function(String program, String stem, String entry) {
        return entry;
    }

    @Override
    protected KernelHost.Launch start(Kernel<String> kernel) {
        StackWalker.getInstance().forEach(f -> {
            String c = f.getClassName();
            if (c.startsWith("org.cnn4j.kernels.host.") && c.endsWith("Launches")) {
                callers.add(c.substring(c.lastIndexOf('.') + 1) + "#" + f.getMethodName());
            }
        });
        return launch.start(kernel.stem(), kernel.entry());
    }

    @Override
    protected long buffer(Tensor t) {
        return ((HostTensor) t).id;
    }

    @Override
    protected long temp(long floats) {
        if (floats < 0) {
            problems.add(current + ": scratch of " + floats + " floats");
        }
        tempsOut++;
        return nextBuffer++;
    }

    @Override
    protected void freeTemp(long buffer, long floats) {
        tempsOut--;
    }

    @Override
    protected void writeInts(long dst, int[] src) {
    }

    @Override
    protected void copy(long src, long dst, long bytes) {
    }

    /** Small, so that the convolution's chunked loops run too. */
    @Override
    protected int colLimitFloats() {
        return 200;
    }

    @Override
    protected int maxGemmBatch() {
        return Integer.MAX_VALUE;
    }

    // ---- the recording -----------------------------------------------------------------------------

    /** One launch's arguments, compared with the signature as they come, then checked complete at the launch. */
    final class RecordedLaunch implements KernelHost.Launch {
        private String stem;
        private String entry;
        private KernelSignatures.Kernel kernel;
        private int index;
        private boolean bad;

        RecordedLaunch start(String stem, String entry) {
            this.stem = stem;
            this.entry = entry;
            this.index = 0;
            this.kernel = signatures.get(entry);
            this.bad = false;
            if (kernel == null || !kernel.stem().equals(stem)) {
                problem("not declared in " + stem + ".k");
            }
            return this;
        }

        private void problem(String what) {
            if (!bad) {
                problems.add(current + ": " + entry + ": " + what);
            }
            bad = true;
        }

        private RecordedLaunch arg(String name, char kind, long value) {
            if (kernel != null && !bad) {
                if (index >= kernel.params().size()) {
                    problem("argument " + index + " '" + name + "' beyond the " + kernel.params().size()
                            + " parameters");
                } else {
                    KernelSignatures.Param p = kernel.params().get(index);
                    if (!p.name().equals(name)) {
                        problem("argument " + index + " is named '" + name + "' but the parameter is " + p.type()
                                + " " + p.name());
                    } else if (p.kind() != kind) {
                        problem("argument " + index + " (" + p.type() + " " + p.name() + ") set as '" + kind + "'");
                    } else if (kind == 'p' && value == 0) {
                        problem("argument " + index + " (" + p.name() + ") is a null buffer");
                    }
                }
            }
            index++;
            return this;
        }

        @Override
        public RecordedLaunch p(String name, Tensor t) {
            return arg(name, 'p', buffer(t));
        }

        @Override
        public RecordedLaunch p(String name, long buffer) {
            return arg(name, 'p', buffer);
        }

        @Override
        public RecordedLaunch i(String name, int v) {
            return arg(name, 'i', 1);
        }

        @Override
        public RecordedLaunch f(String name, double v) {
            return arg(name, 'f', 1);
        }

        private void launched() {
            if (kernel != null && index != kernel.params().size()) {
                problem(index + " arguments for " + kernel.params().size() + " parameters");
            }
            launched.add(entry);
        }

        @Override
        public void elements(long total) {
            launched();
        }

        @Override
        public void groups(int groups, int size) {
            launched();
        }

        @Override
        public void tiles(int x, int y, int z, int threads) {
            launched();
        }
    }

    /** A float32 tensor in a host array; its buffer id stands for a device buffer. */
    static final class HostTensor extends Tensor {
        private final float[] data;
        final long id;

        HostTensor(RecordingBackend backend, Shape shape, float[] data, long id) {
            super(backend, shape, DType.FLOAT32);
            this.data = data;
            this.id = id;
        }

        @Override
        protected void writeFloats(float[] src) {
            System.arraycopy(src, 0, data, 0, src.length);
        }

        @Override
        protected void writeDoubles(double[] src) {
            for (int i = 0; i < src.length; i++) {
                data[i] = (float) src[i];
            }
        }

        @Override
        protected void readFloats(float[] dst) {
            System.arraycopy(data, 0, dst, 0, dst.length);
        }

        @Override
        protected void readDoubles(double[] dst) {
            for (int i = 0; i < dst.length; i++) {
                dst[i] = data[i];
            }
        }

        @Override
        protected Tensor view(Shape newShape) {
            return new HostTensor((RecordingBackend) backend(), newShape, data, id);
        }

        @Override
        protected void release() {
            if (!isView()) {
                ((RecordingBackend) backend()).onRelease(this);
            }
        }
    }
}
