package org.cnn4j.nn.data.detection;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.cnn4j.nn.data.DataSets;
import org.cnn4j.nn.data.ImageDataset;

/**
 * A generated detection set of real images: Fashion-MNIST items pasted on noise backgrounds.
 *
 * <p>Image {@code i} is made from its own random stream, {@code SplittableRandom(mix(seed, i))}, so it is the same
 * bits on every run, in any order of access and on any thread; nothing is cached (a sample is generated on each
 * {@link #get(int)}, about 0.2 ms on one core at 128 x 128), so only the source items stay in memory (47 MB for
 * Fashion-MNIST's 60,000 training items) whatever the count.
 *
 * <p>How image {@code i} is made, on a {@code canvas x canvas} single-channel image:
 * <ol>
 *   <li>{@code n}, uniform in 1..{@value #MAX_OBJECTS}, objects are drawn. For each: a source item, uniform over
 *       the source set; a size {@code s}, uniform in {@value #MIN_SIZE}..{@value #MAX_SIZE}; the item (bytes / 255)
 *       is resampled so its longer side is {@code s} (28 x 28 items become s x s) with
 *       {@link Images#resizeBilinear bilinear resampling} (PyTorch's {@code align_corners=False}).</li>
 *   <li>Its box is the tight bounding box of the resampled pixels above {@value #THRESHOLD} (the item's
 *       non-background pixels), not the square it is pasted in. An item with no such pixel is redrawn.</li>
 *   <li>A position is drawn uniformly so the pasted square lies inside the canvas, and accepted when the box has
 *       IoU at most {@value #MAX_IOU} with every box already placed and neither box is covered more than
 *       {@value #MAX_COVER} of its area by the other (a small item inside a big one has a small IoU but is hidden).
 *       After {@value #TRIES} refused positions the object is given up, so an image has 1 to n objects (the first
 *       one always fits).</li>
 *   <li>Background: a level {@code b} uniform in [0, 0.25] and an amplitude {@code a} uniform in [0.02, 0.25]
 *       per image, each pixel {@code clamp(b + a (2u - 1), 0, 1)} with {@code u} uniform in [0, 1).</li>
 *   <li>Items are pasted in order with opacity {@code min(1, v / THRESHOLD)} where {@code v} is the item's
 *       resampled pixel: {@code out = alpha v + (1 - alpha) out}. Every pixel of a box's item above the threshold
 *       is the item's own value (unless a later item covers it), and the pasted square leaves no edge.</li>
 * </ol>
 * Labels are the items' Fashion-MNIST classes ({@code classes = 10}) or 0 "object" ({@code classes = 1}).
 */
public final class FashionDetect implements DetectionDataset {
    public static final int MIN_SIZE = 14;
    public static final int MAX_SIZE = 64;
    public static final int MAX_OBJECTS = 8;
    /** Positions tried per object before it is given up. */
    public static final int TRIES = 50;
    /** A resampled item pixel above this is the item's (the box is tight around them). */
    public static final float THRESHOLD = 0.1f;
    public static final double MAX_IOU = 0.1;
    /** The most of a box's area another box may cover. */
    public static final double MAX_COVER = 0.3;
    public static final List<String> ONE_CLASS = List.of("object");

    private final ImageDataset items;
    private final int count;
    private final int canvas;
    private final int classes;
    private final long seed;
    private final List<String> classNames;

    private FashionDetect(ImageDataset items, int count, int canvas, int classes, long seed) {
        this.items = items;
        this.count = count;
        this.canvas = canvas;
        this.classes = classes;
        this.seed = seed;
        this.classNames = classes == 1 ? ONE_CLASS : items.classNames();
    }

    /**
     * {@code count} images of {@code canvas x canvas} made of Fashion-MNIST's training ({@code train}) or test
     * items, read from {@code fashionMnistDir} (the IDX files, gzipped or not, as {@link DataSets#read} finds them;
     * Debian's {@code dataset-fashion-mnist} puts them in {@link DataSets#DEBIAN_FASHION_MNIST}).
     *
     * @param classes 10 (Fashion-MNIST's classes) or 1 (one class "object")
     */
    public static FashionDetect generate(Path fashionMnistDir, boolean train, int count, int canvas, int classes,
            long seed) throws IOException {
        check(count, canvas);
        if (classes != 1 && classes != 10) {
            throw new IllegalArgumentException("FashionDetect: classes must be 1 or 10, got " + classes);
        }
        return generate(DataSets.read("fashion-mnist", fashionMnistDir, train, 0), count, canvas, classes, seed);
    }

    /**
     * As {@link #generate(Path, boolean, int, int, int, long)} from any single-channel set of items (MNIST, a
     * subset of Fashion-MNIST); {@code classes} is the items' class count or 1.
     */
    public static FashionDetect generate(ImageDataset items, int count, int canvas, int classes, long seed) {
        check(count, canvas);
        if (items.channels() != 1 || items.size() < 1) {
            throw new IllegalArgumentException("FashionDetect: items must be a non-empty single-channel set, got "
                    + items.size() + " items of " + items.channels() + " channels");
        }
        if (classes != 1 && classes != items.classes()) {
            throw new IllegalArgumentException("FashionDetect: classes must be 1 or the items' " + items.classes()
                    + ", got " + classes);
        }
        return new FashionDetect(items, count, canvas, classes, seed);
    }

    private static void check(int count, int canvas) {
        if (count < 1) {
            throw new IllegalArgumentException("FashionDetect: count must be >= 1, got " + count);
        }
        if (canvas < MAX_SIZE) {
            throw new IllegalArgumentException("FashionDetect: canvas must be >= " + MAX_SIZE
                    + " (the largest item), got " + canvas);
        }
    }

    /**
     * One placed object.
     *
     * @param item      index of the source item
     * @param itemClass the source item's class (its Fashion-MNIST label, whatever {@code classes})
     * @param x         left column of the pasted item
     * @param y         top row of the pasted item
     * @param height    the resampled item's height
     * @param width     the resampled item's width
     * @param box       the tight box {x1, y1, x2, y2} in canvas pixels
     */
    public record Placement(int item, int itemClass, int x, int y, int height, int width, float[] box) {
    }

    /** The objects of image {@code i}, in pasting order (the order of {@code get(i)}'s boxes). */
    public List<Placement> placements(int i) {
        return layout(i).placements;
    }

    private record Layout(List<Placement> placements, List<float[]> scaled, SplittableRandom noise) {
    }

    private Layout layout(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("FashionDetect: image " + i + " of " + count);
        }
        SplittableRandom rng = new SplittableRandom(imageSeed(seed, i));
        SplittableRandom place = rng.split();
        SplittableRandom noise = rng.split();
        int n = 1 + place.nextInt(MAX_OBJECTS);
        List<Placement> placed = new ArrayList<>(n);
        List<float[]> scaled = new ArrayList<>(n);
        int ih = items.height();
        int iw = items.width();
        int per = ih * iw;
        float[] item = new float[per];
        for (int k = 0; k < n; k++) {
            int idx;
            int sh;
            int sw;
            float[] px;
            int[] tight;
            int draws = 0;
            do {
                if (++draws > 1000) {
                    throw new IllegalStateException("FashionDetect: 1000 items drawn in a row have no pixel above "
                            + THRESHOLD + "; the item set is blank");
                }
                idx = place.nextInt(items.size());
                int s = MIN_SIZE + place.nextInt(MAX_SIZE - MIN_SIZE + 1);
                sh = Math.max(1, Math.round((float) ih * s / Math.max(ih, iw)));
                sw = Math.max(1, Math.round((float) iw * s / Math.max(ih, iw)));
                for (int p = 0; p < per; p++) {
                    item[p] = (items.pixels()[idx * per + p] & 0xff) / 255f;
                }
                px = Images.resizeBilinear(item, 1, ih, iw, sh, sw);
                tight = tightBox(px, sh, sw, THRESHOLD);
            } while (tight == null);
            for (int t = 0; t < TRIES; t++) {
                int x = place.nextInt(canvas - sw + 1);
                int y = place.nextInt(canvas - sh + 1);
                float[] box = {x + tight[0], y + tight[1], x + tight[2], y + tight[3]};
                if (fits(box, placed)) {
                    placed.add(new Placement(idx, items.labels()[idx], x, y, sh, sw, box));
                    scaled.add(px);
                    break;
                }
            }
        }
        return new Layout(List.copyOf(placed), scaled, noise);
    }

    private static boolean fits(float[] b, List<Placement> placed) {
        double ab = area(b);
        for (Placement p : placed) {
            float[] o = p.box();
            double iw = Math.min(b[2], o[2]) - Math.max(b[0], o[0]);
            double ih = Math.min(b[3], o[3]) - Math.max(b[1], o[1]);
            if (iw <= 0 || ih <= 0) {
                continue;
            }
            double inter = iw * ih;
            double ao = area(o);
            if (inter / (ab + ao - inter) > MAX_IOU || inter > MAX_COVER * ab || inter > MAX_COVER * ao) {
                return false;
            }
        }
        return true;
    }

    private static double area(float[] b) {
        return (double) (b[2] - b[0]) * (b[3] - b[1]);
    }

    /**
     * The tight box {c0, r0, c1 + 1, r1 + 1} of the pixels of an {@code h x w} image above {@code threshold}, or
     * null when there is none.
     */
    public static int[] tightBox(float[] px, int h, int w, float threshold) {
        int c0 = w;
        int r0 = h;
        int c1 = -1;
        int r1 = -1;
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                if (px[r * w + c] > threshold) {
                    c0 = Math.min(c0, c);
                    c1 = Math.max(c1, c);
                    r0 = Math.min(r0, r);
                    r1 = Math.max(r1, r);
                }
            }
        }
        return c1 < 0 ? null : new int[] {c0, r0, c1 + 1, r1 + 1};
    }

    /** A 64-bit mix of the data set seed and the image index (SplittableRandom's mix64, applied twice). */
    static long imageSeed(long seed, int i) {
        return mix64(mix64(seed ^ 0x632BE59BD9B4E019L) + 0x9E3779B97F4A7C15L * (i + 1L));
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    @Override
    public DetectionSample get(int i) {
        Layout l = layout(i);
        SplittableRandom noise = l.noise;
        float base = (float) (0.25 * noise.nextDouble());
        float amp = (float) (0.02 + 0.23 * noise.nextDouble());
        float[] px = new float[canvas * canvas];
        for (int p = 0; p < px.length; p++) {
            px[p] = Math.clamp(base + amp * (2 * (float) noise.nextDouble() - 1), 0f, 1f);
        }
        int n = l.placements.size();
        float[] boxes = new float[4 * n];
        int[] labels = new int[n];
        for (int k = 0; k < n; k++) {
            Placement p = l.placements.get(k);
            float[] s = l.scaled.get(k);
            for (int r = 0; r < p.height(); r++) {
                int row = (p.y() + r) * canvas + p.x();
                for (int c = 0; c < p.width(); c++) {
                    float v = s[r * p.width() + c];
                    float alpha = Math.min(1f, v / THRESHOLD);
                    px[row + c] = alpha * v + (1 - alpha) * px[row + c];
                }
            }
            System.arraycopy(p.box(), 0, boxes, 4 * k, 4);
            labels[k] = classes == 1 ? 0 : p.itemClass();
        }
        return new DetectionSample(1, canvas, canvas, px, boxes, labels);
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int channels() {
        return 1;
    }

    public int canvas() {
        return canvas;
    }

    public long seed() {
        return seed;
    }
}
