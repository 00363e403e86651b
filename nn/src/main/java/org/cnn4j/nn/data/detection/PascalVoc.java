package org.cnn4j.nn.data.detection;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.cnn4j.nn.data.DataFormatException;

/**
 * PASCAL VOC 2007/2012 detection: {@code <root>/ImageSets/Main/<split>.txt} lists the image ids, one a line;
 * {@code <root>/Annotations/<id>.xml} holds each image's objects; {@code <root>/JPEGImages/<id>.jpg} the image,
 * decoded on each {@link #get(int)} into RGB CHW floats in [0, 1]. The 20 classes are {@link #CLASSES}, in the
 * standard order (alphabetical, as torchvision and the devkit).
 *
 * <p>From each {@code <object>} (its direct children only: a person's {@code <part>}s, with their own name and
 * box, are not objects): {@code <name>}, {@code <difficult>} (0 when absent) and {@code <bndbox>}. VOC's boxes
 * are 1-based inclusive pixel indices; pixel columns {@code xmin..xmax} become {@code x1 = xmin - 1, x2 = xmax}
 * (and likewise for y), clipped to the image.
 *
 * <p>Difficult objects: with {@code skipDifficult} they are left out; otherwise they are kept and
 * {@link #difficult(int)} flags them (VOC's evaluation ignores them: neither a hit nor a miss). Images left with
 * no objects stay. Annotations are parsed when reading; a malformed one is a {@link DataFormatException} naming
 * the file and line and saying what was expected; so is a missing annotation or image.
 */
public final class PascalVoc implements DetectionDataset {
    public static final List<String> CLASSES = List.of("aeroplane", "bicycle", "bird", "boat", "bottle", "bus",
            "car", "cat", "chair", "cow", "diningtable", "dog", "horse", "motorbike", "person", "pottedplant",
            "sheep", "sofa", "train", "tvmonitor");

    /** One image's annotation: its size (0 when absent), boxes (4 per object), labels and difficult flags. */
    private record Entry(String id, Path image, Path xml, int width, int height, float[] boxes, int[] labels,
            boolean[] difficult) {
    }

    private final Path root;
    private final String split;
    private final List<Entry> entries;

    private PascalVoc(Path root, String split, List<Entry> entries) {
        this.root = root;
        this.split = split;
        this.entries = entries;
    }

    /**
     * Reads split {@code split} ({@code train}, {@code val}, {@code trainval}, {@code test}) of the VOC directory
     * {@code vocRoot} (the one holding {@code Annotations}, such as {@code VOCdevkit/VOC2007}).
     */
    public static PascalVoc read(Path vocRoot, String split, boolean skipDifficult) throws IOException {
        Path list = vocRoot.resolve("ImageSets").resolve("Main").resolve(split + ".txt");
        if (!Files.isRegularFile(list)) {
            throw new DataFormatException(list, "split file does not exist (is " + vocRoot
                    + " a VOC directory with ImageSets/Main/" + split + ".txt?)");
        }
        List<String> lines = Files.readAllLines(list, StandardCharsets.UTF_8);
        XMLInputFactory xf = XMLInputFactory.newFactory();
        xf.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        xf.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        List<Entry> entries = new ArrayList<>();
        for (int ln = 0; ln < lines.size(); ln++) {
            String id = lines.get(ln).strip();
            if (id.isEmpty()) {
                continue;
            }
            if (id.contains(" ") || id.contains("\t") || id.contains("/") || id.contains("\\")) {
                throw new DataFormatException(list, "line " + (ln + 1) + ": expected one image id (such as"
                        + " 000005), found '" + id + "'");
            }
            Path xml = vocRoot.resolve("Annotations").resolve(id + ".xml");
            if (!Files.isRegularFile(xml)) {
                throw new DataFormatException(list, "line " + (ln + 1) + ": annotation " + xml + " does not exist");
            }
            Path image = vocRoot.resolve("JPEGImages").resolve(id + ".jpg");
            if (!Files.isRegularFile(image)) {
                throw new DataFormatException(list, "line " + (ln + 1) + ": image " + image + " does not exist");
            }
            entries.add(parse(xf, id, xml, image, skipDifficult));
        }
        if (entries.isEmpty()) {
            throw new DataFormatException(list, "lists no image ids");
        }
        return new PascalVoc(vocRoot, split, List.copyOf(entries));
    }

    private static final class ObjectBuilder {
        int line;
        String name;
        Integer difficult;
        double[] box = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
    }

    private static Entry parse(XMLInputFactory xf, String id, Path xml, Path image, boolean skipDifficult)
            throws IOException {
        int width = 0;
        int height = 0;
        List<float[]> boxes = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<Boolean> difficult = new ArrayList<>();
        Deque<String> path = new ArrayDeque<>();
        StringBuilder text = new StringBuilder();
        ObjectBuilder obj = null;
        try (InputStream in = Files.newInputStream(xml)) {
            XMLStreamReader r = xf.createXMLStreamReader(in);
            try {
                while (r.hasNext()) {
                    int ev = r.next();
                    if (ev == XMLStreamConstants.START_ELEMENT) {
                        String name = r.getLocalName();
                        if (path.isEmpty() && !name.equals("annotation")) {
                            throw new DataFormatException(xml, "line " + r.getLocation().getLineNumber()
                                    + ": expected the root element <annotation>, found <" + name + ">");
                        }
                        path.addLast(name);
                        text.setLength(0);
                        if (path.size() == 2 && name.equals("object")) {
                            obj = new ObjectBuilder();
                            obj.line = r.getLocation().getLineNumber();
                        }
                    } else if (ev == XMLStreamConstants.CHARACTERS || ev == XMLStreamConstants.CDATA) {
                        text.append(r.getText());
                    } else if (ev == XMLStreamConstants.END_ELEMENT) {
                        int line = r.getLocation().getLineNumber();
                        String p = String.join("/", path);
                        String t = text.toString().strip();
                        switch (p) {
                            case "annotation/size/width" -> width = integer(xml, line, "<width>", t);
                            case "annotation/size/height" -> height = integer(xml, line, "<height>", t);
                            case "annotation/object/name" -> obj.name = t;
                            case "annotation/object/difficult" -> {
                                obj.difficult = integer(xml, line, "<difficult> (0 or 1)", t);
                                if (obj.difficult != 0 && obj.difficult != 1) {
                                    throw new DataFormatException(xml, "line " + line
                                            + ": expected <difficult> 0 or 1, found '" + t + "'");
                                }
                            }
                            case "annotation/object/bndbox/xmin" -> obj.box[0] = number(xml, line, "<xmin>", t);
                            case "annotation/object/bndbox/ymin" -> obj.box[1] = number(xml, line, "<ymin>", t);
                            case "annotation/object/bndbox/xmax" -> obj.box[2] = number(xml, line, "<xmax>", t);
                            case "annotation/object/bndbox/ymax" -> obj.box[3] = number(xml, line, "<ymax>", t);
                            case "annotation/object" -> {
                                finish(xml, obj, width, height, skipDifficult, boxes, labels, difficult);
                                obj = null;
                            }
                            default -> {
                            }
                        }
                        path.removeLast();
                        text.setLength(0);
                    }
                }
            } finally {
                r.close();
            }
        } catch (XMLStreamException e) {
            int line = e.getLocation() == null ? -1 : e.getLocation().getLineNumber();
            throw new DataFormatException(xml, (line > 0 ? "line " + line + ": " : "") + "is not well-formed XML: "
                    + e.getMessage().replaceFirst("^ParseError at \\[row,col\\]:\\[\\d+,\\d+\\]\\s*Message: ", ""));
        }
        float[] b = new float[4 * boxes.size()];
        int[] l = new int[labels.size()];
        boolean[] d = new boolean[labels.size()];
        for (int k = 0; k < l.length; k++) {
            System.arraycopy(boxes.get(k), 0, b, 4 * k, 4);
            l[k] = labels.get(k);
            d[k] = difficult.get(k);
        }
        return new Entry(id, image, xml, width, height, b, l, d);
    }

    private static void finish(Path xml, ObjectBuilder o, int width, int height, boolean skipDifficult,
            List<float[]> boxes, List<Integer> labels, List<Boolean> difficult) throws DataFormatException {
        String at = "line " + o.line + ": <object>";
        if (o.name == null || o.name.isEmpty()) {
            throw new DataFormatException(xml, at + " has no <name>; expected one of the 20 VOC classes");
        }
        int label = CLASSES.indexOf(o.name);
        if (label < 0) {
            throw new DataFormatException(xml, at + " has <name> '" + o.name + "'; expected one of "
                    + String.join(", ", CLASSES));
        }
        String[] tags = {"xmin", "ymin", "xmax", "ymax"};
        for (int k = 0; k < 4; k++) {
            if (Double.isNaN(o.box[k])) {
                throw new DataFormatException(xml, at + " (" + o.name + ") has no <bndbox>/<" + tags[k]
                        + ">; expected xmin, ymin, xmax, ymax");
            }
        }
        if (o.box[2] < o.box[0] || o.box[3] < o.box[1]) {
            throw new DataFormatException(xml, at + " (" + o.name + ") has <bndbox> xmin " + o.box[0] + ", ymin "
                    + o.box[1] + ", xmax " + o.box[2] + ", ymax " + o.box[3] + "; expected xmin <= xmax and"
                    + " ymin <= ymax");
        }
        boolean hard = o.difficult != null && o.difficult == 1;
        if (hard && skipDifficult) {
            return;
        }
        float x1 = (float) Math.max(0, o.box[0] - 1);
        float y1 = (float) Math.max(0, o.box[1] - 1);
        float x2 = (float) (width > 0 ? Math.min(width, o.box[2]) : o.box[2]);
        float y2 = (float) (height > 0 ? Math.min(height, o.box[3]) : o.box[3]);
        if (x2 < x1 || y2 < y1) {
            throw new DataFormatException(xml, at + " (" + o.name + ") has a <bndbox> outside the image's "
                    + width + " x " + height + "; expected 1 <= xmin <= xmax <= width and 1 <= ymin <= ymax <= height");
        }
        boxes.add(new float[] {x1, y1, x2, y2});
        labels.add(label);
        difficult.add(hard);
    }

    private static int integer(Path xml, int line, String what, String t) throws DataFormatException {
        try {
            return Integer.parseInt(t);
        } catch (NumberFormatException e) {
            throw new DataFormatException(xml, "line " + line + ": expected " + what + " to be an integer, found '"
                    + t + "'");
        }
    }

    private static double number(Path xml, int line, String what, String t) throws DataFormatException {
        try {
            double v = Double.parseDouble(t);
            if (Double.isFinite(v)) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new DataFormatException(xml, "line " + line + ": expected " + what + " to be a number, found '" + t
                + "'");
    }

    /** Which objects of image {@code i} are difficult (all false with {@code skipDifficult}). */
    public boolean[] difficult(int i) {
        return entries.get(i).difficult().clone();
    }

    /** The image id of sample {@code i} (such as {@code 000005}). */
    public String id(int i) {
        return entries.get(i).id();
    }

    /** The image file of sample {@code i}. */
    public Path file(int i) {
        return entries.get(i).image();
    }

    public Path root() {
        return root;
    }

    public String split() {
        return split;
    }

    @Override
    public DetectionSample get(int i) {
        Entry e = entries.get(i);
        DetectionSample img = Images.readRgbUnchecked(e.image());
        if ((e.width() > 0 && e.width() != img.width()) || (e.height() > 0 && e.height() != img.height())) {
            throw new UncheckedIOException(new DataFormatException(e.xml(), "gives the size " + e.width() + " x "
                    + e.height() + " but " + e.image().getFileName() + " is " + img.width() + " x " + img.height()));
        }
        float[] boxes = e.boxes().clone();
        for (int k = 0; k < boxes.length; k += 4) {
            boxes[k + 2] = Math.min(boxes[k + 2], img.width());
            boxes[k + 3] = Math.min(boxes[k + 3], img.height());
            boxes[k] = Math.min(boxes[k], boxes[k + 2]);
            boxes[k + 1] = Math.min(boxes[k + 1], boxes[k + 3]);
        }
        return new DetectionSample(3, img.height(), img.width(), img.pixels(), boxes, e.labels().clone());
    }

    @Override
    public int size() {
        return entries.size();
    }

    @Override
    public int classes() {
        return CLASSES.size();
    }

    @Override
    public List<String> classNames() {
        return CLASSES;
    }

    @Override
    public int channels() {
        return 3;
    }

    @Override
    public String toString() {
        return "PascalVoc[" + root + ", " + split + ", " + size() + " images]";
    }
}
