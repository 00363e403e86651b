package org.cnn4j.kernels.host;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernels the portable sources declare, read from the {@code .k} files themselves (independently of the
 * launchers' code): each entry's parameters with their names and types, its body, and what its launch must
 * cover. The tests check every launch against it: argument names, kinds and count (this module's launch
 * recording), sizes and grids (the CUDA backend's fake driver).
 */
public final class KernelSignatures {
    /** One parameter: its name and whether it is a pointer (8 bytes) or a 4-byte int, uint or float. */
    public record Param(String name, String type, boolean pointer) {
        public int bytes() {
            return pointer ? 8 : 4;
        }

        /** How a launch sets it: {@code 'p'} (a buffer), {@code 'f'} (a float), {@code 'i'} (an int or uint). */
        public char kind() {
            return pointer ? 'p' : type.contains("float") ? 'f' : 'i';
        }
    }

    /**
     * One kernel: its file, name, parameters and body. {@code bound} is the parameter the kernel compares its
     * global index against ({@code if (i >= total) return;} or {@code if (i < total)}); null for kernels that
     * index by block.
     */
    public record Kernel(String stem, String name, List<Param> params, String body, String bound) {
        public int index(String param) {
            for (int i = 0; i < params.size(); i++) {
                if (params.get(i).name().equals(param)) {
                    return i;
                }
            }
            throw new IllegalArgumentException(name + " has no parameter " + param);
        }

        public boolean usesReduceGroup() {
            return body.contains("REDUCE_WG");
        }
    }

    private static final Pattern DECL = Pattern.compile("KERNEL\\s+void\\s+(\\w+)\\s*\\(([^)]*)\\)\\s*\\{");
    private static final Pattern BOUND = Pattern.compile(
            "=\\s*GID0\\s*;\\s*if\\s*\\(\\s*\\w+\\s*(?:>=|<)\\s*(\\w+)\\s*\\)");

    private KernelSignatures() {
    }

    /** Every kernel of every portable file, by entry name. */
    public static Map<String, Kernel> all() {
        Map<String, Kernel> all = new LinkedHashMap<>();
        for (String stem : KernelSource.STEMS) {
            String text = KernelSource.resource(stem + ".k");
            Matcher m = DECL.matcher(text);
            List<int[]> starts = new ArrayList<>();
            List<String[]> found = new ArrayList<>();
            while (m.find()) {
                starts.add(new int[] {m.start(), m.end()});
                found.add(new String[] {m.group(1), m.group(2)});
            }
            for (int k = 0; k < found.size(); k++) {
                int end = k + 1 < starts.size() ? starts.get(k + 1)[0] : text.length();
                String body = text.substring(starts.get(k)[1], end);
                List<Param> params = new ArrayList<>();
                for (String p : found.get(k)[1].split(",")) {
                    String t = p.trim().replaceAll("\\s+", " ");
                    String name = t.substring(t.lastIndexOf(' ') + 1).replace("*", "");
                    String type = t.substring(0, t.length() - name.length()).trim();
                    params.add(new Param(name, type, type.contains("*")));
                }
                Matcher b = BOUND.matcher(body);
                String bound = body.contains("GID0") ? (b.find() ? b.group(1) : "?") : null;
                Kernel kernel = new Kernel(stem, found.get(k)[0], params, body, bound);
                if (all.put(kernel.name(), kernel) != null) {
                    throw new IllegalStateException("kernel " + kernel.name() + " is declared twice");
                }
            }
        }
        return all;
    }
}
