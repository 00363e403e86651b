package org.cnn4j.nn.data.detection;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.cnn4j.nn.data.DataFormatException;

/** Image decoding and resampling for the detection data sets. */
public final class Images {
    private Images() {
    }

    /**
     * Bilinear resampling of a CHW image to {@code outH x outW}, as PyTorch's
     * {@code F.interpolate(mode='bilinear', align_corners=False, antialias=False)}: output pixel {@code o} samples
     * the input at {@code (o + 0.5) * in / out - 0.5}, clamped below at 0, between its two nearest pixels (the last
     * pixel repeated past the edge). Deterministic: the same bits on every run.
     */
    public static float[] resizeBilinear(float[] src, int channels, int height, int width, int outH, int outW) {
        if (channels < 1 || height < 1 || width < 1 || outH < 1 || outW < 1) {
            throw new IllegalArgumentException("resizeBilinear: sizes must be >= 1, got " + channels + "x" + height
                    + "x" + width + " -> " + outH + "x" + outW);
        }
        if (src.length != channels * height * width) {
            throw new IllegalArgumentException("resizeBilinear: src has " + src.length + " floats, expected "
                    + channels + "x" + height + "x" + width);
        }
        int[] y0 = new int[outH];
        int[] y1 = new int[outH];
        float[] fy = new float[outH];
        taps(height, outH, y0, y1, fy);
        int[] x0 = new int[outW];
        int[] x1 = new int[outW];
        float[] fx = new float[outW];
        taps(width, outW, x0, x1, fx);
        float[] dst = new float[channels * outH * outW];
        for (int c = 0; c < channels; c++) {
            int in = c * height * width;
            int out = c * outH * outW;
            for (int oy = 0; oy < outH; oy++) {
                int r0 = in + y0[oy] * width;
                int r1 = in + y1[oy] * width;
                float wy = fy[oy];
                for (int ox = 0; ox < outW; ox++) {
                    float wx = fx[ox];
                    float top = src[r0 + x0[ox]] * (1 - wx) + src[r0 + x1[ox]] * wx;
                    float bottom = src[r1 + x0[ox]] * (1 - wx) + src[r1 + x1[ox]] * wx;
                    dst[out + oy * outW + ox] = top * (1 - wy) + bottom * wy;
                }
            }
        }
        return dst;
    }

    private static void taps(int in, int out, int[] i0, int[] i1, float[] frac) {
        float scale = (float) in / out;
        for (int o = 0; o < out; o++) {
            float s = Math.max(0f, (o + 0.5f) * scale - 0.5f);
            int a = Math.min((int) s, in - 1);
            i0[o] = a;
            i1[o] = Math.min(a + 1, in - 1);
            frac[o] = s - a;
        }
    }

    /**
     * Decodes an image file with {@link ImageIO} (JPEG, PNG, BMP, GIF) into RGB CHW floats in [0, 1] (gray images
     * are repeated on the three channels). A file that is missing or cannot be decoded is a
     * {@link DataFormatException} naming it.
     *
     * @return a sample with no objects
     */
    public static DetectionSample readRgb(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new DataFormatException(file, "image file does not exist");
        }
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new DataFormatException(file, "cannot be decoded as an image: " + e.getMessage());
        }
        if (img == null) {
            throw new DataFormatException(file, "is not in an image format that javax.imageio can read");
        }
        return new DetectionSample(3, img.getHeight(), img.getWidth(), rgb(img), new float[0], new int[0]);
    }

    /** As {@link #readRgb(Path)}, failures wrapped in {@link UncheckedIOException} (for {@code get(i)}). */
    static DetectionSample readRgbUnchecked(Path file) {
        try {
            return readRgb(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** The RGB CHW floats of {@code img}, in [0, 1]. */
    public static float[] rgb(BufferedImage img) {
        int h = img.getHeight();
        int w = img.getWidth();
        int plane = h * w;
        float[] px = new float[3 * plane];
        int type = img.getType();
        if ((type == BufferedImage.TYPE_3BYTE_BGR || type == BufferedImage.TYPE_BYTE_GRAY)
                && img.getRaster().getDataBuffer() instanceof DataBufferByte db
                && db.getNumBanks() == 1 && img.getRaster().getParent() == null) {
            byte[] b = db.getData();
            if (type == BufferedImage.TYPE_3BYTE_BGR && b.length == 3 * plane) {
                for (int i = 0; i < plane; i++) {
                    px[i] = (b[3 * i + 2] & 0xff) / 255f;
                    px[plane + i] = (b[3 * i + 1] & 0xff) / 255f;
                    px[2 * plane + i] = (b[3 * i] & 0xff) / 255f;
                }
                return px;
            }
            if (type == BufferedImage.TYPE_BYTE_GRAY && b.length == plane) {
                for (int i = 0; i < plane; i++) {
                    float v = (b[i] & 0xff) / 255f;
                    px[i] = v;
                    px[plane + i] = v;
                    px[2 * plane + i] = v;
                }
                return px;
            }
        }
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int argb = row[x];
                int i = y * w + x;
                px[i] = ((argb >> 16) & 0xff) / 255f;
                px[plane + i] = ((argb >> 8) & 0xff) / 255f;
                px[2 * plane + i] = (argb & 0xff) / 255f;
            }
        }
        return px;
    }
}
