package org.cnn4j.backend.opencl;

import static org.lwjgl.opencl.CL10.CL_DEVICE_GLOBAL_MEM_SIZE;
import static org.lwjgl.opencl.CL10.CL_DEVICE_MAX_COMPUTE_UNITS;
import static org.lwjgl.opencl.CL10.CL_DEVICE_MAX_MEM_ALLOC_SIZE;
import static org.lwjgl.opencl.CL10.CL_DEVICE_MAX_WORK_GROUP_SIZE;
import static org.lwjgl.opencl.CL10.CL_DEVICE_NAME;
import static org.lwjgl.opencl.CL10.CL_DEVICE_NOT_FOUND;
import static org.lwjgl.opencl.CL10.CL_DEVICE_TYPE;
import static org.lwjgl.opencl.CL10.CL_DEVICE_TYPE_ALL;
import static org.lwjgl.opencl.CL10.CL_DEVICE_TYPE_GPU;
import static org.lwjgl.opencl.CL10.CL_DEVICE_VERSION;
import static org.lwjgl.opencl.CL10.CL_PLATFORM_NAME;
import static org.lwjgl.opencl.CL10.clGetDeviceIDs;
import static org.lwjgl.opencl.CL10.clGetDeviceInfo;
import static org.lwjgl.opencl.CL10.clGetPlatformIDs;
import static org.lwjgl.opencl.CL10.clGetPlatformInfo;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.cnn4j.spi.SignalHandlers;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;

/**
 * Finds the OpenCL platforms and devices and picks one: {@code -Dcnn4j.opencl.device=<index or name substring>}
 * (index into {@link #list()}'s order; a substring matches the device or platform name, case-insensitive),
 * otherwise the GPU with the most compute units, otherwise the first device.
 */
final class OpenClDevices {
    /** The system property that chooses a device. */
    static final String DEVICE_PROPERTY = "cnn4j.opencl.device";

    private OpenClDevices() {
    }

    /** One device as found. */
    record Device(int index, long platform, long id, String platformName, String name, String version, boolean gpu,
            int computeUnits, long globalMemBytes, long maxAllocBytes, long maxWorkGroupSize) {
        String describe() {
            return name + " (" + (gpu ? "GPU" : "non-GPU") + ", " + platformName + ", " + version + ", "
                    + computeUnits + " compute units, " + (globalMemBytes >> 20) + " MiB)";
        }
    }

    /** The outcome of a selection: a device, or why there is none. */
    record Selection(Device device, String reason) {
        boolean found() {
            return device != null;
        }
    }

    /**
     * Every device of every platform. Loads libOpenCL on first use; throws the loader's error when the library
     * is absent (callers that must not throw catch it).
     */
    static List<Device> list() {
        LwjglSetup.apply();
        // The first call loads the ICD loader and the drivers (PoCL starts LLVM, which takes over the JVM's signals).
        return SignalHandlers.preserving(OpenClDevices::listDevices);
    }

    private static List<Device> listDevices() {
        List<Device> out = new ArrayList<>();
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer count = stack.mallocInt(1);
            int status = clGetPlatformIDs(null, count);
            if (status == -1001) { // CL_PLATFORM_NOT_FOUND_KHR: the ICD loader found no platform
                return out;
            }
            ClStatus.check(status, "clGetPlatformIDs");
            int np = count.get(0);
            if (np == 0) {
                return out;
            }
            PointerBuffer platforms = stack.mallocPointer(np);
            ClStatus.check(clGetPlatformIDs(platforms, (IntBuffer) null), "clGetPlatformIDs");
            for (int p = 0; p < np; p++) {
                long platform = platforms.get(p);
                String pname = platformString(platform, CL_PLATFORM_NAME);
                IntBuffer nd = stack.mallocInt(1);
                status = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, null, nd);
                if (status == CL_DEVICE_NOT_FOUND || (status == 0 && nd.get(0) == 0)) {
                    continue;
                }
                ClStatus.check(status, "clGetDeviceIDs");
                PointerBuffer devices = stack.mallocPointer(nd.get(0));
                ClStatus.check(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, devices, (IntBuffer) null),
                        "clGetDeviceIDs");
                for (int d = 0; d < nd.get(0); d++) {
                    long dev = devices.get(d);
                    long type = deviceLong(dev, CL_DEVICE_TYPE);
                    out.add(new Device(out.size(), platform, dev, pname, deviceString(dev, CL_DEVICE_NAME),
                            deviceString(dev, CL_DEVICE_VERSION), (type & CL_DEVICE_TYPE_GPU) != 0,
                            deviceInt(dev, CL_DEVICE_MAX_COMPUTE_UNITS), deviceLong(dev, CL_DEVICE_GLOBAL_MEM_SIZE),
                            deviceLong(dev, CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                            devicePointer(dev, CL_DEVICE_MAX_WORK_GROUP_SIZE)));
                }
            }
        }
        return out;
    }

    /** Work-items per work-group the kernels use (gemm's 16 x 16, the reductions' 256). */
    static final int MIN_WORK_GROUP = 256;

    /** Picks a device by {@code selector} (null or blank: automatic). */
    static Selection select(List<Device> devices, String selector) {
        Selection s = pick(devices, selector);
        if (s.found() && s.device().maxWorkGroupSize() < MIN_WORK_GROUP) {
            return new Selection(null, "OpenCL device " + s.device().describe() + " allows work-groups of "
                    + s.device().maxWorkGroupSize() + " work-items; the kernels need " + MIN_WORK_GROUP
                    + " (choose another with -D" + DEVICE_PROPERTY + "; devices found: " + names(devices) + ")");
        }
        return s;
    }

    private static Selection pick(List<Device> devices, String selector) {
        if (devices.isEmpty()) {
            String vendors = System.getenv("OCL_ICD_VENDORS");
            return new Selection(null, "libOpenCL loaded, but the ICD loader reports no platform with a device"
                    + " (it reads " + (vendors != null ? "OCL_ICD_VENDORS=" + vendors : "/etc/OpenCL/vendors/*.icd")
                    + "; install an ICD such as pocl-opencl-icd, or a GPU driver's)");
        }
        if (selector != null && !selector.isBlank()) {
            String s = selector.trim();
            if (s.chars().allMatch(Character::isDigit)) {
                int i = Integer.parseInt(s);
                if (i < devices.size()) {
                    return new Selection(devices.get(i), null);
                }
                return new Selection(null, "-D" + DEVICE_PROPERTY + "=" + s + " is out of range; devices found: "
                        + names(devices));
            }
            String needle = s.toLowerCase(Locale.ROOT);
            for (Device d : devices) {
                if (d.name().toLowerCase(Locale.ROOT).contains(needle)
                        || d.platformName().toLowerCase(Locale.ROOT).contains(needle)) {
                    return new Selection(d, null);
                }
            }
            return new Selection(null, "no OpenCL device matches -D" + DEVICE_PROPERTY + "=" + s
                    + "; devices found: " + names(devices));
        }
        Device best = null;
        for (Device d : devices) {
            if (d.gpu() && d.maxWorkGroupSize() >= MIN_WORK_GROUP && (best == null || d.computeUnits() > best.computeUnits())) {
                best = d;
            }
        }
        return new Selection(best != null ? best : devices.get(0), null);
    }

    static String names(List<Device> devices) {
        StringBuilder b = new StringBuilder();
        for (Device d : devices) {
            b.append(b.isEmpty() ? "" : "; ").append('#').append(d.index()).append(' ').append(d.describe());
        }
        return b.toString();
    }

    private static String platformString(long platform, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            ClStatus.check(clGetPlatformInfo(platform, param, (ByteBuffer) null, size), "clGetPlatformInfo");
            ByteBuffer buf = stack.malloc((int) size.get(0));
            ClStatus.check(clGetPlatformInfo(platform, param, buf, null), "clGetPlatformInfo");
            return cString(buf);
        }
    }

    static String deviceString(long device, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            ClStatus.check(clGetDeviceInfo(device, param, (ByteBuffer) null, size), "clGetDeviceInfo");
            ByteBuffer buf = stack.malloc((int) size.get(0));
            ClStatus.check(clGetDeviceInfo(device, param, buf, null), "clGetDeviceInfo");
            return cString(buf);
        }
    }

    private static long deviceLong(long device, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            LongBuffer v = stack.mallocLong(1);
            ClStatus.check(clGetDeviceInfo(device, param, v, null), "clGetDeviceInfo");
            return v.get(0);
        }
    }

    private static int deviceInt(long device, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer v = stack.mallocInt(1);
            ClStatus.check(clGetDeviceInfo(device, param, v, null), "clGetDeviceInfo");
            return v.get(0);
        }
    }

    private static long devicePointer(long device, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer v = stack.mallocPointer(1);
            ClStatus.check(clGetDeviceInfo(device, param, v, null), "clGetDeviceInfo");
            return v.get(0);
        }
    }

    private static String cString(ByteBuffer buf) {
        int n = buf.remaining();
        byte[] bytes = new byte[n];
        buf.get(bytes);
        int end = 0;
        while (end < n && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8).trim();
    }
}
