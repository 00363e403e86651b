package org.cnn4j.distributed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.cnn4j.backend.cpu.CpuBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.nn.Parameter;
import org.cnn4j.nn.data.ImageDataset;
import org.cnn4j.nn.models.Model;
import org.cnn4j.nn.models.Models;
import org.cnn4j.nn.train.Optimizer;
import org.cnn4j.nn.Replicas;
import org.cnn4j.nn.train.StepLr;
import org.cnn4j.nn.train.Trainer;
import org.cnn4j.nn.train.TrainingListener;

/**
 * One replica of the data-parallel training tests, started by {@code mpirun -np N java ... TrainWorker <dir>
 * [firstBucketFloats bucketFloats]}
 * (or called in one process with {@link Replicas#single()}): trains a small dense net on seeded images for one
 * epoch at batch {@value #BATCH} and writes every parameter after each step to
 * {@code <dir>/rank<r>-step<s>.bin}.
 */
public final class TrainWorker {
    static final int BATCH = 64;
    static final int IMAGES = 256;

    private TrainWorker() {
    }

    public static void main(String[] args) {
        try (ProcessGroup g = ProcessGroups.open("mpi")) {
            // optional bucket sizes (first, then the others): small ones put several sums under the backward
            DataParallel dp = args.length > 2 ? DataParallel.over(g, Integer.parseInt(args[1]),
                    Integer.parseInt(args[2])) : DataParallel.over(g);
            train(dp, Path.of(args[0]));
            System.out.println("rank " + g.rank() + ": trained");
        }
    }

    /** Seeded 8 x 8 images of 10 classes: a bright row or column per class plus noise. */
    static ImageDataset data() {
        SplittableRandom rng = new SplittableRandom(7);
        byte[] px = new byte[IMAGES * 64];
        int[] labels = new int[IMAGES];
        for (int i = 0; i < IMAGES; i++) {
            int k = rng.nextInt(10);
            labels[i] = k;
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    boolean on = k < 8 ? y == k : x == k - 8;
                    px[i * 64 + y * 8 + x] = (byte) ((on ? 200 : 20) + rng.nextInt(40));
                }
            }
        }
        return new ImageDataset("bars", 1, 8, 8, px, labels, java.util.stream.IntStream.range(0, 10)
                .mapToObj(c -> "c" + c).toList());
    }

    static void train(Replicas replicas, Path dir) {
        ImageDataset data = data();
        try (Backend b = new CpuBackend(new CpuBackend.Config(1, true));
                Model m = Models.create("seed002-dense", b, data.sampleShape(), 10, 5 + replicas.rank());
                Optimizer opt = new Optimizer(b, m.net().parameters(),
                        Optimizer.Config.defaults(Optimizer.Kind.SGD, 0.05).withMomentum(0.9));
                Trainer t = new Trainer(m, opt, new Trainer.Config(BATCH, 3, 0, StepLr.none(), null), replicas)) {
            int[] step = {0};
            t.fit(data, null, 1, new TrainingListener() {
                @Override
                public void batchDone(int epoch, long imagesDone, double meanLoss, double accuracy) {
                    step[0]++;
                    write(m, dir.resolve("rank" + replicas.rank() + "-step" + step[0] + ".bin"));
                }
            });
        }
    }

    private static void write(Model m, Path file) {
        int n = 0;
        for (Parameter p : m.net().parameters().values()) {
            n += p.value().size();
        }
        ByteBuffer buf = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (Parameter p : m.net().parameters().values()) {
            for (float v : p.value().toFloatArray()) {
                buf.putFloat(v);
            }
        }
        try {
            Files.write(file, buf.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
