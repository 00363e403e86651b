package org.cnn4j.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicReference;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.ops.Activation;
import org.junit.jupiter.api.Test;

/**
 * An operator call that passed the open check, then waited for the backend while another thread closed it, fails
 * with "closed" instead of building a kernel in the released context (which crashed the JVM inside
 * {@code clCreateProgramWithSource}).
 */
class OpenClCloseRaceTest {
    @Test
    void aCallQueuedBehindCloseFailsCleanly() throws Exception {
        OpenClTestSupport.requireDevice();
        OpenClBackend be = OpenClBackend.open();
        Tensor x = be.fromArray(Shape.of(4), new float[] {-1, 0, 1, 2});
        Tensor y = be.allocate(Shape.of(4));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                be.execute(new Activation.Forward(Activation.relu(), x, y)); // its first call: builds a kernel
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        synchronized (be) { // the caller passes the open check, then waits here for the backend
            caller.start();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (caller.getState() != Thread.State.BLOCKED && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(Thread.State.BLOCKED, caller.getState(), "the caller never waited for the backend");
            be.close(); // this thread holds the monitor already: the context is released now
        }
        caller.join(30_000);
        assertInstanceOf(IllegalStateException.class, failure.get(), String.valueOf(failure.get()));
        assertTrue(failure.get().getMessage().contains("closed"), failure.get().getMessage());
    }
}
