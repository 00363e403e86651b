package org.cnn4j.spi;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

class SignalHandlersTest {
    private static final int SIGWINCH = 28; // unused by the JVM; its default action is to ignore it

    @Test
    void aDispositionChangedByNativeCodeIsPutBack() {
        assumeTrue(SignalHandlers.active(), "sigaction is not reachable here (not Linux)");
        long before = SignalHandlers.handlerAddress(SIGWINCH).orElseThrow();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ignore = arena.allocate(256, 8);
            ignore.set(JAVA_LONG, 0, before == 1 ? 0 : 1); // SIG_IGN, or SIG_DFL if it was ignored already
            assertEquals(0, SignalHandlers.sigaction(SIGWINCH, ignore, MemorySegment.NULL));
        }
        assertTrue(SignalHandlers.handlerAddress(SIGWINCH).orElseThrow() != before);

        List<String> restored = SignalHandlers.preserving(SignalHandlers::restore);
        assertEquals(List.of("SIGWINCH"), restored);
        assertEquals(before, SignalHandlers.handlerAddress(SIGWINCH).orElseThrow());
        assertEquals(List.of(), SignalHandlers.restore(), "nothing left to put back");
    }

    @Test
    void theJvmsOwnHandlersAreLeftAlone() {
        assumeTrue(SignalHandlers.active(), "sigaction is not reachable here (not Linux)");
        // (With libjsig preloaded, as in the build, sigaction reports the handler chained behind the JVM's.)
        long segv = SignalHandlers.handlerAddress(11).orElseThrow();
        SignalHandlers.preserving(() -> { });
        assertEquals(segv, SignalHandlers.handlerAddress(11).orElseThrow());
        assertEquals("SIGSEGV", SignalHandlers.name(11));
        assertEquals("64", SignalHandlers.name(64));
    }
}
