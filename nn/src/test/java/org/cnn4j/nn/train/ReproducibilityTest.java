package org.cnn4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.cnn4j.backend.cpu.CpuBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.Synthetic;
import org.cnn4j.nn.data.ImageDataset;
import org.cnn4j.nn.models.Model;
import org.cnn4j.nn.models.Models;
import org.cnn4j.ops.Activation;
import org.junit.jupiter.api.Test;

/**
 * The cpu backend gives the same bits run after run, whatever the JIT does: a short LeNet-5 training run (every
 * convolution, pooling, linear, loss and Adam kernel of the cpu backend, forward and backward) and the smooth
 * activations (whose vector paths use exponentials) are hashed in this JVM twice, once before and once after the
 * JIT has warmed up, and in two child JVMs: one with the default JIT and one stopped at C1 ({@code
 * -XX:TieredStopAtLevel=1}), where the Vector API runs its Java fallback instead of C2's intrinsics. All four
 * hashes must be equal.
 */
class ReproducibilityTest {
    static final ImageDataset DATA = Synthetic.bars(192, 10, 28, 5);

    /** SHA-256 of every weight, buffer and optimizer state after a short training run, plus the activations. */
    static String hash() {
        try (Backend b = new CpuBackend(new CpuBackend.Config(2, true))) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            Model m = Models.create("lenet5", b, DATA.sampleShape(), 10, 7);
            Trainer t = new Trainer(m, new Optimizer(b, m.net().parameters(),
                    Optimizer.Config.defaults(Optimizer.Kind.ADAM, 0.002)),
                    new Trainer.Config(32, 7, 1e-4, new StepLr(0, 0.1), null));
            t.fit(DATA, null, 2, new TrainingListener() { });
            for (Map.Entry<String, float[]> e : TrainerTest.state(t).entrySet()) {
                md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                md.update(bytes(e.getValue()));
            }
            TrainerTest.closeAll(t);
            md.update(bytes(activations(b)));
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Forward and backward of ELU, sigmoid and tanh on seeded values spanning the interesting ranges. */
    static float[] activations(Backend b) {
        int n = 4099; // not a multiple of any vector width: the tails run too
        SplittableRandom rng = new SplittableRandom(11);
        float[] x = new float[n];
        float[] dy = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (i % 3 == 0 ? rng.nextDouble(-30, 30) : rng.nextDouble(-3, 3));
            dy[i] = (float) rng.nextDouble(-1, 1);
        }
        List<Float> all = new ArrayList<>();
        for (Activation act : List.of(Activation.elu(1.0), Activation.sigmoid(), Activation.tanh())) {
            try (Tensor tx = b.fromArray(Shape.of(n), x); Tensor tdy = b.fromArray(Shape.of(n), dy);
                    Tensor ty = b.allocate(Shape.of(n)); Tensor tdx = b.allocate(Shape.of(n))) {
                b.execute(new Activation.Forward(act, tx, ty));
                b.execute(new Activation.Backward(act, tx, ty, tdy, tdx));
                for (float v : ty.toFloatArray()) {
                    all.add(v);
                }
                for (float v : tdx.toFloatArray()) {
                    all.add(v);
                }
            }
        }
        float[] out = new float[all.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = all.get(i);
        }
        return out;
    }

    static byte[] bytes(float[] v) {
        ByteBuffer bb = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(v);
        return bb.array();
    }

    /** Prints {@link #hash()}: the child JVMs' entry point. */
    public static final class Child {
        public static void main(String[] args) {
            System.out.println("hash " + hash());
        }
    }

    static String childHash(String... jvmFlags) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector"));
        cmd.addAll(List.of(jvmFlags));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the child JVM did not end");
        assertEquals(0, p.exitValue(), "the child JVM " + cmd + " failed: " + out);
        for (String line : out.split("\n")) {
            if (line.startsWith("hash ")) {
                return line.substring(5).trim();
            }
        }
        throw new AssertionError("the child JVM printed no hash: " + out);
    }

    @Test
    void sameBitsColdAndWarmInOneJvmAndInOtherJvmsWhateverTheJit() throws Exception {
        String cold = hash();
        for (int i = 0; i < 3; i++) { // let C2 compile the kernels
            hash();
        }
        String warm = hash();
        assertEquals(cold, warm, "the same training run differs before and after the JIT warmed up");
        assertEquals(warm, childHash(), "another JVM computes other bits");
        assertEquals(warm, childHash("-XX:TieredStopAtLevel=1"),
                "a JVM without C2 (the Vector API's Java fallback) computes other bits");
    }
}
