package org.cnn4j.spi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Keeps the JVM's signal handlers in place across calls into native drivers.
 *
 * <p>HotSpot takes SIGSEGV, SIGBUS, SIGFPE and SIGILL in normal operation (implicit null checks, safepoint
 * polls), SIGUSR2 to suspend threads, SIGQUIT for thread dumps and SIGINT/SIGTERM/SIGHUP for shutdown hooks. LLVM,
 * which PoCL (and NVRTC) load, installs its own crash handlers for those signals when it starts, with
 * {@code SA_RESETHAND}: the next null check the JIT compiled lands in LLVM's handler, which puts the previous
 * handler back and returns; when two Java threads take such a signal at once, the second one meets the default
 * action and the JVM dies with "Segmentation fault", without an {@code hs_err} file. (Seen on PoCL 3.1 with LLVM
 * 15: a cpu-backend run in a JVM that had only probed OpenCL crashed this way; {@code -Xcheck:jni} reports
 * "SIGSEGV handler modified" from {@code libLLVM-15.so.1}.)
 *
 * <p>Backends therefore run the native calls that can load or start such a library (loading the library, finding
 * platforms and devices, creating contexts, compiling programs) through {@link #preserving}, which afterwards
 * puts back every disposition that changed since this class was first used, before the backend loaded anything.
 * Linux only (the {@code struct sigaction} is copied back as raw bytes, never interpreted); elsewhere, or where
 * {@code sigaction} cannot be found, {@link #preserving} only runs the action and {@link #active()} says so.
 */
public final class SignalHandlers {
    /** {@code -Dcnn4j.signals.restore=false} leaves the drivers' handlers in place (for debugging a driver). */
    public static final String PROPERTY = "cnn4j.signals.restore";
    /** Signals 1 to 31; SIGKILL (9) and SIGSTOP (19) cannot be caught and are left out. */
    private static final int MAX_SIGNAL = 31;
    /** At least {@code sizeof(struct sigaction)} (152 bytes with glibc on x86-64 and aarch64, 140 with musl). */
    private static final int SIGACTION_BYTES = 256;
    private static final String[] NAMES = {"", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
        "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
        "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ",
        "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};

    private static final MethodHandle SIGACTION = find();
    private static final boolean RESTORE = !"false".equals(System.getProperty(PROPERTY));
    /** The dispositions when this class was initialised, indexed by signal; null where not read. */
    private static final MemorySegment[] SAVED = snapshot();

    private SignalHandlers() {
    }

    /** Whether dispositions are saved and restored here (Linux with a C library that has {@code sigaction}). */
    public static boolean active() {
        return SAVED != null && RESTORE;
    }

    /** Runs {@code action}, then puts back every signal disposition that changed since this class was loaded. */
    public static <T> T preserving(Supplier<T> action) {
        try {
            return action.get();
        } finally {
            restore();
        }
    }

    /** {@link #preserving(Supplier)} for an action without a result. */
    public static void preserving(Runnable action) {
        preserving(() -> {
            action.run();
            return null;
        });
    }

    /**
     * Puts back every disposition that differs from the saved one (handler or flags).
     *
     * @return the names of the signals put back, for logs and tests
     */
    public static synchronized List<String> restore() {
        List<String> restored = new ArrayList<>();
        if (!active()) {
            return restored;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment now = arena.allocate(SIGACTION_BYTES, 8);
            for (int sig = 1; sig <= MAX_SIGNAL; sig++) {
                MemorySegment saved = SAVED[sig];
                if (saved == null) {
                    continue;
                }
                now.fill((byte) 0);
                if (call(sig, MemorySegment.NULL, now) != 0) {
                    continue;
                }
                if (differs(saved, now) && call(sig, saved, MemorySegment.NULL) == 0) {
                    restored.add(NAMES[sig]);
                }
            }
        }
        return restored;
    }

    /** Calls {@code sigaction(signal, act, old)} with raw {@code struct sigaction} buffers; for tests. */
    static int sigaction(int signal, MemorySegment act, MemorySegment old) {
        return call(signal, act, old);
    }

    /** The handler address of {@code signal} now ({@code 0}: default, {@code 1}: ignored), if it can be read. */
    public static Optional<Long> handlerAddress(int signal) {
        if (SIGACTION == null || signal < 1 || signal > MAX_SIGNAL) {
            return Optional.empty();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment now = arena.allocate(SIGACTION_BYTES, 8);
            return call(signal, MemorySegment.NULL, now) == 0 ? Optional.of(now.get(JAVA_LONG, 0))
                    : Optional.empty();
        }
    }

    /** The signal's name ({@code SIGSEGV}), or its number. */
    public static String name(int signal) {
        return signal >= 1 && signal < NAMES.length ? NAMES[signal] : Integer.toString(signal);
    }

    /** SA_RESTORER, which the C library adds to every disposition it sets: not a difference. */
    private static final int SA_RESTORER = 0x04000000;

    // The handler pointer is the first field and sa_flags follows the 128-byte mask in glibc's layout (and in
    // musl's); comparing the handler alone would miss a handler re-registered with other flags.
    private static boolean differs(MemorySegment a, MemorySegment b) {
        return a.get(JAVA_LONG, 0) != b.get(JAVA_LONG, 0)
                || ((a.get(JAVA_INT, 136) ^ b.get(JAVA_INT, 136)) & ~SA_RESTORER) != 0;
    }

    private static MemorySegment[] snapshot() {
        if (SIGACTION == null) {
            return null;
        }
        MemorySegment[] saved = new MemorySegment[MAX_SIGNAL + 1];
        Arena arena = Arena.global();
        for (int sig = 1; sig <= MAX_SIGNAL; sig++) {
            if (sig == 9 || sig == 19) {
                continue;
            }
            MemorySegment s = arena.allocate(SIGACTION_BYTES, 8);
            if (call(sig, MemorySegment.NULL, s) == 0) {
                saved[sig] = s;
            }
        }
        return saved;
    }

    private static int call(int sig, MemorySegment act, MemorySegment old) {
        try {
            return (int) SIGACTION.invokeExact(sig, act, old);
        } catch (Throwable e) {
            throw new IllegalStateException("sigaction(" + name(sig) + ") failed: " + e, e);
        }
    }

    private static MethodHandle find() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return null;
        }
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("sigaction")
                    .map(addr -> linker.downcallHandle(addr, FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS,
                            ADDRESS)))
                    .orElse(null);
        } catch (RuntimeException | LinkageError e) { // no native access granted: nothing to guard with
            return null;
        }
    }
}
