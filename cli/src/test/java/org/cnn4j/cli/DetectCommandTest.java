package org.cnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The detectors on the command line: {@code train} of the small detector on fashion-detect (made from a tiny
 * Fashion-MNIST look-alike), then {@code detect} on an image and on a folder, and the one-line errors.
 */
class DetectCommandTest {
    @TempDir
    Path dir;

    @Test
    void trainThenDetect() throws IOException {
        CliTest.writeIdx(dir, "train", 64, 1);
        CliTest.writeIdx(dir, "t10k", 32, 2);
        Path ck = dir.resolve("ck");
        String out = CliTest.capture(() -> assertEquals(0, Main.run("train", "--model", "seed003-detector-small",
                "--dataset", "fashion-detect", "--data-dir", dir.toString(), "--epochs", "1", "--batch", "8",
                "--limit", "16", "--test-limit", "8", "--backend", "cpu", "--checkpoint-dir", ck.toString(),
                "--no-progress")));
        assertTrue(out.contains("seed003-detector-small on fashion-detect (16 train, 8 test images"), out);
        assertTrue(out.contains("epoch 1: classification loss") && out.contains("test AP@0.5"), out);
        List<String> lines = Files.readAllLines(ck.resolve("epochs.jsonl"));
        assertEquals(1, lines.size());
        assertTrue(lines.getFirst().startsWith("{\"epoch\":1,\"classification_loss\":"), lines.getFirst());
        assertTrue(Files.isRegularFile(ck.resolve("epoch-1.safetensors")));
        assertTrue(Files.isRegularFile(ck.resolve("precision-recall.png")));
        assertTrue(Files.isRegularFile(ck.resolve("curves.png")));

        String eval = CliTest.capture(() -> assertEquals(0, Main.run("eval", "--checkpoint",
                ck.resolve("epoch-1.safetensors").toString(), "--data-dir", dir.toString(), "--limit", "8",
                "--backend", "cpu")));
        assertTrue(eval.contains("seed003-detector-small, epoch 1: AP@0.5 ") && eval.contains("on 8 fashion-detect"),
                eval);

        Path images = Files.createDirectories(dir.resolve("images"));
        BufferedImage img = new BufferedImage(100, 70, BufferedImage.TYPE_INT_RGB);
        img.getGraphics().fillRect(20, 10, 30, 40);
        ImageIO.write(img, "png", images.resolve("a.png").toFile());
        ImageIO.write(img, "jpg", images.resolve("b.jpg").toFile());
        Path png = dir.resolve("a-boxes.png");
        String one = CliTest.capture(() -> assertEquals(0, Main.run("detect", "--checkpoint",
                ck.resolve("epoch-1.safetensors").toString(), "--image", images.resolve("a.png").toString(), "--out",
                png.toString(), "--score", "0", "--backend", "cpu")));
        assertTrue(one.contains("a.png: ") && one.contains(" above 0.00 -> "), one);
        BufferedImage drawn = ImageIO.read(png.toFile());
        assertTrue(drawn.getWidth() >= 100 && drawn.getHeight() >= 70, drawn.toString());
        Path outDir = dir.resolve("drawn");
        String all = CliTest.capture(() -> assertEquals(0, Main.run("detect", "--checkpoint",
                ck.resolve("epoch-1.safetensors").toString(), "--image", images.toString(), "--out",
                outDir.toString(), "--backend", "cpu")));
        assertEquals(2, all.lines().count(), all);
        assertTrue(Files.isRegularFile(outDir.resolve("a.png")) && Files.isRegularFile(outDir.resolve("b.png")));
    }

    @Test
    void badOptionsAreOneLineErrors() throws IOException {
        assertEquals(2, Main.run("train", "--model", "seed003-detector-small", "--dataset", "fashion-mnist",
                "--backend", "reference"));
        Path notADetector = dir.resolve("x.safetensors");
        Files.write(notADetector, new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '});
        Files.createFile(dir.resolve("img.png"));
        assertEquals(2, Main.run("detect", "--checkpoint", notADetector.toString(), "--image",
                dir.resolve("img.png").toString(), "--out", dir.resolve("o.png").toString(), "--backend",
                "reference"));
        assertEquals(2, Main.run("detect", "--checkpoint", notADetector.toString(), "--image",
                dir.resolve("missing.png").toString(), "--out", dir.resolve("o.png").toString()));
        assertEquals(2, Main.run("detect", "--checkpoint", notADetector.toString(), "--image",
                dir.resolve("img.png").toString(), "--out", dir.resolve("o.png").toString(), "--score", "2"));
    }

    /** WIDER FACE's layout (two training images, one validation image), seed 003's augmentation, then eval. */
    @Test
    void trainsOnWiderFacesLayout() throws IOException {
        Path root = dir.resolve("wider");
        String[] parts = {"train", "val"};
        for (String part : parts) {
            Path images = Files.createDirectories(root.resolve("WIDER_" + part).resolve("images").resolve("0--Parade"));
            StringBuilder gt = new StringBuilder();
            int n = part.equals("train") ? 2 : 1;
            for (int i = 0; i < n; i++) {
                BufferedImage img = new BufferedImage(160, 120, BufferedImage.TYPE_INT_RGB);
                img.getGraphics().fillOval(30 + 20 * i, 20, 40, 50);
                ImageIO.write(img, "jpg", images.resolve("face_" + i + ".jpg").toFile());
                gt.append("0--Parade/face_").append(i).append(".jpg\n1\n").append(30 + 20 * i)
                        .append(" 20 40 50 0 0 0 0 0 0\n");
            }
            Files.createDirectories(root.resolve("wider_face_split"));
            Files.writeString(root.resolve("wider_face_split").resolve("wider_face_" + part + "_bbx_gt.txt"),
                    gt.toString());
        }
        Path ck = dir.resolve("wck");
        String out = CliTest.capture(() -> assertEquals(0, Main.run("train", "--model", "seed003-detector-small",
                "--dataset", "wider-face", "--data-dir", root.toString(), "--epochs", "1", "--batch", "2",
                "--augment", "standard", "--backend", "cpu", "--checkpoint-dir", ck.toString(), "--no-progress")));
        assertTrue(out.contains("on wider-face (2 train, 1 test images of 512x512, 1 class, augmented)"), out);
        String eval = CliTest.capture(() -> assertEquals(0, Main.run("eval", "--checkpoint",
                ck.resolve("epoch-1.safetensors").toString(), "--data-dir", root.toString(), "--backend", "cpu")));
        assertTrue(eval.contains("AP@0.5") && eval.contains("on 1 wider-face test images"), eval);
        assertEquals(2, Main.run("train", "--model", "seed003-detector-small", "--dataset", "voc", "--augment",
                "crop=2", "--backend", "reference"));
    }
}
