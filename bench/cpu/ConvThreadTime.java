import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.cnn4j.backend.cpu.CpuBackend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Conv2d;
import org.cnn4j.ops.Op;

/**
 * One convolution pass on a one-thread cpu backend, timed by the calling thread's CPU time (best of -Dreps calls,
 * default 60), so that a busy machine does not inflate it: for comparing two paths of the cpu backend side by side
 * when the machine cannot be kept quiet. Run from the repository root after a build:
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp 'cli/target/lib/*' [-Dks=3 -Dpad=1 -Ddc=true] \
 *       bench/cpu/ConvThreadTime.java N C H K WINOGRAD [fwd|bwd-data|bwd-filter]
 * </pre>
 * x is [N, C, H, H], the weight [K, C, ks, ks], stride 1; WINOGRAD and -Ddc set CpuBackend.Config's winograd and
 * directConv. Prints the milliseconds and the GFLOP/s of the direct method's multiply-adds.
 */
public class ConvThreadTime {
    public static void main(String[] a) {
        int n = Integer.parseInt(a[0]);
        int c = Integer.parseInt(a[1]);
        int h = Integer.parseInt(a[2]);
        int k = Integer.parseInt(a[3]);
        boolean winograd = Boolean.parseBoolean(a[4]);
        String pass = a.length > 5 ? a[5] : "fwd";
        int ks = Integer.getInteger("ks", 3);
        int pad = Integer.getInteger("pad", 1);
        boolean direct = Boolean.parseBoolean(System.getProperty("dc", "true"));
        int reps = Integer.getInteger("reps", 60);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (CpuBackend be = new CpuBackend(new CpuBackend.Config(1, true, direct, winograd))) {
            Conv2d conv = Conv2d.of(1, pad);
            int oh = h + 2 * pad - ks + 1;
            Tensor x = be.allocate(Shape.of(n, c, h, h));
            Tensor w = be.allocate(Shape.of(k, c, ks, ks));
            Tensor b = be.allocate(Shape.of(k));
            Tensor y = be.allocate(Shape.of(n, k, oh, oh));
            float[] xs = new float[n * c * h * h];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = (float) Math.sin(i);
            }
            x.copyFrom(xs);
            float[] ws = new float[k * c * ks * ks];
            for (int i = 0; i < ws.length; i++) {
                ws[i] = (float) Math.cos(i) * 0.1f;
            }
            w.copyFrom(ws);
            Op op = switch (pass) {
                case "fwd" -> new Conv2d.Forward(conv, x, w, b, y);
                case "bwd-data" -> new Conv2d.BackwardData(conv, y, w, x);
                case "bwd-filter" -> new Conv2d.BackwardFilter(conv, x, y, w, b);
                default -> throw new IllegalArgumentException("pass: fwd, bwd-data or bwd-filter, not " + pass);
            };
            double best = Double.MAX_VALUE;
            for (int r = 0; r < reps; r++) {
                long t0 = threads.getCurrentThreadCpuTime();
                be.execute(op);
                best = Math.min(best, (threads.getCurrentThreadCpuTime() - t0) / 1e6);
            }
            double flops = 2.0 * n * k * c * ks * ks * oh * oh;
            System.out.printf("N=%d C=%d H=%d K=%d %dx%d pad %d winograd=%s direct=%s %s: %.3f ms, %.1f GFLOP/s%n",
                    n, c, h, k, ks, ks, pad, winograd, direct, pass, best, flops / best / 1e6);
        }
    }
}
