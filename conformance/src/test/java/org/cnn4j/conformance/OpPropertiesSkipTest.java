package org.cnn4j.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import org.cnn4j.core.Backend;
import org.cnn4j.core.BackendUnavailableException;
import org.cnn4j.core.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The jqwik properties of a backend that cannot start here do not pass: they are skipped with the reason, and
 * they fail where {@code -Dcnn4j.require} lists the backend. Runs jqwik on {@link Absent} through the JUnit
 * Platform launcher and reads the summary.
 */
class OpPropertiesSkipTest {
    /** The properties of a backend that is never available. */
    public static final class Absent extends OpProperties {
        @Override
        protected Backend open() {
            throw new BackendUnavailableException("nosuch", "backend 'nosuch' cannot start: no such device",
                    List.of());
        }
    }

    static TestExecutionSummary run() {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(Absent.class))
                .configurationParameter("jqwik.database", "target/jqwik-skip-test-database")
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        return listener.getSummary();
    }

    @Test
    void anUnavailableBackendSkipsItsPropertiesAndPassesNone() {
        String before = System.clearProperty(Requirements.PROPERTY);
        try {
            TestExecutionSummary s = run();
            assertEquals(0, s.getTestsSucceededCount(), "properties passed without running");
            assertEquals(0, s.getTotalFailureCount(), () -> "failures: " + s.getFailures());
            assertTrue(s.getContainersSkippedCount() + s.getTestsSkippedCount() > 0, "nothing was reported skipped");
        } finally {
            if (before != null) {
                System.setProperty(Requirements.PROPERTY, before);
            }
        }
    }

    @Test
    void anUnavailableBackendThatIsRequiredFailsItsProperties() {
        String before = System.setProperty(Requirements.PROPERTY, "opencl,nosuch");
        try {
            TestExecutionSummary s = run();
            assertEquals(0, s.getTestsSucceededCount(), "properties passed without running");
            assertTrue(s.getTotalFailureCount() > 0, "a required backend that is missing failed nothing");
            String first = s.getFailures().getFirst().getException().getMessage();
            assertTrue(first.contains("nosuch") && first.contains("no such device"), first);
        } finally {
            if (before != null) {
                System.setProperty(Requirements.PROPERTY, before);
            } else {
                System.clearProperty(Requirements.PROPERTY);
            }
        }
    }
}
