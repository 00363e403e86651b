package org.cnn4j.nn.data.detection;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Small images and annotation files written for the reader tests. */
final class Fixtures {
    private Fixtures() {
    }

    /** The color of pixel (x, y) in the test images: distinct per pixel so that layout errors show. */
    static int rgb(int x, int y) {
        return ((x * 7 + 3) & 0xff) << 16 | ((y * 11 + 5) & 0xff) << 8 | ((x * 3 + y * 5) & 0xff);
    }

    /** Writes a {@code width x height} RGB image in {@code format} ("png", "jpg") to {@code file}. */
    static Path image(Path file, int width, int height, String format) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                img.setRGB(x, y, rgb(x, y));
            }
        }
        if (!ImageIO.write(img, format, file.toFile())) {
            throw new IOException("no ImageIO writer for " + format);
        }
        return file;
    }

    /** Writes a gray PNG whose pixel (x, y) is {@code (x + 2 y) & 0xff}. */
    static Path grayPng(Path file, int width, int height) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                img.getRaster().setSample(x, y, 0, (x + 2 * y) & 0xff);
            }
        }
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    static Path text(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }
}
