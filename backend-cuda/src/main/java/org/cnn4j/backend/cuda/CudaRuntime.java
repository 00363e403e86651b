package org.cnn4j.backend.cuda;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.cnn4j.backend.cuda.CudaLibraries.Lib;
import org.cnn4j.backend.cuda.CudaLibraries.Search;

/**
 * The loaded CUDA libraries and the device they found: what {@link CudaProvider#probe()} reports and what a
 * {@link CudaBackend} is opened from. {@link #discover} never throws: every failure (a missing library, a missing
 * symbol, {@code cuInit} failing, no device) becomes the {@link Discovery#report()} of an unavailable runtime.
 *
 * <p>Only the driver is required. NVRTC compiles the project's own kernels; without it the prebuilt kernels in
 * the jar ({@link PrebuiltKernels}, compute capability 9.0 and newer) serve. cuBLAS and cuDNN are optional:
 * without them, their operators run on the own kernels (gemm.k for cuBLAS's).
 */
final class CudaRuntime {
    final CudaDriver driver;
    final Cublas cublas;
    final Cudnn cudnn;
    /** Null without NVRTC: the kernels then come from {@link #prebuilt}. */
    final Nvrtc nvrtc;
    /** {@code "NVRTC <major>.<minor>"}, part of every PTX cache key; empty without NVRTC. */
    final String nvrtcVersion;
    /** The kernels shipped in the jar, used where NVRTC is absent; null when NVRTC is there. */
    final PrebuiltKernels prebuilt;
    final int device;
    final int ccMajor;
    final int ccMinor;
    final String description;
    private final Primary primary;

    /**
     * A device's primary context in this process: retained once, on the first backend's open, and kept until
     * the process ends (releasing the last reference would destroy the context, and with it every module and
     * allocation, only for the next backend to pay for a new one), and which threads have it current. One per
     * driver library and device, shared by every provider and runtime that discovery makes.
     */
    static final class Primary {
        private final CudaDriver driver;
        private final int device;
        private MemorySegment context;
        private final ThreadLocal<MemorySegment> currentOnThread = new ThreadLocal<>();

        Primary(CudaDriver driver, int device) {
            this.driver = driver;
            this.device = device;
        }

        /** The primary context, retained on the first call. */
        synchronized MemorySegment context() {
            if (context == null) {
                context = driver.retainPrimaryContext(device);
            }
            return context;
        }

        /**
         * Makes the primary context current on the calling thread: {@code cuCtxSetCurrent} the first time a thread
         * enters, nothing after (no other code in the process changes this driver's current context).
         */
        void makeCurrent() {
            MemorySegment c = context();
            if (currentOnThread.get() != c) {
                driver.setCurrent(c);
                currentOnThread.set(c);
            }
        }
    }

    private static final java.util.Map<String, Primary> PRIMARIES = new java.util.concurrent.ConcurrentHashMap<>();

    private CudaRuntime(CudaDriver driver, Cublas cublas, Cudnn cudnn, Nvrtc nvrtc, String nvrtcVersion,
            PrebuiltKernels prebuilt, int device, int ccMajor, int ccMinor, String description,
            String driverLibrary) {
        this.prebuilt = prebuilt;
        this.driver = driver;
        this.cublas = cublas;
        this.cudnn = cudnn;
        this.nvrtc = nvrtc;
        this.nvrtcVersion = nvrtcVersion;
        this.device = device;
        this.ccMajor = ccMajor;
        this.ccMinor = ccMinor;
        this.description = description;
        this.primary = PRIMARIES.computeIfAbsent(driverLibrary + "#" + device, k -> new Primary(driver, device));
    }

    /** The device's primary context, retained once per process (see {@link Primary}). */
    MemorySegment primaryContext() {
        return primary.context();
    }

    /** Makes the primary context current on this thread, once per thread. */
    void makeCurrent() {
        primary.makeCurrent();
    }

    /** The outcome of discovery: a runtime (null when unavailable) and the account of what was found. */
    record Discovery(CudaRuntime runtime, String report) {
        boolean available() {
            return runtime != null;
        }
    }

    /** {@code 13000} as {@code "13.0"}. */
    static String cudaVersion(int driverVersion) {
        return driverVersion / 1000 + "." + driverVersion % 1000 / 10;
    }

    /**
     * NVRTC's and the driver's versions side by side, and what follows: the kernels are compiled to cubins for
     * the device, which load on any driver of the same major, with PTX as the fallback; PTX from an NVRTC newer
     * than the driver would not load ({@code CUDA_ERROR_UNSUPPORTED_PTX_VERSION}).
     */
    static String versions(int driverVersion, int[] nvrtc, int ccMajor, int ccMinor) {
        String v = "versions: driver CUDA " + cudaVersion(driverVersion) + ", NVRTC " + nvrtc[0] + "." + nvrtc[1]
                + "; kernels as sm_" + ccMajor + ccMinor + " cubins (compute_" + ccMajor + ccMinor
                + " PTX if one is refused)";
        int nvrtcCode = nvrtc[0] * 1000 + nvrtc[1] * 10;
        if (nvrtcCode > driverVersion) {
            v += "; NVRTC is newer than the driver: its PTX would not load, its cubins do";
        }
        return v;
    }

    static Discovery discover(CudaLibraries libraries) {
        List<String> notes = new ArrayList<>();
        try {
            Search cudaSearch = libraries.load(Lib.CUDA);
            if (cudaSearch.loaded().isEmpty()) {
                return new Discovery(null, "no CUDA driver: " + cudaSearch.describe());
            }
            CudaDriver driver = new CudaDriver(cudaSearch.loaded().get().symbols());
            notes.add(cudaSearch.describe());
            try {
                driver.init();
            } catch (RuntimeException e) {
                return new Discovery(null, cudaSearch.describe() + "; " + e.getMessage());
            }
            int driverVersion = driver.driverVersion();
            int count = driver.deviceCount();
            String versionText = "driver API " + cudaVersion(driverVersion);
            if (count == 0) {
                return new Discovery(null, cudaSearch.describe() + "; " + versionText + "; 0 CUDA devices");
            }
            int device = driver.device(0);
            String name = driver.deviceName(device);
            int ccMajor = driver.attribute(device, CudaDriver.ATTR_CC_MAJOR);
            int ccMinor = driver.attribute(device, CudaDriver.ATTR_CC_MINOR);
            long total = driver.totalMemory(device);

            Search cublasSearch = libraries.load(Lib.CUBLAS);
            notes.add(cublasSearch.describe());
            Cublas cublas = null;
            if (cublasSearch.loaded().isPresent()) {
                notes.addAll(libraries.openCompanions(cublasSearch.loaded().get()));
                try {
                    cublas = new Cublas(cublasSearch.loaded().get().symbols());
                } catch (RuntimeException e) {
                    notes.add("cuBLAS unusable: " + e.getMessage());
                }
            }
            if (cublas == null) {
                notes.add("cuBLAS absent: GEMM, the fully connected layer, add, scale and axpy run on the own kernels");
            }

            Cudnn cudnn = null;
            Search cudnnSearch = libraries.load(Lib.CUDNN);
            notes.add(cudnnSearch.describe());
            if (cudnnSearch.loaded().isPresent()) {
                notes.addAll(libraries.openCompanions(cudnnSearch.loaded().get()));
                try {
                    cudnn = new Cudnn(cudnnSearch.loaded().get().symbols(), cudnnSearch.loaded().get().major());
                    notes.add("cuDNN " + cudnn.version());
                } catch (RuntimeException e) {
                    notes.add("cuDNN unusable: " + e.getMessage());
                }
            }
            Search nvrtcSearch = libraries.load(Lib.NVRTC);
            notes.add(nvrtcSearch.describe());
            Nvrtc nvrtc = null;
            String nvrtcVersion = "";
            String nvrtcProblem = null;
            if (nvrtcSearch.loaded().isPresent()) {
                notes.addAll(libraries.openCompanions(nvrtcSearch.loaded().get()));
                try {
                    nvrtc = new Nvrtc(nvrtcSearch.loaded().get().symbols());
                    int[] v = nvrtc.version();
                    nvrtcVersion = "NVRTC " + v[0] + "." + v[1];
                    notes.add(nvrtcVersion);
                    notes.add(versions(driverVersion, v, ccMajor, ccMinor));
                } catch (RuntimeException e) {
                    nvrtc = null;
                    nvrtcProblem = "unusable: " + nvrtcSearch.describe() + "; " + e.getMessage();
                }
            } else {
                nvrtcProblem = "missing: " + nvrtcSearch.describe();
            }
            PrebuiltKernels prebuilt = null;
            if (nvrtc == null) {
                prebuilt = PrebuiltKernels.load();
                String why = name + " found, but NVRTC (which compiles the project's kernels) is " + nvrtcProblem;
                if (prebuilt == null) {
                    return new Discovery(null, why + "; and this jar carries no prebuilt kernels");
                }
                if (!PrebuiltKernels.runsOn(ccMajor, ccMinor)) {
                    return new Discovery(null, why + "; and the prebuilt kernels need compute capability "
                            + PrebuiltKernels.CC_MAJOR + "." + PrebuiltKernels.CC_MINOR + " or newer, this device has "
                            + ccMajor + "." + ccMinor);
                }
                notes.add("NVRTC absent: " + prebuilt.describe() + ", driver CUDA " + cudaVersion(driverVersion));
            }
            String description = name + " (compute capability " + ccMajor + "." + ccMinor + ", "
                    + total / (1024 * 1024) + " MiB, " + versionText + ", " + count + " device(s)); "
                    + String.join("; ", notes);
            return new Discovery(new CudaRuntime(driver, cublas, cudnn, nvrtc, nvrtcVersion, prebuilt, device,
                    ccMajor, ccMinor, description, cudaSearch.loaded().get().where()), description);
        } catch (RuntimeException | LinkageError e) {
            notes.add("discovery failed: " + e);
            return new Discovery(null, String.join("; ", notes));
        }
    }
}
