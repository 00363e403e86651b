package org.cnn4j.nn.data.detection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Writes an image with boxes drawn on it as a PNG, with {@code java.awt} (no display needed: run with
 * {@code -Djava.awt.headless=true} on a server; {@code BufferedImage} drawing never opens a window).
 *
 * <p>Each box is a rectangle in its class's color, 2 pixels wide, with a label above its top left corner: the
 * class name and, when the box has a score, the score with two decimals. Images with one channel are drawn gray,
 * three channels as RGB; values are clamped to [0, 1]. Small images are enlarged by a whole factor first
 * ({@code scale}) so the labels stay readable.
 */
public final class Drawing {
    private Drawing() {
    }

    /**
     * One box to draw.
     *
     * @param x1    left, in the sample's pixels
     * @param y1    top
     * @param x2    right
     * @param y2    bottom
     * @param label class index
     * @param score the detector's score, or NaN for a ground-truth box (no score shown)
     */
    public record Box(float x1, float y1, float x2, float y2, int label, float score) {
    }

    /** The sample's own boxes, without scores. */
    public static List<Box> truth(DetectionSample s) {
        List<Box> out = new ArrayList<>(s.objects());
        for (int k = 0; k < s.objects(); k++) {
            float[] b = s.boxes();
            out.add(new Box(b[4 * k], b[4 * k + 1], b[4 * k + 2], b[4 * k + 3], s.labels()[k], Float.NaN));
        }
        return out;
    }

    /** Boxes ({@code 4 * n} floats), labels and scores ({@code null} for none) as {@link Box}es. */
    public static List<Box> boxes(float[] boxes, int[] labels, float[] scores) {
        if (boxes.length != 4 * labels.length || (scores != null && scores.length != labels.length)) {
            throw new IllegalArgumentException("Drawing.boxes: " + boxes.length + " box floats, " + labels.length
                    + " labels and " + (scores == null ? "no" : scores.length) + " scores; expected 4 floats and"
                    + " one score per label");
        }
        List<Box> out = new ArrayList<>(labels.length);
        for (int k = 0; k < labels.length; k++) {
            out.add(new Box(boxes[4 * k], boxes[4 * k + 1], boxes[4 * k + 2], boxes[4 * k + 3], labels[k],
                    scores == null ? Float.NaN : scores[k]));
        }
        return out;
    }

    /** The color of class {@code c}: a fixed palette of 10, then hues spread around the circle. */
    public static Color color(int c) {
        Color[] palette = {new Color(230, 25, 75), new Color(60, 180, 75), new Color(0, 130, 200),
            new Color(245, 130, 48), new Color(145, 30, 180), new Color(70, 240, 240), new Color(240, 50, 230),
            new Color(210, 245, 60), new Color(250, 190, 212), new Color(255, 225, 25)};
        return c >= 0 && c < palette.length ? palette[c]
                : Color.getHSBColor((c * 0.618034f) % 1f, 0.9f, 1f);
    }

    /**
     * Draws {@code boxes} on {@code s}, enlarged {@code scale} times, and writes the PNG {@code png} (its directory
     * is created).
     *
     * @param classNames names for the labels (a label outside the list is shown as its number)
     */
    public static void write(Path png, DetectionSample s, List<String> classNames, List<Box> boxes, int scale)
            throws IOException {
        if (s.channels() != 1 && s.channels() != 3) {
            throw new IllegalArgumentException("Drawing.write: " + s.channels() + " channels; expected 1 or 3");
        }
        if (scale < 1 || (long) s.height() * scale * s.width() * scale > Integer.MAX_VALUE / 4) {
            throw new IllegalArgumentException("Drawing.write: scale " + scale + " for a " + s.height() + " x "
                    + s.width() + " image; expected >= 1 and a picture under 2^29 pixels");
        }
        BufferedImage img = render(s, classNames, boxes, scale);
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(img, "png", png.toFile())) {
            throw new IOException(png + ": no PNG writer in javax.imageio");
        }
    }

    /** As {@link #write(Path, DetectionSample, List, List, int)}, enlarged so the longer side is at least 256. */
    public static void write(Path png, DetectionSample s, List<String> classNames, List<Box> boxes)
            throws IOException {
        int longer = Math.max(s.height(), s.width());
        write(png, s, classNames, boxes, Math.max(1, (256 + longer - 1) / longer));
    }

    /** The picture {@link #write} saves. */
    public static BufferedImage render(DetectionSample s, List<String> classNames, List<Box> boxes, int scale) {
        int h = s.height();
        int w = s.width();
        int plane = h * w;
        BufferedImage img = new BufferedImage(w * scale, h * scale, BufferedImage.TYPE_INT_RGB);
        float[] p = s.pixels();
        for (int y = 0; y < h * scale; y++) {
            for (int x = 0; x < w * scale; x++) {
                int i = (y / scale) * w + x / scale;
                int r = byteOf(p[i]);
                int g = s.channels() == 3 ? byteOf(p[plane + i]) : r;
                int b = s.channels() == 3 ? byteOf(p[2 * plane + i]) : r;
                img.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setStroke(new BasicStroke(2f));
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            FontMetrics fm = g.getFontMetrics();
            for (Box b : boxes) {
                Color c = color(b.label());
                int x1 = Math.round(b.x1() * scale);
                int y1 = Math.round(b.y1() * scale);
                int x2 = Math.round(b.x2() * scale);
                int y2 = Math.round(b.y2() * scale);
                g.setColor(c);
                g.drawRect(x1, y1, Math.max(0, x2 - x1 - 1), Math.max(0, y2 - y1 - 1));
                String name = b.label() >= 0 && b.label() < classNames.size() ? classNames.get(b.label())
                        : Integer.toString(b.label());
                String text = Float.isNaN(b.score()) ? name
                        : name + String.format(Locale.ROOT, " %.2f", b.score());
                int tw = fm.stringWidth(text) + 4;
                int th = fm.getHeight();
                int ty = y1 - th >= 0 ? y1 - th : y1;
                g.fillRect(x1, ty, tw, th);
                g.setColor(c.getRed() * 299 + c.getGreen() * 587 + c.getBlue() * 114 > 128_000 ? Color.BLACK
                        : Color.WHITE);
                g.drawString(text, x1 + 2, ty + fm.getAscent());
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    private static int byteOf(float v) {
        return Math.round(Math.clamp(Float.isNaN(v) ? 0f : v, 0f, 1f) * 255f);
    }
}
