package org.cnn4j.distributed;

import java.util.function.LongConsumer;
import org.cnn4j.core.Tensor;

/**
 * What the NCCL group needs from a device backend: its tensors' device addresses and its stream, on which
 * collectives are queued in order with the backend's own work.
 */
interface DeviceAccess {
    /** Whether {@code t} lives in this backend's device memory. */
    boolean owns(Tensor t);

    /** The device address of {@code t}'s first element. */
    long pointer(Tensor t);

    /** Runs {@code call} with the backend's device current on this thread, passing its stream's address. */
    void onStream(LongConsumer call);

    /** The backend, for messages. */
    String describe();
}
