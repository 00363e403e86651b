package org.cnn4j.nn.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * Finds and loads the data sets by name: {@code fashion-mnist}, {@code mnist}, {@code cifar-10}.
 *
 * <p>Where the files are looked for, in order:
 * <ol>
 *   <li>the directory given ({@code --data-dir}); when one is given, only there;</li>
 *   <li>the cache directory: {@code $CNN4J_CACHE} or {@code -Dcnn4j.cache}, else {@code ~/.cache/cnn4j},
 *       sub-directory named after the data set;</li>
 *   <li>for Fashion-MNIST, {@code /usr/share/datasets/fashion-mnist} (Debian's {@code dataset-fashion-mnist});</li>
 *   <li>a download from the canonical address into the cache, checked with SHA-256 before it is kept.</li>
 * </ol>
 * IDX files may be gzip-compressed ({@code .gz}) or not. When nothing works, the error lists every place tried
 * and the options.
 */
public final class DataSets {
    public static final List<String> NAMES = List.of("fashion-mnist", "mnist", "cifar-10");
    public static final Path DEBIAN_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    static final List<String> FASHION_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    /**
     * A file to download: name, address, and its SHA-256, taken of the file itself or, when {@code ofContent},
     * of its gunzipped content (Debian recompresses Fashion-MNIST, so only the content is the same everywhere).
     */
    record Remote(String file, String url, String sha256, boolean ofContent) {
    }

    private static final String FASHION_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
    private static final String MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/";

    static List<Remote> remotes(String dataset) {
        return switch (dataset) {
            case "fashion-mnist" -> List.of(
                    new Remote("train-images-idx3-ubyte.gz", FASHION_URL + "train-images-idx3-ubyte.gz",
                            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", true),
                    new Remote("train-labels-idx1-ubyte.gz", FASHION_URL + "train-labels-idx1-ubyte.gz",
                            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", true),
                    new Remote("t10k-images-idx3-ubyte.gz", FASHION_URL + "t10k-images-idx3-ubyte.gz",
                            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", true),
                    new Remote("t10k-labels-idx1-ubyte.gz", FASHION_URL + "t10k-labels-idx1-ubyte.gz",
                            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", true));
            case "mnist" -> List.of(
                    new Remote("train-images-idx3-ubyte.gz", MNIST_URL + "train-images-idx3-ubyte.gz",
                            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", false),
                    new Remote("train-labels-idx1-ubyte.gz", MNIST_URL + "train-labels-idx1-ubyte.gz",
                            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", false),
                    new Remote("t10k-images-idx3-ubyte.gz", MNIST_URL + "t10k-images-idx3-ubyte.gz",
                            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", false),
                    new Remote("t10k-labels-idx1-ubyte.gz", MNIST_URL + "t10k-labels-idx1-ubyte.gz",
                            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", false));
            case "cifar-10" -> List.of(new Remote("cifar-10-binary.tar.gz",
                    "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
                    "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd", false));
            default -> throw new IllegalArgumentException("unknown data set '" + dataset + "'; choose one of "
                    + String.join(", ", NAMES));
        };
    }

    private DataSets() {
    }

    /** The canonical name ({@code fashion-mnist}, {@code mnist}, {@code cifar-10}). */
    public static String canonical(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        return switch (n) {
            case "fashion", "fashionmnist", "fashion-mnist" -> "fashion-mnist";
            case "mnist" -> "mnist";
            case "cifar", "cifar10", "cifar-10" -> "cifar-10";
            default -> throw new IllegalArgumentException("unknown data set '" + name + "'; choose one of "
                    + String.join(", ", NAMES));
        };
    }

    /** {@code $CNN4J_CACHE}, {@code -Dcnn4j.cache}, else {@code ~/.cache/cnn4j}. */
    public static Path cacheRoot() {
        String p = System.getProperty("cnn4j.cache");
        if (p == null || p.isBlank()) {
            p = System.getenv("CNN4J_CACHE");
        }
        return p == null || p.isBlank() ? Path.of(System.getProperty("user.home"), ".cache", "cnn4j") : Path.of(p);
    }

    /**
     * Loads the training ({@code train}) or test part of {@code dataset}, the first {@code limit} samples (all
     * when {@code limit <= 0}).
     *
     * @param dataDir  the directory to use, or null to search
     * @param download whether to try the canonical address when the files are nowhere
     * @param log      progress messages
     */
    public static ImageDataset load(String dataset, Path dataDir, boolean train, int limit, boolean download,
            Consumer<String> log) throws IOException {
        String n = canonical(dataset);
        List<Path> candidates = new ArrayList<>();
        if (dataDir != null) {
            candidates.add(dataDir);
        } else {
            candidates.add(cacheRoot().resolve(n));
            if (n.equals("fashion-mnist")) {
                candidates.add(DEBIAN_FASHION_MNIST);
            }
        }
        for (Path dir : candidates) {
            if (present(n, dir)) {
                log.accept("reading " + n + " from " + dir);
                return read(n, dir, train, limit);
            }
        }
        String looked = String.join(", ", candidates.stream().map(Path::toString).toList());
        if (dataDir != null) {
            throw new java.io.FileNotFoundException(n + ": the files " + expected(n) + " are not in " + dataDir
                    + " (given with --data-dir)");
        }
        Path cache = cacheRoot().resolve(n);
        if (!download) {
            throw new java.io.FileNotFoundException(n + " not found (looked in " + looked + "). " + options(n));
        }
        try {
            fetch(n, cache, log);
        } catch (IOException e) {
            throw new IOException(n + " not found (looked in " + looked + ") and the download from "
                    + remotes(n).getFirst().url() + " failed: " + e.getMessage() + ". " + options(n), e);
        }
        return read(n, cache, train, limit);
    }

    private static String options(String n) {
        return "Options: pass --data-dir DIR with " + expected(n) + "; or put them in " + cacheRoot().resolve(n)
                + (n.equals("fashion-mnist") ? "; or install Debian's package: apt-get install dataset-fashion-mnist"
                        + " (files in " + DEBIAN_FASHION_MNIST + ")" : "")
                + "; or run once with network access so they are downloaded to the cache.";
    }

    private static String expected(String n) {
        return n.equals("cifar-10") ? "data_batch_1.bin .. data_batch_5.bin and test_batch.bin"
                : "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte"
                        + " (each with or without .gz)";
    }

    static boolean present(String n, Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        if (n.equals("cifar-10")) {
            return Files.isRegularFile(cifarDir(dir).resolve("data_batch_1.bin"));
        }
        return idx(dir, "train-images-idx3-ubyte") != null && idx(dir, "train-labels-idx1-ubyte") != null
                && idx(dir, "t10k-images-idx3-ubyte") != null && idx(dir, "t10k-labels-idx1-ubyte") != null;
    }

    private static Path cifarDir(Path dir) {
        Path sub = dir.resolve("cifar-10-batches-bin");
        return Files.isDirectory(sub) ? sub : dir;
    }

    private static Path idx(Path dir, String stem) {
        for (String name : new String[] {stem + ".gz", stem, stem.replace("-idx", ".idx")}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    /** Reads the part of data set {@code n} found in {@code dir}. */
    public static ImageDataset read(String n, Path dir, boolean train, int limit) throws IOException {
        if (n.equals("cifar-10")) {
            return Cifar10.read(cifarDir(dir), train, limit);
        }
        String p = train ? "train" : "t10k";
        Path images = idx(dir, p + "-images-idx3-ubyte");
        Path labels = idx(dir, p + "-labels-idx1-ubyte");
        if (images == null || labels == null) {
            throw new java.io.FileNotFoundException(n + ": " + p + " files not found in " + dir);
        }
        return Idx.read(n + "/" + (train ? "train" : "test"), images, labels,
                n.equals("mnist") ? DIGITS : FASHION_CLASSES, limit);
    }

    /** Downloads every file of {@code n} into {@code dir}, verifying each before it is moved into place. */
    static void fetch(String n, Path dir, Consumer<String> log) throws IOException {
        Files.createDirectories(dir);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        for (Remote r : remotes(n)) {
            Path target = dir.resolve(r.file());
            if (Files.isRegularFile(target) && sha256(target, r.ofContent()).equals(r.sha256())) {
                continue;
            }
            log.accept("downloading " + r.url());
            Path tmp = Files.createTempFile(dir, r.file(), ".part");
            try {
                HttpResponse<Path> resp = http.send(HttpRequest.newBuilder(URI.create(r.url()))
                        .timeout(Duration.ofMinutes(10)).build(), HttpResponse.BodyHandlers.ofFile(tmp));
                if (resp.statusCode() != 200) {
                    throw new IOException("HTTP " + resp.statusCode() + " for " + r.url());
                }
                String got = sha256(tmp, r.ofContent());
                if (!got.equals(r.sha256())) {
                    throw new IOException("SHA-256 of " + r.url() + (r.ofContent() ? " (gunzipped)" : "") + " is "
                            + got + ", expected " + r.sha256() + "; the file was not kept");
                }
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("download of " + r.url() + " interrupted", e);
            } finally {
                Files.deleteIfExists(tmp);
            }
            if (r.file().endsWith(".tar.gz")) {
                Tar.extractGz(target, dir);
            }
        }
    }

    /** The SHA-256 of {@code file}, or of its gunzipped content. */
    static String sha256(Path file, boolean ofContent) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = ofContent ? new GZIPInputStream(raw, 1 << 16) : raw) {
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) {
                md.update(buf, 0, r);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** A minimal reader of ustar archives (regular files only), for CIFAR-10's tar.gz. */
    static final class Tar {
        private Tar() {
        }

        static void extractGz(Path archive, Path dir) throws IOException {
            try (InputStream in = new GZIPInputStream(new java.io.BufferedInputStream(Files.newInputStream(archive)),
                    1 << 16)) {
                byte[] header = new byte[512];
                while (in.readNBytes(header, 0, 512) == 512) {
                    String name = field(header, 0, 100);
                    if (name.isEmpty()) {
                        break;
                    }
                    long size = Long.parseLong(field(header, 124, 12).trim().isEmpty() ? "0"
                            : field(header, 124, 12).trim(), 8);
                    char type = (char) header[156];
                    Path out = dir.resolve(name).normalize();
                    if (!out.startsWith(dir)) {
                        throw new IOException(archive + ": entry " + name + " points outside " + dir);
                    }
                    if (type == '0' || type == 0) {
                        Files.createDirectories(out.getParent());
                        try (OutputStream os = Files.newOutputStream(out)) {
                            long left = size;
                            byte[] buf = new byte[1 << 16];
                            while (left > 0) {
                                int r = in.read(buf, 0, (int) Math.min(buf.length, left));
                                if (r < 0) {
                                    throw new IOException(archive + ": truncated in " + name);
                                }
                                os.write(buf, 0, r);
                                left -= r;
                            }
                        }
                    } else {
                        in.skipNBytes(size);
                    }
                    long pad = (512 - size % 512) % 512;
                    in.skipNBytes(pad);
                }
            }
        }

        private static String field(byte[] h, int off, int len) {
            int end = off;
            while (end < off + len && h[end] != 0) {
                end++;
            }
            return new String(h, off, end - off, java.nio.charset.StandardCharsets.US_ASCII);
        }
    }
}
