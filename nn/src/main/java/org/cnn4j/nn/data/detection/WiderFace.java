package org.cnn4j.nn.data.detection;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cnn4j.nn.data.DataFormatException;

/**
 * WIDER FACE, one class "face".
 *
 * <p>The annotations ({@code wider_face_split/wider_face_train_bbx_gt.txt}, or {@code ..._val_bbx_gt.txt}) are
 * read at once; for each image: a line with its file name (relative to {@code WIDER_train/images}), a line with
 * its face count, then one line per face, {@code x y w h blur expression illumination invalid occlusion pose}
 * (ten integers); a count of 0 is followed by one placeholder line (ten zeros; any ten integers are accepted).
 * The images are decoded on each {@link #get(int)} with {@code javax.imageio} into RGB CHW floats in [0, 1].
 *
 * <p>Boxes: {@code (x, y, x + w, y + h)}. Faces with {@code w <= 0} or {@code h <= 0} are dropped
 * ({@link #degenerate()} counts them); with {@code skipInvalid}, faces flagged {@code invalid = 1} are dropped
 * ({@link #invalid()} counts them). At {@code get(i)} boxes are clipped to the image, and a box left with no
 * area is dropped. Images left with no faces stay, as images with no objects.
 *
 * <p>A malformed file is a {@link DataFormatException} naming the file and the line and saying what was
 * expected; so is a listed image that does not exist (checked when reading, not at the first epoch).
 */
public final class WiderFace implements DetectionDataset {
    public static final List<String> CLASSES = List.of("face");

    /**
     * One face as the file gives it.
     *
     * @param x           left
     * @param y           top
     * @param w           width
     * @param h           height
     * @param blur        0 clear, 1 normal, 2 heavy
     * @param expression  0 typical, 1 exaggerated
     * @param illumination 0 normal, 1 extreme
     * @param invalid     0 valid, 1 invalid
     * @param occlusion   0 none, 1 partial, 2 heavy
     * @param pose        0 typical, 1 atypical
     */
    public record Face(int x, int y, int w, int h, int blur, int expression, int illumination, int invalid,
            int occlusion, int pose) {
    }

    private final Path annotations;
    private final List<Path> files;
    private final List<List<Face>> faces;
    private final int degenerate;
    private final int invalid;

    private WiderFace(Path annotations, List<Path> files, List<List<Face>> faces, int degenerate, int invalid) {
        this.annotations = annotations;
        this.files = files;
        this.faces = faces;
        this.degenerate = degenerate;
        this.invalid = invalid;
    }

    /**
     * Reads the annotation file {@code annotations}; image files are {@code imagesDir.resolve(name)}.
     *
     * @param skipInvalid drop faces flagged invalid
     */
    public static WiderFace read(Path annotations, Path imagesDir, boolean skipInvalid) throws IOException {
        if (!Files.isRegularFile(annotations)) {
            throw new DataFormatException(annotations, "annotation file does not exist");
        }
        if (!Files.isDirectory(imagesDir)) {
            throw new DataFormatException(imagesDir, "images directory does not exist");
        }
        List<String> lines = Files.readAllLines(annotations, StandardCharsets.UTF_8);
        int end = lines.size();
        while (end > 0 && lines.get(end - 1).isBlank()) {
            end--;
        }
        if (end == 0) {
            throw new DataFormatException(annotations, "is empty; expected an image file name on line 1");
        }
        List<Path> files = new ArrayList<>();
        List<List<Face>> faces = new ArrayList<>();
        int degenerate = 0;
        int invalid = 0;
        int i = 0;
        while (i < end) {
            String name = lines.get(i).strip();
            int nameLine = i + 1;
            if (name.isEmpty() || isInteger(name)) {
                throw error(annotations, nameLine, "an image file name (such as 0--Parade/0_Parade_1.jpg)",
                        lines.get(i));
            }
            Path file = imagesDir.resolve(name);
            if (!Files.isRegularFile(file)) {
                throw new DataFormatException(annotations, "line " + nameLine + ": image " + file
                        + " does not exist");
            }
            i++;
            if (i >= end) {
                throw new DataFormatException(annotations, "ends after line " + i + ": expected the face count of "
                        + name + " on line " + (i + 1));
            }
            String countText = lines.get(i).strip();
            int count;
            try {
                count = Integer.parseInt(countText);
            } catch (NumberFormatException e) {
                throw error(annotations, i + 1, "the face count of " + name + " (an integer >= 0)", lines.get(i));
            }
            if (count < 0) {
                throw error(annotations, i + 1, "the face count of " + name + " (an integer >= 0)", lines.get(i));
            }
            i++;
            int rows = Math.max(count, 1);
            if (end - i < rows) {
                throw new DataFormatException(annotations, "ends after line " + end + ": " + name + " (line "
                        + nameLine + ") announces " + count + " faces, expected " + rows + " face line"
                        + (rows == 1 ? "" : "s") + " but found " + (end - i));
            }
            List<Face> list = new ArrayList<>(count);
            for (int k = 0; k < rows; k++, i++) {
                int[] v = faceLine(annotations, i + 1, lines.get(i), name);
                if (count == 0) {
                    continue; // the placeholder line (ten zeros in the real files)
                }
                if (v[7] != 0 && v[7] != 1) {
                    throw error(annotations, i + 1, "invalid (the 8th field) 0 or 1", lines.get(i));
                }
                Face f = new Face(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]);
                if (f.w() <= 0 || f.h() <= 0) {
                    degenerate++;
                } else if (skipInvalid && f.invalid() == 1) {
                    invalid++;
                } else {
                    list.add(f);
                }
            }
            files.add(file);
            faces.add(List.copyOf(list));
        }
        return new WiderFace(annotations, List.copyOf(files), List.copyOf(faces), degenerate, invalid);
    }

    private static int[] faceLine(Path file, int line, String text, String name) throws DataFormatException {
        String[] f = text.strip().split("\\s+");
        String expected = "a face of " + name + ": ten integers x y w h blur expression illumination invalid"
                + " occlusion pose";
        if (f.length != 10) {
            throw error(file, line, expected, text);
        }
        int[] v = new int[10];
        for (int k = 0; k < 10; k++) {
            try {
                v[k] = Integer.parseInt(f[k]);
            } catch (NumberFormatException e) {
                throw error(file, line, expected, text);
            }
        }
        return v;
    }

    private static boolean isInteger(String s) {
        try {
            Integer.parseInt(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static DataFormatException error(Path file, int line, String expected, String found) {
        return new DataFormatException(file, "line " + line + ": expected " + expected + ", found '" + found.strip()
                + "'");
    }

    /** The image file of sample {@code i}. */
    public Path file(int i) {
        return files.get(i);
    }

    /** The faces of sample {@code i} as the file gives them (after the drops described above, before clipping). */
    public List<Face> faces(int i) {
        return faces.get(i);
    }

    /** Faces dropped for {@code w <= 0} or {@code h <= 0}. */
    public int degenerate() {
        return degenerate;
    }

    /** Faces dropped for the invalid flag (0 unless {@code skipInvalid}). */
    public int invalid() {
        return invalid;
    }

    /** The annotation file read. */
    public Path annotations() {
        return annotations;
    }

    @Override
    public DetectionSample get(int i) {
        DetectionSample img = Images.readRgbUnchecked(files.get(i));
        List<Face> list = faces.get(i);
        float[] boxes = new float[4 * list.size()];
        int n = 0;
        for (Face f : list) {
            float x1 = Math.max(0, f.x());
            float y1 = Math.max(0, f.y());
            float x2 = Math.min(img.width(), f.x() + f.w());
            float y2 = Math.min(img.height(), f.y() + f.h());
            if (x2 > x1 && y2 > y1) {
                boxes[4 * n] = x1;
                boxes[4 * n + 1] = y1;
                boxes[4 * n + 2] = x2;
                boxes[4 * n + 3] = y2;
                n++;
            }
        }
        return new DetectionSample(3, img.height(), img.width(), img.pixels(), java.util.Arrays.copyOf(boxes, 4 * n),
                new int[n]);
    }

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public int classes() {
        return 1;
    }

    @Override
    public List<String> classNames() {
        return CLASSES;
    }

    @Override
    public int channels() {
        return 3;
    }
}
