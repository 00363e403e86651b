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
 *
 * <p>A file that is not what its header says is a {@link DataFormatException} naming the file: a wrong magic,
 * a truncated file (raw, or gzip cut anywhere, its compressed stream included), a corrupted gzip stream, bytes
 * after the data (when every sample is read, which also checks gzip's CRC), counts that disagree, or sizes whose
 * product passes 2^31-1. Memory grows with the bytes actually read, never with what a corrupted header claims.
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
            try {
                return new BufferedInputStream(new Gunzip(new GZIPInputStream(raw, 1 << 16), file), 1 << 16);
            } catch (EOFException | java.util.zip.ZipException e) {
                raw.close();
                throw new DataFormatException(file, "is truncated or corrupted (gzip header: " + e.getMessage() + ")");
            }
        }
        return raw;
    }

    /** A gzip stream whose damage (cut short, corrupted, wrong CRC) is a {@link DataFormatException} naming the file. */
    private static final class Gunzip extends java.io.FilterInputStream {
        private final Path file;

        Gunzip(InputStream in, Path file) {
            super(in);
            this.file = file;
        }

        private DataFormatException damaged(IOException e) {
            return new DataFormatException(file, "is truncated or corrupted (gzip: " + e.getMessage() + ")");
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (EOFException | java.util.zip.ZipException e) {
                throw damaged(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (EOFException | java.util.zip.ZipException e) {
                throw damaged(e);
            }
        }
    }

    /** Images and labels from two IDX files, the first {@code limit} samples (all when limit &lt;= 0). */
    public static ImageDataset read(String name, Path images, Path labels, List<String> classNames, int limit)
            throws IOException {
        int[] l;
        try (DataInputStream in = new DataInputStream(open(labels))) {
            int magic = magic(in, labels, LABELS_MAGIC, "labels (idx1, unsigned byte)");
            int n = count(in, labels);
            int take = limit > 0 ? Math.min(limit, n) : n;
            checkRawSize(labels, 8, n);
            byte[] b = readFully(in, take, labels, "labels", 8);
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
                long pixels = (long) rows * cols;
                if ((long) n * pixels > Integer.MAX_VALUE - 8) {
                    throw new DataFormatException(images, "announces " + n + " images of " + rows + " x " + cols
                            + " = " + (long) n * pixels + " bytes, more than 2^31-1 (corrupted header?)");
                }
                checkRawSize(images, 16, n * pixels);
                byte[] px = readFully(im, (int) (take * pixels), images, "pixels", 16);
                if (take == n && im.read() != -1) {
                    throw new DataFormatException(images, "has bytes after the " + n + " images its header"
                            + " announces");
                }
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

    /** For an uncompressed file: its size must be the header plus {@code dataBytes}, checked before reading. */
    private static void checkRawSize(Path file, int headerBytes, long dataBytes) throws IOException {
        try (InputStream raw = Files.newInputStream(file)) {
            if (raw.read() == 0x1f && raw.read() == 0x8b) {
                return; // gzip: the stream itself tells
            }
        }
        long size = Files.size(file);
        if (size < headerBytes + dataBytes) {
            throw new DataFormatException(file, "is truncated: its header announces " + dataBytes + " bytes after the "
                    + headerBytes + "-byte header but the file has " + (size - headerBytes));
        }
        if (size > headerBytes + dataBytes) {
            throw new DataFormatException(file, "has " + (size - headerBytes - dataBytes) + " bytes after the "
                    + dataBytes + " its header announces");
        }
    }

    /** {@code length} bytes, allocated as they arrive (a header that lies allocates nothing it cannot fill). */
    private static byte[] readFully(InputStream in, int length, Path file, String what, int headerBytes)
            throws IOException {
        byte[] dst = in.readNBytes(length);
        if (dst.length < length) {
            throw new DataFormatException(file, "is truncated: " + what + " need " + length
                    + " bytes after the " + headerBytes + "-byte header but the file ends after " + dst.length);
        }
        return dst;
    }
}
