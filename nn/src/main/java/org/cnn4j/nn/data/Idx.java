package org.cnn4j.nn.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * IDX files, the format of MNIST and Fashion-MNIST: a big-endian magic {@code 0x0000TTDD} (type TT = 0x08 for
 * unsigned bytes, DD dimensions), DD big-endian 32-bit sizes, then the data. Gzip-compressed files (first bytes
 * 1f 8b) are read through a decompressing stream; nothing is loaded beyond the samples asked for.
 */
public final class Idx {
    /** Images: unsigned bytes, 3 dimensions (count, rows, columns). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Labels: unsigned bytes, 1 dimension (count). */
    public static final int LABELS_MAGIC = 0x00000801;

    private Idx() {
    }

    /** Opens {@code file}, decompressing when it starts with the gzip magic. */
    static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
        }
        return raw;
    }

    /** Images and labels from two IDX files, the first {@code limit} samples (all when limit &lt;= 0). */
    public static ImageDataset read(String name, Path images, Path labels, List<String> classNames, int limit)
            throws IOException {
        int[] l;
        try (DataInputStream in = new DataInputStream(open(labels))) {
            int magic = magic(in, labels, LABELS_MAGIC, "labels (idx1, unsigned byte)");
            int n = count(in, labels);
            int take = limit > 0 ? Math.min(limit, n) : n;
            byte[] b = new byte[take];
            readFully(in, b, labels, "labels", 8);
            l = new int[take];
            for (int i = 0; i < take; i++) {
                l[i] = b[i] & 0xff;
                if (l[i] >= classNames.size()) {
                    throw new DataFormatException(labels, "label " + l[i] + " of sample " + i + " is outside [0, "
                            + classNames.size() + ")");
                }
            }
            if (take == n && in.read() != -1) {
                throw new DataFormatException(labels, "has bytes after the " + n + " labels its header announces");
            }
            assert magic == LABELS_MAGIC;
            try (DataInputStream im = new DataInputStream(open(images))) {
                magic(im, images, IMAGES_MAGIC, "images (idx3, unsigned byte)");
                int ni = count(im, images);
                int rows = count(im, images);
                int cols = count(im, images);
                if (ni != n) {
                    throw new DataFormatException(images, "holds " + ni + " images but " + labels.getFileName()
                            + " holds " + n + " labels; the counts must match");
                }
                byte[] px = new byte[Math.multiplyExact(take, rows * cols)];
                readFully(im, px, images, "pixels", 16);
                return new ImageDataset(name, 1, rows, cols, px, l, classNames);
            }
        }
    }

    private static int magic(DataInputStream in, Path file, int expected, String what) throws IOException {
        int m;
        try {
            m = in.readInt();
        } catch (EOFException e) {
            throw new DataFormatException(file, "is shorter than an IDX header (4 bytes of magic)");
        }
        if (m != expected) {
            throw new DataFormatException(file, String.format("wrong magic 0x%08x; expected 0x%08x for %s", m,
                    expected, what));
        }
        return m;
    }

    private static int count(DataInputStream in, Path file) throws IOException {
        int v;
        try {
            v = in.readInt();
        } catch (EOFException e) {
            throw new DataFormatException(file, "is truncated inside its IDX header");
        }
        if (v < 1) {
            throw new DataFormatException(file, "has a dimension of " + v + " in its header");
        }
        return v;
    }

    private static void readFully(InputStream in, byte[] dst, Path file, String what, int headerBytes)
            throws IOException {
        int off = 0;
        while (off < dst.length) {
            int r = in.read(dst, off, dst.length - off);
            if (r < 0) {
                throw new DataFormatException(file, "is truncated: " + what + " need " + dst.length
                        + " bytes after the " + headerBytes + "-byte header but the file ends after " + off);
            }
            off += r;
        }
    }
}
