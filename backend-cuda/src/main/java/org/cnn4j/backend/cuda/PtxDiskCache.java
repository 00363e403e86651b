package org.cnn4j.backend.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.function.Function;

/**
 * Compiled kernels (PTX, or cubins for the device) kept on disk between runs, one file per program and target: {@code <dir>/<key>.ptx}, the key being
 * {@link CudaKernels#key}'s SHA-256 (source, options, architecture, compiler version). A file holds one header
 * line, {@code cnn4j-ptx 1 <sha256 of the PTX>}, then the PTX bytes; a file that is missing, unreadable, truncated
 * or otherwise altered reads as absent, so the program is compiled again and the file rewritten. Writes go to a
 * temporary file in the same folder, then an atomic move, so a reader never sees half a file and concurrent
 * writers of the same key leave one whole copy. An I/O failure never fails a kernel launch: the PTX just is not
 * kept (the first failure is logged).
 *
 * <p>Folder: {@code -Dcnn4j.cuda.ptxCache=<dir>}, or {@code off} for none; by default
 * {@code $XDG_CACHE_HOME/cnn4j/ptx}, else {@code ~/.cache/cnn4j/ptx}.
 */
final class PtxDiskCache implements CudaKernels.PtxStore {
    static final String PROPERTY = "cnn4j.cuda.ptxCache";
    private static final String MAGIC = "cnn4j-ptx 1 ";
    private static final System.Logger LOG = System.getLogger(PtxDiskCache.class.getName());

    private final Path dir;
    private boolean warned;
    private int writeFailures;

    PtxDiskCache(Path dir) {
        this.dir = dir;
    }

    /**
     * The cache chosen by {@value #PROPERTY} in {@code props}, with {@code env} for {@code XDG_CACHE_HOME} and
     * {@code user.home} from {@code props}; {@link CudaKernels.PtxStore#NONE} for {@code off}.
     */
    static CudaKernels.PtxStore fromSettings(Function<String, String> props, Function<String, String> env) {
        String p = props.apply(PROPERTY);
        if (p != null && !p.isBlank()) {
            return p.trim().equalsIgnoreCase("off") ? CudaKernels.PtxStore.NONE : new PtxDiskCache(Path.of(p.trim()));
        }
        String xdg = env.apply("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return new PtxDiskCache(Path.of(xdg, "cnn4j", "ptx"));
        }
        String home = props.apply("user.home");
        if (home == null || home.isBlank()) {
            return CudaKernels.PtxStore.NONE;
        }
        return new PtxDiskCache(Path.of(home, ".cache", "cnn4j", "ptx"));
    }

    static CudaKernels.PtxStore fromSystem() {
        return fromSettings(System::getProperty, System::getenv);
    }

    Path dir() {
        return dir;
    }

    Path file(String key) {
        return dir.resolve(key + ".ptx");
    }

    @Override
    public synchronized byte[] read(String key) {
        byte[] all;
        try {
            all = Files.readAllBytes(file(key));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            return null; // unreadable: compiled again and rewritten
        }
        int nl = indexOf(all, (byte) '\n');
        if (nl < 0) {
            return null;
        }
        String header = new String(all, 0, nl, StandardCharsets.US_ASCII);
        if (!header.startsWith(MAGIC)) {
            return null;
        }
        byte[] ptx = Arrays.copyOfRange(all, nl + 1, all.length);
        if (ptx.length == 0 || !header.substring(MAGIC.length()).equals(sha256(ptx))) {
            return null;
        }
        return ptx;
    }

    @Override
    public synchronized void write(String key, byte[] ptx) {
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, key, ".tmp");
            byte[] header = (MAGIC + sha256(ptx) + "\n").getBytes(StandardCharsets.US_ASCII);
            byte[] all = Arrays.copyOf(header, header.length + ptx.length);
            System.arraycopy(ptx, 0, all, header.length, ptx.length);
            Files.write(tmp, all);
            try {
                Files.move(tmp, file(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file(key), StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException | RuntimeException e) {
            writeFailures++;
            if (!warned) {
                warned = true;
                LOG.log(System.Logger.Level.WARNING, "PTX cache " + dir + " is not writable (" + e
                        + "); kernels are compiled at each start");
            }
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the temporary file stays behind; it is never read
                }
            }
        }
    }

    @Override
    public synchronized void delete(String key) {
        try {
            Files.deleteIfExists(file(key));
        } catch (IOException ignored) {
            // a stale file that cannot be removed reads as absent or is replaced by the next write
        }
    }

    /** Writes that failed (the PTX was compiled and used, but not kept). */
    synchronized int writeFailures() {
        return writeFailures;
    }

    private static int indexOf(byte[] a, byte b) {
        for (int i = 0; i < a.length && i < 200; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    @Override
    public String toString() {
        return "PTX cache " + dir;
    }
}
