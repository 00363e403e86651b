package org.cnn4j.core;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What this machine must have: {@code -Dcnn4j.require=opencl,cuda,cudnn,nvcc,nvrtc,torch,mpi} (a comma-separated
 * list; {@code all} for everything), or the environment variable {@code CNN4J_REQUIRE} with the same list when the
 * property is not set (so a CI script can require without changing the build command). A test that needs something missing is skipped with the reason, unless the
 * something is required here, when it fails: so CI on a machine that has PoCL runs with {@code
 * -Dcnn4j.require=opencl} and goes red if the OpenCL tests stop running, and the GPU machine with {@code
 * cuda,cudnn}. The one place the flag is parsed.
 */
public final class Requirements {
    /** The system property. */
    public static final String PROPERTY = "cnn4j.require";
    /** The environment variable, read when the property is not set. */
    public static final String ENV = "CNN4J_REQUIRE";

    private Requirements() {
    }

    /** The names listed in {@value #PROPERTY}, lower case. */
    public static Set<String> listed() {
        return parse(setting());
    }

    /** The names in a comma-separated list, trimmed, lower case, empty ones dropped. */
    static Set<String> parse(String list) {
        return Arrays.stream(list.split(","))
                .map(s -> s.trim().toLowerCase(Locale.ROOT))
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    /** The list as set: the property, else the environment variable, else empty. */
    public static String setting() {
        return setting(System.getProperty(PROPERTY), System.getenv(ENV));
    }

    /** The property's value if set, else the environment's, else empty. */
    static String setting(String property, String environment) {
        return property != null ? property : environment != null ? environment : "";
    }

    /** True when {@code what} (a backend or library name, e.g. {@code opencl}) must be present here. */
    public static boolean required(String what) {
        return required(listed(), what);
    }

    static boolean required(Set<String> listed, String what) {
        return listed.contains("all") || what != null && listed.contains(what.toLowerCase(Locale.ROOT));
    }

    /** How the list was set, for messages: {@code -Dcnn4j.require=opencl} or {@code CNN4J_REQUIRE=opencl}. */
    public static String describe() {
        return System.getProperty(PROPERTY) != null ? "-D" + PROPERTY + "=" + System.getProperty(PROPERTY)
                : ENV + "=" + setting();
    }

    /**
     * Throws an {@link AssertionError} saying {@code why} when {@code what} is required here, and returns
     * normally otherwise, so the caller can skip.
     */
    public static void failIfRequired(String what, String why) {
        if (required(what)) {
            throw new AssertionError(describe() + " but " + why);
        }
    }
}
