package org.cnn4j.nn.io;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cnn4j.core.Shape;

/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N bytes of JSON
 * header ({@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
 * "__metadata__": {"key": "value"}}}, padded with spaces to a multiple of 8), then the tensors' little-endian
 * bytes, offsets relative to the end of the header. This class reads and writes float32 tensors only.
 *
 * <p>Writing is atomic: the file is written next to its target under a temporary name, forced to disk, then
 * renamed over the target. The metadata gets {@value #CHECKSUM_KEY}, the SHA-256 of the data section, and
 * {@value #HEADER_CHECKSUM_KEY}, the SHA-256 of the first 8 + N bytes (length and header, padding included) with
 * that key's own 64 hex digits read as zeros. {@link #read} verifies both, the header's structure, the offsets
 * and the file size, so one byte changed anywhere in a file this class wrote is an error. Both are ordinary
 * string metadata, so other safetensors readers load the file as it is; files from elsewhere (PyTorch) carry
 * neither and are read unchecked. A file with the data checksum but no header checksum is refused, except the
 * checkpoints written before the header checksum existed ({@value #LEGACY_FORMAT}).
 */
public final class SafeTensors {
    public static final String CHECKSUM_KEY = "cnn4j.sha256";
    public static final String HEADER_CHECKSUM_KEY = "cnn4j.header_sha256";
    /** The checkpoint format that had only the data checksum (still read, its header unchecked). */
    public static final String LEGACY_FORMAT = "cnn4j-checkpoint/1";
    private static final byte[] HEADER_CHECKSUM_FIELD = ("\"" + HEADER_CHECKSUM_KEY + "\":\"")
            .getBytes(StandardCharsets.UTF_8);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;

    /** A float32 tensor in host memory. */
    public record Entry(Shape shape, float[] data) {
        public Entry {
            if (shape.size() != data.length) {
                throw new IllegalArgumentException("shape " + shape + " does not hold " + data.length + " values");
            }
        }
    }

    /** What a file holds: tensors in file order, and the metadata. */
    public record Contents(Map<String, Entry> tensors, Map<String, String> metadata) {
    }

    private SafeTensors() {
    }

    /** Writes {@code tensors} and {@code metadata} to {@code file} atomically. */
    public static void write(Path file, Map<String, Entry> tensors, Map<String, String> metadata)
            throws IOException {
        long offset = 0;
        Map<String, Object> header = new LinkedHashMap<>();
        MessageDigest sha = sha256();
        List<Entry> order = new ArrayList<>();
        for (Map.Entry<String, Entry> e : tensors.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                throw new IllegalArgumentException("a tensor may not be called __metadata__");
            }
            long bytes = 4L * e.getValue().data().length;
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", "F32");
            info.put("shape", e.getValue().shape().dims());
            info.put("data_offsets", new long[] {offset, offset + bytes});
            header.put(e.getKey(), info);
            offset += bytes;
            order.add(e.getValue());
        }
        for (Entry e : order) {
            sha.update(bytes(e.data()));
        }
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.remove(HEADER_CHECKSUM_KEY);
        meta.put(CHECKSUM_KEY, HexFormat.of().formatHex(sha.digest()));
        meta.put(HEADER_CHECKSUM_KEY, "0".repeat(64));
        Map<String, Object> full = new LinkedHashMap<>();
        full.put("__metadata__", meta);
        full.putAll(header);
        byte[] json = JSON.writeValueAsBytes(full);
        int padded = (json.length + 7) / 8 * 8;
        byte[] head = new byte[8 + padded];
        ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        System.arraycopy(json, 0, head, 8, json.length);
        for (int i = 8 + json.length; i < head.length; i++) {
            head[i] = ' ';
        }
        int at = headerChecksumAt(head);
        byte[] hex = HexFormat.of().formatHex(sha256().digest(head)).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(hex, 0, head, at, 64);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
                    OutputStream os = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(ch),
                            1 << 16)) {
                os.write(head);
                for (Entry e : order) {
                    os.write(bytes(e.data()));
                }
                os.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Reads and verifies {@code file}. */
    public static Contents read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new java.nio.file.FileSystemException(file.toString(), null,
                    "is a directory, not a safetensors file");
        }
        long size = Files.size(file);
        if (size < 8) {
            throw new CheckpointException(file, "is " + size + " bytes, shorter than the 8-byte header length");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long n = lenBuf.flip().getLong();
            if (n < 2 || n > MAX_HEADER || 8 + n > size) {
                throw new CheckpointException(file, "header length " + n + " does not fit a file of " + size
                        + " bytes (not a safetensors file, or truncated)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8, file);
            String headerProblem = checkHeader(n, hb.array());
            Map<String, Object> header;
            try {
                header = JSON.readValue(new String(hb.array(), StandardCharsets.UTF_8).strip(),
                        new TypeReference<LinkedHashMap<String, Object>>() { });
            } catch (IOException e) {
                throw new CheckpointException(file, "header is not valid JSON" + (headerProblem == null ? ""
                        : " (" + headerProblem + ")") + ": " + e.getMessage());
            }
            Map<String, String> meta = new LinkedHashMap<>();
            if (header.get("__metadata__") instanceof Map<?, ?> m) {
                for (Map.Entry<?, ?> kv : m.entrySet()) {
                    meta.put(String.valueOf(kv.getKey()), String.valueOf(kv.getValue()));
                }
            }
            if (headerProblem != null && (meta.containsKey(HEADER_CHECKSUM_KEY) || !headerProblem.startsWith("no "))) {
                throw new CheckpointException(file, headerProblem + " (corrupted file)");
            }
            if (!meta.containsKey(HEADER_CHECKSUM_KEY) && meta.containsKey(CHECKSUM_KEY)
                    && !LEGACY_FORMAT.equals(meta.get("format"))) {
                throw new CheckpointException(file, "has the data checksum " + CHECKSUM_KEY + " but no "
                        + HEADER_CHECKSUM_KEY + ", which every file cnn4j writes has (corrupted file)");
            }
            Map<String, Entry> tensors = new LinkedHashMap<>();
            long dataStart = 8 + n;
            long dataLen = size - dataStart;
            List<long[]> spans = new ArrayList<>();
            MessageDigest sha = sha256();
            List<Map.Entry<String, long[]>> entries = new ArrayList<>();
            List<String> skipped = new ArrayList<>();
            for (Map.Entry<String, Object> e : header.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                if (!(e.getValue() instanceof Map<?, ?> info)) {
                    throw new CheckpointException(file, "entry " + e.getKey() + " is not an object");
                }
                Object dtype = info.get("dtype");
                int width = elementBytes(dtype);
                if (width == 0) {
                    throw new CheckpointException(file, "tensor " + e.getKey() + " has dtype " + dtype
                            + ", which is not a safetensors dtype");
                }
                int[] dims = ints(info.get("shape"), file, e.getKey(), "shape");
                long[] off = longs(info.get("data_offsets"), file, e.getKey());
                long count = 1;
                try {
                    for (int d : dims) {
                        count = Math.multiplyExact(count, d);
                    }
                    count = Math.multiplyExact(count, width);
                } catch (ArithmeticException overflow) {
                    throw new CheckpointException(file, "tensor " + e.getKey() + " " + java.util.Arrays.toString(dims)
                            + " " + dtype + " has more bytes than a long holds");
                }
                if (off[1] - off[0] != count || off[0] < 0 || off[1] > dataLen) {
                    throw new CheckpointException(file, "tensor " + e.getKey() + " " + java.util.Arrays.toString(dims)
                            + " " + dtype + " has data_offsets [" + off[0] + ", " + off[1] + "] that do not fit its"
                            + " shape or the " + dataLen + "-byte data section (truncated?)");
                }
                if (!"F32".equals(dtype)) {
                    // other dtypes (PyTorch's int64 num_batches_tracked, say) are skipped: cnn4j tensors are F32
                    spans.add(off);
                    skipped.add(e.getKey());
                    continue;
                }
                Shape shape;
                try {
                    shape = dims.length == 0 ? Shape.scalar() : Shape.of(dims);
                } catch (IllegalArgumentException bad) {
                    throw new CheckpointException(file, "tensor " + e.getKey() + ": " + bad.getMessage());
                }
                if (off[1] - off[0] != 4L * shape.size() || off[0] < 0 || off[1] > dataLen) {
                    throw new CheckpointException(file, "tensor " + e.getKey() + " " + shape + " has data_offsets ["
                            + off[0] + ", " + off[1] + "] that do not fit its shape or the " + dataLen
                            + "-byte data section (truncated?)");
                }
                spans.add(off);
                entries.add(Map.entry(e.getKey(), new long[] {off[0], off[1]}));
                ByteBuffer db = ByteBuffer.allocate((int) (off[1] - off[0])).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, db, dataStart + off[0], file);
                float[] v = new float[shape.size()];
                db.flip().asFloatBuffer().get(v);
                tensors.put(e.getKey(), new Entry(shape, v));
            }
            spans.sort((a, b) -> Long.compare(a[0], b[0]));
            long end = 0;
            for (long[] s : spans) {
                if (s[0] != end) {
                    throw new CheckpointException(file, "tensor data has a gap or overlap at byte " + s[0]);
                }
                end = s[1];
            }
            if (end != dataLen) {
                throw new CheckpointException(file, "data section is " + dataLen + " bytes but the tensors use "
                        + end);
            }
            entries.sort((a, b) -> Long.compare(a.getValue()[0], b.getValue()[0]));
            for (Map.Entry<String, long[]> e : entries) {
                sha.update(bytes(tensors.get(e.getKey()).data()));
            }
            if (!skipped.isEmpty() && meta.containsKey(CHECKSUM_KEY)) {
                throw new CheckpointException(file, "a cnn4j checkpoint holds only F32 tensors, but " + skipped
                        + " are not F32 (corrupted file)");
            }
            String want = meta.get(CHECKSUM_KEY);
            String got = HexFormat.of().formatHex(sha.digest());
            if (want != null && !want.equals(got)) {
                throw new CheckpointException(file, "checksum mismatch: data SHA-256 is " + got + " but the metadata"
                        + " says " + want + " (corrupted file)");
            }
            return new Contents(tensors, meta);
        }
    }

    /** Where the 64 hex digits of the header checksum start in {@code head} (length + header). */
    private static int headerChecksumAt(byte[] head) {
        int at = indexOf(head, HEADER_CHECKSUM_FIELD, 8);
        if (at < 0 || at + HEADER_CHECKSUM_FIELD.length + 64 > head.length) {
            throw new IllegalStateException("the header has no " + HEADER_CHECKSUM_KEY + " field");
        }
        return at + HEADER_CHECKSUM_FIELD.length;
    }

    /**
     * Null when the header's checksum field is present once and matches; "no ..." when the header has no such
     * field (a file from elsewhere); else what is wrong. {@code n} is the header length, {@code header} its bytes.
     */
    private static String checkHeader(long n, byte[] header) {
        byte[] head = new byte[8 + header.length];
        ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).putLong(n);
        System.arraycopy(header, 0, head, 8, header.length);
        int first = indexOf(head, HEADER_CHECKSUM_FIELD, 8);
        if (first < 0) {
            return "no " + HEADER_CHECKSUM_KEY + " field";
        }
        if (indexOf(head, HEADER_CHECKSUM_FIELD, first + 1) >= 0) {
            return "the header holds " + HEADER_CHECKSUM_KEY + " twice";
        }
        int at = first + HEADER_CHECKSUM_FIELD.length;
        if (at + 64 > head.length) {
            return "the header ends inside " + HEADER_CHECKSUM_KEY;
        }
        String want = new String(head, at, 64, StandardCharsets.ISO_8859_1);
        java.util.Arrays.fill(head, at, at + 64, (byte) '0');
        String got = HexFormat.of().formatHex(sha256().digest(head));
        return got.equals(want) ? null : "header checksum mismatch: the header's SHA-256 is " + got
                + " but it says " + want;
    }

    private static int indexOf(byte[] a, byte[] pattern, int from) {
        outer:
        for (int i = Math.max(0, from); i + pattern.length <= a.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (a[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Bytes per element of a safetensors dtype, or 0 for a name the format does not define. */
    private static int elementBytes(Object dtype) {
        return switch (String.valueOf(dtype)) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> 0;
        };
    }

    private static int[] ints(Object o, Path file, String name, String what) throws CheckpointException {
        if (!(o instanceof List<?> l)) {
            throw new CheckpointException(file, "tensor " + name + " has no " + what);
        }
        int[] out = new int[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof Integer v) || v < 0) {
                throw new CheckpointException(file, "tensor " + name + " has " + what + " " + l
                        + "; every dimension must be an integer in [0, 2^31-1]");
            }
            out[i] = v;
        }
        return out;
    }

    private static long[] longs(Object o, Path file, String name) throws CheckpointException {
        if (!(o instanceof List<?> l) || l.size() != 2) {
            throw new CheckpointException(file, "tensor " + name + " has no data_offsets [begin, end]");
        }
        if (!(l.get(0) instanceof Integer || l.get(0) instanceof Long)
                || !(l.get(1) instanceof Integer || l.get(1) instanceof Long)) {
            throw new CheckpointException(file, "tensor " + name + " has data_offsets " + l
                    + "; they must be two integers");
        }
        return new long[] {((Number) l.get(0)).longValue(), ((Number) l.get(1)).longValue()};
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos, Path file) throws IOException {
        long p = pos;
        while (b.hasRemaining()) {
            int r = ch.read(b, p);
            if (r < 0) {
                throw new CheckpointException(file, "is truncated at byte " + p);
            }
            p += r;
        }
    }

    private static byte[] bytes(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
