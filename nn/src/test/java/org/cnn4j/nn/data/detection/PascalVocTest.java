package org.cnn4j.nn.data.detection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.cnn4j.nn.data.DataFormatException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PASCAL VOC reader on a small VOC directory written here, annotations as in VOC2007/VOC2012. */
class PascalVocTest {
    @TempDir
    Path dir;
    Path voc;

    /** VOC2012-style: a person with parts (their own name and box), a difficult chair, a truncated dog. */
    static final String A = """
            <annotation>
            	<folder>VOC2012</folder>
            	<filename>2008_000001.jpg</filename>
            	<source>
            		<database>The VOC2008 Database</database>
            		<annotation>PASCAL VOC2008</annotation>
            		<image>flickr</image>
            	</source>
            	<size>
            		<width>40</width>
            		<height>30</height>
            		<depth>3</depth>
            	</size>
            	<segmented>0</segmented>
            	<object>
            		<name>person</name>
            		<pose>Unspecified</pose>
            		<truncated>0</truncated>
            		<difficult>0</difficult>
            		<bndbox>
            			<xmin>5</xmin>
            			<ymin>3</ymin>
            			<xmax>20</xmax>
            			<ymax>28</ymax>
            		</bndbox>
            		<part>
            			<name>head</name>
            			<bndbox>
            				<xmin>8</xmin>
            				<ymin>3</ymin>
            				<xmax>14</xmax>
            				<ymax>9</ymax>
            			</bndbox>
            		</part>
            	</object>
            	<object>
            		<name>chair</name>
            		<pose>Rear</pose>
            		<truncated>0</truncated>
            		<difficult>1</difficult>
            		<bndbox>
            			<xmin>22</xmin>
            			<ymin>10</ymin>
            			<xmax>30</xmax>
            			<ymax>25</ymax>
            		</bndbox>
            	</object>
            	<object>
            		<name>dog</name>
            		<pose>Left</pose>
            		<truncated>1</truncated>
            		<difficult>0</difficult>
            		<bndbox>
            			<xmin>1</xmin>
            			<ymin>1.0</ymin>
            			<xmax>40</xmax>
            			<ymax>12</ymax>
            		</bndbox>
            	</object>
            </annotation>
            """;

    /** VOC2007-style, one object and no difficult tag. */
    static final String B = """
            <annotation>
            	<folder>VOC2007</folder>
            	<filename>000005.jpg</filename>
            	<size>
            		<width>32</width>
            		<height>24</height>
            		<depth>3</depth>
            	</size>
            	<object>
            		<name>tvmonitor</name>
            		<bndbox>
            			<xmin>2</xmin>
            			<ymin>3</ymin>
            			<xmax>10</xmax>
            			<ymax>12</ymax>
            		</bndbox>
            	</object>
            </annotation>
            """;

    @BeforeEach
    void write() throws IOException {
        voc = dir.resolve("VOCdevkit").resolve("VOC2012");
        Fixtures.text(voc.resolve("Annotations/2008_000001.xml"), A);
        Fixtures.text(voc.resolve("Annotations/000005.xml"), B);
        Fixtures.image(voc.resolve("JPEGImages/2008_000001.jpg"), 40, 30, "jpg");
        Fixtures.image(voc.resolve("JPEGImages/000005.jpg"), 32, 24, "jpg");
        Fixtures.text(voc.resolve("ImageSets/Main/train.txt"), "2008_000001\n000005\n");
    }

    @Test
    void readsObjectsWithDifficultFlags() throws IOException {
        PascalVoc v = PascalVoc.read(voc, "train", false);
        assertEquals(2, v.size());
        assertEquals(20, v.classes());
        assertEquals("aeroplane", v.classNames().getFirst());
        assertEquals(14, v.classNames().indexOf("person"));
        assertEquals("tvmonitor", v.classNames().get(19));
        assertEquals(3, v.channels());
        DetectionSample a = v.get(0);
        assertEquals(30, a.height());
        assertEquals(40, a.width());
        // 1-based inclusive pixels -> (xmin - 1, ymin - 1, xmax, ymax); the head part is not an object
        assertArrayEquals(new float[] {4, 2, 20, 28, 21, 9, 30, 25, 0, 0, 40, 12}, a.boxes());
        assertArrayEquals(new int[] {14, 8, 11}, a.labels());
        assertArrayEquals(new boolean[] {false, true, false}, v.difficult(0));
        assertEquals("2008_000001", v.id(0));
        DetectionSample b = v.get(1);
        assertArrayEquals(new float[] {1, 2, 10, 12}, b.boxes());
        assertArrayEquals(new int[] {19}, b.labels());
        assertArrayEquals(new boolean[] {false}, v.difficult(1));
        assertEquals(24 * 32 * 3, b.pixels().length);
        int rgb = Fixtures.rgb(16, 12);
        assertEquals(((rgb >> 8) & 0xff) / 255f, b.pixels()[24 * 32 + 12 * 32 + 16], 0.15f);
    }

    @Test
    void skipDifficultLeavesThemOut() throws IOException {
        PascalVoc v = PascalVoc.read(voc, "train", true);
        assertArrayEquals(new int[] {14, 11}, v.get(0).labels());
        assertArrayEquals(new float[] {4, 2, 20, 28, 0, 0, 40, 12}, v.get(0).boxes());
        assertArrayEquals(new boolean[] {false, false}, v.difficult(0));
    }

    void assertError(Path file, String text) {
        WiderFaceTest.assertError(file, text, () -> PascalVoc.read(voc, "train", false));
    }

    @Test
    void malformedAnnotationsNameTheFileTheLineAndWhatWasExpected() throws IOException {
        Path a = voc.resolve("Annotations/2008_000001.xml");
        Fixtures.text(a, A.replace("<name>dog</name>", "<name>wolf</name>"));
        assertError(a, "line 48: <object> has <name> 'wolf'; expected one of aeroplane, bicycle");
        Fixtures.text(a, A.replace("<ymax>25</ymax>", ""));
        assertError(a, "line 36: <object> (chair) has no <bndbox>/<ymax>; expected xmin, ymin, xmax, ymax");
        Fixtures.text(a, A.replace("<xmin>22</xmin>", "<xmin>twenty</xmin>"));
        assertError(a, "line 42: expected <xmin> to be a number, found 'twenty'");
        Fixtures.text(a, A.replace("<xmax>30</xmax>", "<xmax>12</xmax>"));
        assertError(a, "line 36: <object> (chair) has <bndbox> xmin 22.0, ymin 10.0, xmax 12.0, ymax 25.0; expected"
                + " xmin <= xmax");
        Fixtures.text(a, A.replace("<difficult>1</difficult>", "<difficult>yes</difficult>"));
        assertError(a, "line 40: expected <difficult> (0 or 1) to be an integer, found 'yes'");
        Fixtures.text(a, A.replace("</bndbox>\n\t\t<part>", "</bndbx>\n\t\t<part>"));
        assertError(a, "line 25: is not well-formed XML: The element type \"bndbox\" must be terminated");
        Fixtures.text(a, A.replace("<annotation>\n\t<folder>", "<annot>\n\t<folder>")
                .replace("</annotation>\n", "</annot>\n"));
        assertError(a, "line 1: expected the root element <annotation>, found <annot>");
        Fixtures.text(a, A);

        Path list = voc.resolve("ImageSets/Main/train.txt");
        Fixtures.text(list, "2008_000001\n000006\n");
        assertError(list, "line 2: annotation " + voc.resolve("Annotations/000006.xml") + " does not exist");
        Fixtures.text(voc.resolve("Annotations/000006.xml"), B);
        assertError(list, "line 2: image " + voc.resolve("JPEGImages/000006.jpg") + " does not exist");
        Fixtures.text(list, "2008_000001 1\n");
        assertError(list, "line 1: expected one image id");
        Fixtures.text(list, "\n");
        assertError(list, "lists no image ids");
        Path missing = voc.resolve("ImageSets/Main/val.txt");
        WiderFaceTest.assertError(missing, "split file does not exist", () -> PascalVoc.read(voc, "val", false));
    }

    @Test
    void anImageOfAnotherSizeThanItsAnnotationFailsAtGet() throws IOException {
        Fixtures.image(voc.resolve("JPEGImages/000005.jpg"), 30, 24, "jpg");
        PascalVoc v = PascalVoc.read(voc, "train", false);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> v.get(1));
        DataFormatException cause = assertInstanceOf(DataFormatException.class, e.getCause());
        assertEquals(voc.resolve("Annotations/000005.xml"), cause.file());
    }
}
