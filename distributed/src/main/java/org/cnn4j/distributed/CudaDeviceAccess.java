package org.cnn4j.distributed;

import java.util.function.LongConsumer;
import org.cnn4j.backend.cuda.CudaBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Tensor;

/** The cuda backend's device pointers and stream, for NCCL. Loaded only when the backend is cuda. */
final class CudaDeviceAccess implements DeviceAccess {
    private final CudaBackend backend;

    private CudaDeviceAccess(CudaBackend backend) {
        this.backend = backend;
    }

    static DeviceAccess of(Backend backend) {
        if (!(backend instanceof CudaBackend cuda)) {
            throw new IllegalArgumentException("NCCL needs the cuda backend, got " + backend.name());
        }
        return new CudaDeviceAccess(cuda);
    }

    @Override
    public boolean owns(Tensor t) {
        return t.backend() == backend;
    }

    @Override
    public long pointer(Tensor t) {
        return backend.devicePointer(t);
    }

    @Override
    public void onStream(LongConsumer call) {
        backend.onStream(call);
    }

    @Override
    public String describe() {
        return backend.device();
    }
}
