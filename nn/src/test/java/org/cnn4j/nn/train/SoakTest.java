package org.cnn4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;
import java.util.stream.Stream;
import org.cnn4j.backend.cpu.CpuBackend;
import org.cnn4j.backend.reference.ReferenceBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.nn.Synthetic;
import org.cnn4j.nn.data.ImageDataset;
import org.cnn4j.nn.models.Model;
import org.cnn4j.nn.models.Models;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Thousands of small training steps through the {@link Trainer} (seed002-dense: linear, batch norm, ReLU,
 * dropout, Adam, augmentation, a validation pass every epoch): once warm, the backend's live tensors and bytes
 * stay exactly constant, and the heap after GC stays within a bound; closing the trainer, optimizer and model
 * returns every tensor. 2,000 steps on cpu, 500 on the reference (slower); {@code
 * -Dcnn4j.reliability.soakSteps=N} runs N on each. The convolutional path is soaked per backend by the
 * conformance module's {@code ReliabilitySuite}.
 */
class SoakTest {
    static final Integer STEPS = Integer.getInteger("cnn4j.reliability.soakSteps");
    static final ImageDataset DATA = Synthetic.bars(32, 6, 8, 3);
    static final long HEAP_SLACK = 32L << 20;

    @TestFactory
    Stream<DynamicTest> soak() {
        return Stream.of(soak("cpu", CpuBackend::new, STEPS == null ? 2000 : STEPS),
                soak("reference", ReferenceBackend::new, STEPS == null ? 500 : STEPS));
    }

    private static DynamicTest soak(String name, Supplier<Backend> factory, int steps) {
        return DynamicTest.dynamicTest(name + ": " + steps + " training steps, no growth", () -> {
            try (Backend b = factory.get()) {
                Model m = Models.create("seed002-dense", b, DATA.sampleShape(), 6, 1);
                Trainer t = new Trainer(m, new Optimizer(b, m.net().parameters(),
                        Optimizer.Config.defaults(Optimizer.Kind.ADAM, 0.001)), new Trainer.Config(8, 2, 1e-4,
                        StepLr.none(), Augment.standard(8)));
                int stepsPerEpoch = DATA.size() / 8;
                int epochs = Math.max(4, steps / stepsPerEpoch);
                ImageDataset val = DATA.head(8);
                t.fit(DATA, val, 2, new TrainingListener() { });
                long live = b.liveTensors();
                long bytes = b.liveBytes();
                long warmHeap = usedHeapAfterGc();
                long maxHeap = 0;
                for (int e = 2; e < epochs; e += 25) {
                    t.fit(DATA, val, Math.min(epochs, e + 25), new TrainingListener() { });
                    assertEquals(live, b.liveTensors(), "live tensors after epoch " + t.epochsDone());
                    assertEquals(bytes, b.liveBytes(), "live bytes after epoch " + t.epochsDone());
                    maxHeap = Math.max(maxHeap, usedHeapAfterGc());
                }
                assertEquals(epochs * (long) stepsPerEpoch, t.optimizer().steps());
                assertTrue(maxHeap - warmHeap < HEAP_SLACK, name + ": heap grew by " + ((maxHeap - warmHeap) >> 10)
                        + " KiB over " + t.optimizer().steps() + " steps");
                TrainerTest.closeAll(t);
                assertEquals(0, b.liveTensors(), "tensors left after closing trainer, optimizer and model");
                assertEquals(0, b.liveBytes());
            }
        });
    }

    static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            best = Math.min(best, rt.totalMemory() - rt.freeMemory());
        }
        return best;
    }
}
