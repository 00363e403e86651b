package org.cnn4j.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.cnn4j.core.BackendUnavailableException;
import org.cnn4j.core.DeviceMemoryException;
import org.cnn4j.core.KernelCompileException;
import org.cnn4j.core.NativeCallException;
import org.cnn4j.core.Probe;
import org.cnn4j.core.Shape;
import org.cnn4j.core.Tensor;
import org.cnn4j.kernels.host.KernelSource;
import org.cnn4j.ops.Fill;
import org.junit.jupiter.api.Test;
import org.lwjgl.PointerBuffer;
import org.lwjgl.opencl.CL10;
import org.lwjgl.system.MemoryStack;

/** Errors with names: status names, build logs, out-of-memory, an unavailable device with its reason. */
class OpenClErrorsTest {
    @Test
    void everyStatusHasItsName() {
        assertEquals("CL_OUT_OF_RESOURCES", ClStatus.name(-5));
        assertEquals("CL_INVALID_KERNEL_ARGS", ClStatus.name(-52));
        assertEquals("CL_MEM_OBJECT_ALLOCATION_FAILURE", ClStatus.name(-4));
        assertEquals("CL_BUILD_PROGRAM_FAILURE", ClStatus.name(-11));
        assertEquals("CL_PLATFORM_NOT_FOUND_KHR", ClStatus.name(-1001));
        assertEquals("CL_UNKNOWN_ERROR_-4242", ClStatus.name(-4242));
        Set<String> names = new HashSet<>();
        for (int code = -72; code <= 0; code++) {
            if (code > -30 && code < -19) {
                continue; // codes -20..-29 are unassigned in cl.h
            }
            String n = ClStatus.name(code);
            assertFalse(n.startsWith("CL_UNKNOWN"), "code " + code + " has no name");
            assertTrue(names.add(n), "name " + n + " is used twice");
        }
        NativeCallException e = assertThrows(NativeCallException.class,
                () -> ClStatus.check(-5, "clEnqueueNDRangeKernel", "gemm_f32"));
        assertEquals("CL_OUT_OF_RESOURCES", e.status());
        assertEquals("clEnqueueNDRangeKernel", e.function());
        assertEquals(-5, e.code());
        assertTrue(e.getMessage().contains("gemm_f32"), e.getMessage());
    }

    @Test
    void aRealDriverErrorArrivesWithItsName() {
        try (OpenClBackend cl = OpenClTestSupport.open()) {
            // a kernel whose arguments were never set: the driver refuses the launch
            String source = "__kernel void unset_args(__global float* y, const int n) { if (get_global_id(0) < n)"
                    + " y[get_global_id(0)] = 1.0f; }";
            long program = cl.build("unset_args test", source);
            NativeCallException e;
            try (MemoryStack stack = MemoryStack.stackPush()) {
                long kernel = CL10.clCreateKernel(program, "unset_args", stack.mallocInt(1));
                try {
                    PointerBuffer global = stack.mallocPointer(1).put(0, 64);
                    e = assertThrows(NativeCallException.class, () -> ClStatus.check(
                            CL10.clEnqueueNDRangeKernel(cl.queue(), kernel, 1, null, global, null, null, null),
                            "clEnqueueNDRangeKernel", "unset_args"));
                } finally {
                    CL10.clReleaseKernel(kernel);
                }
            }
            assertEquals("CL_INVALID_KERNEL_ARGS", e.status(), e.getMessage());
            assertEquals("OpenCL", e.library());
            cl.synchronize();
        }
    }

    @Test
    void aBrokenKernelReportsItsBuildLog() {
        try (OpenClBackend cl = OpenClTestSupport.open()) {
            String broken = KernelSource.resource("prelude_opencl.h")
                    + "\nKERNEL void broken_f32(GLOBAL float* y) { y[0] = undeclared_variable_xyz; }\n";
            KernelCompileException e = assertThrows(KernelCompileException.class,
                    () -> cl.build("broken.k", broken));
            assertTrue(e.buildLog().contains("undeclared_variable_xyz"), e.buildLog());
            assertTrue(e.getMessage().contains("CL_BUILD_PROGRAM_FAILURE"), e.getMessage());
            assertTrue(e.kernel().startsWith("broken.k"), e.kernel());
            // the backend still works after the failed build
            try (Tensor t = cl.allocate(Shape.of(3))) {
                cl.execute(new Fill.Run(new Fill(2), t));
                assertArrayEquals(new float[] {2, 2, 2}, t.toFloatArray());
            }
        }
    }

    @Test
    void everyPortableKernelBuilds() {
        try (OpenClBackend cl = OpenClTestSupport.open()) {
            for (String stem : new String[] {"activation", "batchnorm", "conv2d", "dropout", "elementwise", "gemm",
                "loss", "pool2d", "reduce", "softmax", "upsample", "concat"}) {
                long p = cl.build(stem + ".k", KernelSource.Dialect.OPENCL.source(stem));
                // built once per context: the same source and options give the cached program
                assertEquals(p, cl.build(stem + ".k", KernelSource.Dialect.OPENCL.source(stem)));
            }
        }
    }

    @Test
    void theMemoryLimitIsTheDevicesGlobalMemory() {
        try (OpenClBackend cl = OpenClTestSupport.open()) {
            assertEquals(cl.deviceInfo().globalMemBytes(), cl.memoryLimit());
        }
    }

    @Test
    void theMemoryLimitPropertyLowersTheLimitAndIsCheckedBeforeAnyNativeCall() {
        String key = "cnn4j.opencl.memoryLimit";
        System.setProperty(key, "1m");
        try (OpenClBackend cl = OpenClTestSupport.open()) {
            assertEquals(1L << 20, cl.memoryLimit());
            long created = cl.buffersCreated();
            try (Tensor a = cl.allocate(Shape.of(200_000))) {
                DeviceMemoryException e = assertThrows(DeviceMemoryException.class,
                        () -> cl.allocate(Shape.of(100_000)));
                assertTrue(e.getMessage().contains(key), e.getMessage());
                assertEquals((1L << 20) - 800_000, e.freeBytes());
                assertEquals(1, cl.liveTensors());
                assertEquals(created + 1, cl.buffersCreated());
            }
            try (Tensor t = cl.allocate(Shape.of(2, 2))) {
                assertArrayEquals(new float[4], t.toFloatArray());
            }
        } finally {
            System.clearProperty(key);
        }
    }

    @Test
    void closedTensorsReturnTheirBuffersToThePool() {
        try (OpenClBackend cl = OpenClTestSupport.open()) {
            Tensor a = cl.allocate(Shape.of(1000));
            long mem = OpenClBackend.mem(a);
            a.copyFrom(new float[1000]);
            a.close();
            assertEquals(4000, cl.pooledBytes());
            try (Tensor b = cl.allocate(Shape.of(10, 100))) {
                assertEquals(mem, OpenClBackend.mem(b), "same size, same buffer");
                assertEquals(0, cl.pooledBytes());
                assertArrayEquals(new float[1000], b.toFloatArray(), "a reused buffer is zeroed");
                assertEquals(1, cl.liveTensors());
                assertEquals(4000, cl.liveBytes());
            }
            assertEquals(0, cl.liveTensors());
        }
    }

    @Test
    void aSelectorMatchingNoDeviceIsUnavailableWithTheDevicesFound() {
        OpenClTestSupport.requireDevice();
        Probe p = OpenClProvider.find("no-such-device-xyz").probe();
        assertFalse(p.available());
        assertTrue(p.detail().contains("no-such-device-xyz"), p.detail());
        assertTrue(p.detail().contains("devices found: #0"), p.detail());
        Probe q = OpenClProvider.find("999").probe();
        assertFalse(q.available());
        assertTrue(q.detail().contains("out of range"), q.detail());
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> OpenClBackend.open("no-such-device-xyz"));
        assertTrue(e.getMessage().contains("no-such-device-xyz"), e.getMessage());
    }

    @Test
    void theProviderReadsTheSelectorProperty() {
        OpenClTestSupport.requireDevice();
        String old = System.getProperty(OpenClDevices.DEVICE_PROPERTY);
        System.setProperty(OpenClDevices.DEVICE_PROPERTY, "bogus-selector-123");
        try {
            OpenClProvider provider = new OpenClProvider();
            Probe p = provider.probe();
            assertFalse(p.available());
            assertTrue(p.detail().contains("bogus-selector-123"), p.detail());
            assertThrows(BackendUnavailableException.class, provider::open);
        } finally {
            if (old == null) {
                System.clearProperty(OpenClDevices.DEVICE_PROPERTY);
            } else {
                System.setProperty(OpenClDevices.DEVICE_PROPERTY, old);
            }
        }
    }

    @Test
    void theProbeFindsTheDeviceAndSelectsByIndexOrName() {
        Probe p = OpenClTestSupport.requireDevice();
        assertTrue(p.available());
        var devices = OpenClDevices.list();
        OpenClDevices.Device first = devices.get(0);
        assertEquals(first, OpenClDevices.select(devices, "0").device());
        String part = first.name().substring(0, Math.min(6, first.name().length())).toUpperCase();
        assertEquals(first, OpenClDevices.select(devices, part).device());
        OpenClProvider provider = new OpenClProvider();
        assertEquals(provider.probe().detail().contains("(GPU,") ? 300 : 150, provider.priority());
    }

    @Test
    void closingTheBackendReleasesOpenTensors() {
        OpenClBackend cl = OpenClTestSupport.open();
        Tensor t = cl.allocate(Shape.of(5));
        cl.close();
        assertThrows(IllegalStateException.class, () -> cl.allocate(Shape.of(1)));
        t.close(); // after the backend: nothing left to free, no error
        cl.close();
    }
}
