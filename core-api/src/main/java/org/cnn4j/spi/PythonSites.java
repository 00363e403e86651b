package org.cnn4j.spi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where Python's packages are, for native libraries installed as NVIDIA's Python packages ({@code nvidia/*}
 * {@code /lib}: cuBLAS, cuDNN, NVRTC, NCCL beside PyTorch). The cuda backend and the NCCL process group look there.
 */
public final class PythonSites {
    private static List<Path> reported;

    private PythonSites() {
    }

    /**
     * {@code python3}'s own site directories and {@code sys.path}, asked on first use and kept (they cannot change
     * while the process runs); empty when there is no {@code python3} or it fails, 5 s at most.
     */
    public static synchronized List<Path> reported() {
        if (reported == null) {
            reported = askPython();
        }
        return reported;
    }

    /** Asks {@code python3} (when it exists) for its site directories; empty on any failure, 5 s at most. */
    static List<Path> askPython() {
        String script = "import site,sys\n"
                + "p=[]\n"
                + "try: p+=site.getsitepackages()\nexcept Exception: pass\n"
                + "try: p.append(site.getusersitepackages())\nexcept Exception: pass\n"
                + "print('\\n'.join(p+[x for x in sys.path if x]))\n";
        try {
            Process proc = new ProcessBuilder("python3", "-c", script).redirectErrorStream(false).start();
            proc.getOutputStream().close();
            if (!proc.waitFor(5, TimeUnit.SECONDS)) {
                proc.destroyForcibly();
                return List.of();
            }
            String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            List<Path> dirs = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (!line.isBlank() && line.startsWith("/")) {
                    dirs.add(Path.of(line.strip()));
                }
            }
            return List.copyOf(dirs);
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** {@code root/python3*}{@code /site-packages} and {@code /dist-packages}, sorted; empty without such folders. */
    public static List<Path> under(Path root) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, "python3*")) {
            List<Path> pys = new ArrayList<>();
            ds.forEach(pys::add);
            pys.sort(null);
            for (Path py : pys) {
                out.add(py.resolve("site-packages"));
                out.add(py.resolve("dist-packages"));
            }
        } catch (IOException e) {
            // no python under this root
        }
        return out;
    }
}
