package org.cnn4j.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cnn4j.kernels.host.KernelSource;

/**
 * The portable kernels compiled ahead of time with nvcc, shipped in the jar for a machine without NVRTC: one
 * fatbin per kernel file ({@code prebuilt/<stem>.fatbin}) holding an {@code sm_90} cubin and {@code compute_90}
 * PTX, so it loads on Hopper directly and is JIT-compiled by the driver on newer architectures; older ones
 * (compute capability below 9.0) need NVRTC.
 *
 * <p>{@code prebuilt/kernels.sha256} records, per file, the SHA-256 of what it was built from (the exact CUDA
 * string {@link KernelSource.Dialect#source} makes, and {@link #NVCC_OPTIONS}) and of the fatbin itself, with the
 * nvcc that built it. A fatbin is used only when both still match, so a kernel edited since the build is never
 * run from a stale binary; {@code PrebuiltKernelsTest} fails the build when they drift.
 * {@code scripts/cuda/build-kernels.sh} regenerates them: it calls {@link #main} for the sources, nvcc for each,
 * and {@link #main} again for the manifest.
 */
final class PrebuiltKernels implements CudaKernels.Prebuilt {
    static final String DIR = "/org/cnn4j/backend/cuda/prebuilt/";
    static final String MANIFEST = "kernels.sha256";
    /** The architecture the cubins are for; PTX of the same virtual architecture is beside them. */
    static final int CC_MAJOR = 9;
    static final int CC_MINOR = 0;
    /**
     * nvcc's options: those of NVRTC ({@link KernelSource.Dialect#options}, C++17), uncompressed, sm_90 +
     * compute_90.
     */
    static final List<String> NVCC_OPTIONS = List.of("-x", "cu", "-fatbin", "-std=c++17", "--fmad=false",
            "--no-compress", "-gencode", "arch=compute_90,code=sm_90", "-gencode", "arch=compute_90,code=compute_90");

    /** One line of the manifest. */
    record Entry(String stem, String sourceSha, String binarySha) {
    }

    private final Map<String, Entry> manifest;
    private final String builtWith;

    private PrebuiltKernels(Map<String, Entry> manifest, String builtWith) {
        this.manifest = manifest;
        this.builtWith = builtWith;
    }

    /** The shipped kernels, or null when the jar carries no manifest. */
    static PrebuiltKernels load() {
        String text = resourceText(MANIFEST);
        if (text == null) {
            return null;
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        String nvcc = "";
        for (String line : text.split("\n")) {
            if (line.startsWith("# nvcc ")) {
                nvcc = line.substring(2).strip();
            } else if (!line.isBlank() && !line.startsWith("#")) {
                String[] f = line.strip().split("\\s+");
                if (f.length != 3 || !f[2].endsWith(".fatbin")) {
                    throw new IllegalStateException(DIR + MANIFEST + ": malformed line '" + line + "'");
                }
                String stem = f[2].substring(0, f[2].length() - ".fatbin".length());
                entries.put(stem, new Entry(stem, f[0], f[1]));
            }
        }
        return new PrebuiltKernels(Map.copyOf(entries), nvcc);
    }

    Map<String, Entry> entries() {
        return manifest;
    }

    /** {@code "nvcc 13.0 V13.0.88, sm_90 cubin + compute_90 PTX"}, for the device description. */
    String describe() {
        return "prebuilt kernels (" + (builtWith.isEmpty() ? "nvcc" : builtWith) + ", sm_90 cubin + compute_90 PTX)";
    }

    /** True when the device can run them: the cubin on 9.0, the PTX JIT-compiled on anything newer. */
    static boolean runsOn(int ccMajor, int ccMinor) {
        return ccMajor > CC_MAJOR || ccMajor == CC_MAJOR && ccMinor >= CC_MINOR;
    }

    /** The SHA-256 a fatbin of {@code stem} must have been built from: its CUDA source and nvcc's options. */
    static String sourceSha(String cudaSource) {
        return sha256((cudaSource + "\u0000" + String.join(" ", NVCC_OPTIONS)).getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /**
     * The fatbin of program {@code name} ({@code "pool2d.k"}), checked against the manifest: built from exactly
     * {@code source} and unaltered. Anything else is an {@link IllegalStateException} saying what to do.
     */
    @Override
    public byte[] image(String name, String source) {
        String stem = name.endsWith(".k") ? name.substring(0, name.length() - 2) : name;
        Entry e = manifest.get(stem);
        if (e == null) {
            throw new IllegalStateException("no NVRTC, and no prebuilt kernel for " + name + " in " + DIR);
        }
        if (!e.sourceSha().equals(sourceSha(source))) {
            throw new IllegalStateException("no NVRTC, and the prebuilt " + stem + ".fatbin was built from another"
                    + " version of " + name + " (rebuild with scripts/cuda/build-kernels.sh)");
        }
        byte[] bin = resourceBytes(stem + ".fatbin");
        if (bin == null || !e.binarySha().equals(sha256(bin))) {
            throw new IllegalStateException("the prebuilt " + stem + ".fatbin is " + (bin == null ? "missing"
                    : "damaged (its SHA-256 is not the manifest's)"));
        }
        return bin;
    }

    static byte[] resourceBytes(String file) {
        try (InputStream in = PrebuiltKernels.class.getResourceAsStream(DIR + file)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + DIR + file, e);
        }
    }

    private static String resourceText(String file) {
        byte[] b = resourceBytes(file);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /**
     * The build's side ({@code scripts/cuda/build-kernels.sh}):
     * <ul>
     *   <li>{@code options}: prints nvcc's options, one per line;</li>
     *   <li>{@code sources <dir>}: writes {@code <stem>.cu}, the exact CUDA string of each kernel file;</li>
     *   <li>{@code manifest <dir> <nvcc version line>}: writes {@code <dir>/kernels.sha256} from the
     *       {@code <stem>.fatbin} files there and the current sources.</li>
     * </ul>
     */
    public static void main(String[] args) throws IOException {
        if (args.length == 1 && args[0].equals("options")) {
            NVCC_OPTIONS.forEach(System.out::println);
        } else if (args.length == 2 && args[0].equals("sources")) {
            Path dir = Files.createDirectories(Path.of(args[1]));
            for (String stem : KernelSource.STEMS) {
                Files.writeString(dir.resolve(stem + ".cu"), KernelSource.Dialect.CUDA.source(stem));
            }
        } else if (args.length == 3 && args[0].equals("manifest")) {
            Path dir = Path.of(args[1]);
            List<String> lines = new ArrayList<>();
            lines.add("# Prebuilt CUDA kernels: SHA-256 of the source (CUDA string + nvcc options), SHA-256 of the"
                    + " fatbin, file.");
            lines.add("# Regenerate with scripts/cuda/build-kernels.sh; PrebuiltKernelsTest checks them.");
            lines.add("# " + args[2].strip());
            lines.add("# options: " + String.join(" ", NVCC_OPTIONS));
            for (String stem : KernelSource.STEMS) {
                byte[] bin = Files.readAllBytes(dir.resolve(stem + ".fatbin"));
                lines.add(sourceSha(KernelSource.Dialect.CUDA.source(stem)) + " " + sha256(bin) + " " + stem
                        + ".fatbin");
            }
            Files.writeString(dir.resolve(MANIFEST), String.join("\n", lines) + "\n");
        } else {
            System.err.println("usage: PrebuiltKernels options | sources <dir> | manifest <dir> <nvcc version>");
            System.exit(2);
        }
    }
}
