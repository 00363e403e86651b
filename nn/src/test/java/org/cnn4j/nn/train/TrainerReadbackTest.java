package org.cnn4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cnn4j.backend.cpu.CpuBackend;
import org.cnn4j.core.Backend;
import org.junit.jupiter.api.Test;

/**
 * {@link Trainer.Config#readEvery}: reading the loss and logits back only every k-th step changes no weight and
 * keeps the epoch's loss over every sample (to float rounding); the accuracy is counted over the batches read.
 */
class TrainerReadbackTest {
    /** 96 samples at batch 16: six steps an epoch. */
    static final int STEPS = 6;

    record Run(List<EpochResult> results, List<Long> progress, Map<String, float[]> state) {
    }

    static Run train(Backend b, int readEvery) {
        Optimizer.Config oc = Optimizer.Config.defaults(Optimizer.Kind.ADAM, 0.003);
        Trainer t = TrainerTest.trainer(b, "seed002-dense", oc, new Trainer.Config(16, 3, 1e-4, StepLr.none(), null,
                readEvery));
        try {
            List<Long> progress = new ArrayList<>();
            List<EpochResult> r = t.fit(TrainerTest.DATA, null, 2, new TrainingListener() {
                @Override
                public void batchDone(int epoch, long imagesDone, double meanLoss, double accuracy) {
                    progress.add(imagesDone);
                }
            });
            return new Run(r, progress, TrainerTest.state(t));
        } finally {
            TrainerTest.closeAll(t);
        }
    }

    @Test
    void readingBackEveryKthStepChangesNoWeightAndKeepsTheEpochLoss() {
        try (Backend b = new CpuBackend()) {
            Run every = train(b, 1);
            assertEquals(List.of(16L, 32L, 48L, 64L, 80L, 96L, 16L, 32L, 48L, 64L, 80L, 96L), every.progress());
            for (int k : new int[] {4, 0}) {
                Run r = train(b, k);
                assertEquals(every.state().keySet(), r.state().keySet());
                every.state().forEach((name, v) -> assertArrayEquals(v, r.state().get(name), 0f,
                        "readEvery " + k + ": " + name));
                for (int e = 0; e < 2; e++) {
                    Metrics a = every.results().get(e).train();
                    Metrics m = r.results().get(e).train();
                    assertEquals(a.samples(), m.samples());
                    assertEquals(a.loss(), m.loss(), 1e-6 * Math.abs(a.loss()), "readEvery " + k + ", epoch "
                            + (e + 1) + ": the loss of every sample, summed on the device");
                    assertEquals(TrainerTest.DATA.size(), a.predicted());
                    // the accuracy of the batches read: the 4th and the last (6th) with k = 4, the last with k = 0
                    assertEquals(k == 4 ? 32 : 16, m.predicted(), "readEvery " + k);
                }
                assertEquals(k == 4 ? List.of(64L, 96L, 64L, 96L) : List.of(96L, 96L), r.progress(),
                        "readEvery " + k + ": progress only when read");
            }
        }
    }

    @Test
    void aNegativeReadEveryIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Trainer.Config(16, 1, 0,
                StepLr.none(), null, -1));
        assertTrue(e.getMessage().startsWith("readEvery must be >= 0"), e.getMessage());
        assertEquals(1, Trainer.Config.of(16, 1).readEvery(), "the default reads after every step");
        assertEquals(5, Trainer.Config.of(16, 1).withReadEvery(5).readEvery());
    }
}
