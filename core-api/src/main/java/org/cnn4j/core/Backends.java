package org.cnn4j.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import org.cnn4j.spi.BackendProvider;

/**
 * Discovery and selection of backends. Providers are found with {@link ServiceLoader}; nothing is cached and
 * nothing global is kept: every {@code open} returns a new backend that the caller closes.
 *
 * <p>The name is taken, in order, from the argument, the system property {@value #PROPERTY}, the environment
 * variable {@value #ENV}, else {@code auto}. {@code auto} opens the available backend with the highest priority
 * (cuda, then opencl on a GPU, then cpu, then reference). A backend asked for by name that cannot start fails
 * with a {@link BackendUnavailableException} listing what every provider reported; there is no silent fallback.
 */
public final class Backends {
    /** System property that selects the backend. */
    public static final String PROPERTY = "cnn4j.backend";
    /** Environment variable that selects the backend when the property is absent. */
    public static final String ENV = "CNN4J_BACKEND";
    /** The names this project defines, whether or not their module is on the class path. */
    public static final List<String> KNOWN = List.of("reference", "cpu", "opencl", "cuda");

    private Backends() {
    }

    /** The providers on the class path, highest priority first (which probes each of them). */
    public static List<BackendProvider> providers() {
        return sorted(loaded());
    }

    private static List<BackendProvider> loaded() {
        List<BackendProvider> out = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader())) {
            out.add(p);
        }
        return out;
    }

    private static List<BackendProvider> sorted(List<BackendProvider> providers) {
        List<BackendProvider> out = new ArrayList<>(providers);
        out.sort(Comparator.comparingInt(BackendProvider::priority).reversed()
                .thenComparing(BackendProvider::name));
        return out;
    }

    /** What every provider on the class path reports, highest priority first. Never throws. */
    public static List<Probe> probeAll() {
        List<Probe> out = new ArrayList<>();
        for (BackendProvider p : providers()) {
            out.add(safeProbe(p));
        }
        return out;
    }

    /** The name chosen by the system property or the environment, else {@code auto}. */
    public static String configuredName() {
        return configuredName(null);
    }

    /**
     * The backend name to use, the one rule of every entry point (the command line's {@code --backend},
     * {@link #open()}, {@code cnn4j info}): {@code flag} when given, else the system property {@value #PROPERTY},
     * else the environment variable {@value #ENV}, else {@code auto}. Blank values count as absent; the result is
     * trimmed and in lower case.
     *
     * @param flag the name given explicitly (a command-line option), or null
     */
    public static String configuredName(String flag) {
        return configuredName(flag, System.getProperty(PROPERTY), System.getenv());
    }

    /** {@link #configuredName(String)} with the property's value and the environment given (for tests). */
    static String configuredName(String flag, String property, java.util.Map<String, String> env) {
        for (String v : new String[] {flag, property, env.get(ENV)}) {
            if (v != null && !v.isBlank()) {
                return v.trim().toLowerCase(Locale.ROOT);
            }
        }
        return "auto";
    }

    /**
     * Where {@link #configuredName(String)} found its name: {@code --backend}, {@code -D}{@value #PROPERTY},
     * {@code $}{@value #ENV} or {@code default}.
     */
    public static String configuredSource(String flag) {
        return configuredSource(flag, System.getProperty(PROPERTY), System.getenv());
    }

    static String configuredSource(String flag, String property, java.util.Map<String, String> env) {
        if (flag != null && !flag.isBlank()) {
            return "--backend";
        }
        if (property != null && !property.isBlank()) {
            return "-D" + PROPERTY;
        }
        String e = env.get(ENV);
        return e != null && !e.isBlank() ? "$" + ENV : "default";
    }

    /**
     * The name of the backend that {@code open("auto")} would open now: the available, auto-selectable provider
     * of the highest priority. Probes every provider (which loads their drivers).
     *
     * @throws BackendUnavailableException when none is available
     */
    public static String autoName() {
        List<Probe> probes = new ArrayList<>();
        for (BackendProvider p : providers()) {
            Probe probe = safeProbe(p);
            probes.add(probe);
            if (probe.available() && p.autoSelectable()) {
                return p.name();
            }
        }
        throw new BackendUnavailableException("auto", "no backend is available; probed:" + describe(probes), probes);
    }

    /** Opens the backend named by {@value #PROPERTY} or {@value #ENV}, else the best available. */
    public static Backend open() {
        return open(configuredName());
    }

    /**
     * Opens the backend called {@code name}, or the best available one for {@code auto}.
     *
     * @throws BackendUnavailableException when it cannot start here (the message lists every probe)
     * @throws IllegalArgumentException    when {@code name} is not a backend this project knows
     */
    public static Backend open(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        List<Probe> probes = new ArrayList<>();
        if (n.equals("auto")) {
            for (BackendProvider p : providers()) {
                Probe probe = safeProbe(p);
                probes.add(probe);
                if (probe.available() && p.autoSelectable()) {
                    return p.open();
                }
            }
            throw new BackendUnavailableException("auto",
                    "no backend is available; probed:" + describe(probes), probes);
        }
        if (!KNOWN.contains(n)) {
            throw new IllegalArgumentException("backend '" + name + "' is unknown; choose one of auto, "
                    + String.join(", ", KNOWN));
        }
        // Only the providers of this name are probed (for their priority among themselves): opening cpu loads no
        // OpenCL or CUDA driver. The others are probed only to describe a failure.
        List<BackendProvider> all = loaded();
        for (BackendProvider p : sorted(all.stream().filter(q -> q.name().equals(n)).toList())) {
            Probe probe = safeProbe(p);
            if (!probe.available()) {
                for (BackendProvider q : sorted(all)) {
                    probes.add(q == p ? probe : safeProbe(q));
                }
                throw new BackendUnavailableException(n, "backend '" + n + "' cannot start: "
                        + probe.detail() + "; probed:" + describe(probes), probes);
            }
            return p.open();
        }
        for (BackendProvider q : sorted(all)) {
            probes.add(safeProbe(q));
        }
        throw new BackendUnavailableException(n, "backend '" + n + "' is not on the class path (module cnn4j-backend-"
                + (n.equals("reference") ? "cpu" : n) + " is missing or does not provide it yet); probed:"
                + describe(probes), probes);
    }

    private static Probe safeProbe(BackendProvider p) {
        try {
            Probe probe = p.probe();
            return probe != null ? probe : Probe.unavailable(p.name(), "probe returned nothing");
        } catch (RuntimeException | LinkageError e) {
            return Probe.unavailable(p.name(), "probe failed: " + e);
        }
    }

    private static String describe(List<Probe> probes) {
        if (probes.isEmpty()) {
            return " no providers on the class path";
        }
        StringBuilder sb = new StringBuilder();
        for (Probe p : probes) {
            sb.append("\n  ").append(p);
        }
        return sb.toString();
    }
}
