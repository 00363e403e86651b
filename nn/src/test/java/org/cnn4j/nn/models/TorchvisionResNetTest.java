package org.cnn4j.nn.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.cnn4j.backend.cpu.CpuBackend;
import org.cnn4j.backend.reference.ReferenceBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Requirements;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.nn.io.SafeTensors;
import org.cnn4j.nn.train.Checkpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * torchvision's ResNets, built and randomly initialised by PyTorch ({@code src/test/python/torchvision_resnet.py}:
 * batch-norm statistics and affine parameters drawn at random too), saved as a safetensors {@code state_dict}
 * (with its int64 {@code num_batches_tracked}), load into cnn4j's zoo model of the same name with no name map and
 * compute torchvision's logits: in inference mode (running statistics) and in training mode (batch statistics),
 * whose running-statistics update must match too. On the reference backend (the oracle) and the cpu backend.
 *
 * <p>Needs {@code /usr/bin/python3} with torch and torchvision ({@code apt-get install python3-torchvision});
 * skipped with the reason otherwise, failed instead under {@code -Dcnn4j.require=torch}.
 */
class TorchvisionResNetTest {
    private static final String PYTHON = System.getProperty("cnn4j.python", "/usr/bin/python3");

    @TempDir
    static Path dir;

    @BeforeAll
    static void torchvisionIsInstalled() throws Exception {
        String why = null;
        if (!Files.isExecutable(Path.of(PYTHON))) {
            why = PYTHON + " is not there";
        } else {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torch, torchvision").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                why = PYTHON + " cannot import torch and torchvision: " + out.lines().reduce((a, b) -> b).orElse("");
            }
        }
        if (why != null) {
            why += " (apt-get install python3-torchvision, or -Dcnn4j.python=PATH)";
            Requirements.failIfRequired("torch", why);
        }
        assumeTrue(why == null, why);
    }

    private static Path export(String model) throws IOException, InterruptedException {
        Path out = Files.createDirectories(dir.resolve(model));
        Process p = new ProcessBuilder(PYTHON, Path.of("src/test/python/torchvision_resnet.py").toAbsolutePath()
                .toString(), model, out.toString(), "7", "2", "64", "64").redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the export of " + model + " did not finish");
        assertEquals(0, p.exitValue(), "the export of " + model + " failed:\n" + log);
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet18", "resnet50"})
    void torchvisionWeightsGiveTorchvisionsLogits(String model) throws Exception {
        Path out = export(model);
        SafeTensors.Contents io = SafeTensors.read(out.resolve("io.safetensors"));
        SafeTensors.Entry input = io.tensors().get("input");
        for (Backend b : List.<Backend>of(new ReferenceBackend(), new CpuBackend(new CpuBackend.Config(2, true)))) {
            try (b; Model m = Models.create(model, b, Shape.of(3, 64, 64), 1000, 1)) {
                Checkpoint.loadWeights(out.resolve("weights.safetensors"), m.net());
                try (Tensor x = b.fromArray(input.shape(), input.data())) {
                    m.net().train(false);
                    close(model + " eval on " + b.name(), io.tensors().get("eval_logits").data(),
                            m.net().forward(x).toFloatArray(), 1e-4);
                    m.net().train(true);
                    close(model + " train on " + b.name(), io.tensors().get("train_logits").data(),
                            m.net().forward(x).toFloatArray(), 1e-3);
                    close(model + " bn1.running_mean on " + b.name(), io.tensors().get("bn1.running_mean").data(),
                            m.net().buffers().get("bn1.running_mean").toFloatArray(), 1e-6);
                    close(model + " bn1.running_var on " + b.name(), io.tensors().get("bn1.running_var").data(),
                            m.net().buffers().get("bn1.running_var").toFloatArray(), 1e-6);
                }
            }
        }
    }

    /**
     * Equal within {@code tolerance} of the largest magnitude. The logits pass through 18 to 50 float32 layers in
     * both programs, summed in different orders: 1e-4 in inference mode. In training mode the last stage of a
     * 64x64 input normalises batch 2 over 2x2 positions, a standard deviation from 8 values, which amplifies
     * float32 rounding in both programs (the reference backend computes each operator in double and differs from
     * torchvision by as much as the cpu backend): 1e-3 there (measured: 1.1e-4 of the scale for resnet50).
     */
    private static void close(String what, float[] expected, float[] actual, double tolerance) {
        assertEquals(expected.length, actual.length, what + ": length");
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(expected[i] - actual[i]);
            if (!(d <= worst)) {
                worst = d;
                at = i;
            }
        }
        String msg = String.format(Locale.ROOT, "%s: largest difference %.3g at %d (torchvision %.6g, cnn4j %.6g), "
                + "scale %.3g", what, worst, at, at < 0 ? 0 : expected[at], at < 0 ? 0 : actual[at], scale);
        System.out.println("TorchvisionResNetTest " + msg);
        assertTrue(worst <= tolerance * Math.max(1, scale), msg);
    }
}
