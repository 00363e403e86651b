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
 * <p>The driver, cuBLAS and NVRTC are required (NVRTC compiles the project's own kernels, which several operators
 * always need). cuDNN is optional: without it, its operators run on the own kernels.
 */
final class CudaRuntime {
    final CudaDriver driver;
    final Cublas cublas;
    final Cudnn cudnn;
    final Nvrtc nvrtc;
    /** {@code "NVRTC <major>.<minor>"}, part of every PTX cache key. */
    final String nvrtcVersion;
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
            int device, int ccMajor, int ccMinor, String description, String driverLibrary) {
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
            String versionText = "driver API " + driverVersion / 1000 + "." + driverVersion % 1000 / 10;
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
            if (cublasSearch.loaded().isEmpty()) {
                return new Discovery(null, name + " found, but cuBLAS is missing: " + cublasSearch.describe());
            }
            notes.addAll(libraries.openCompanions(cublasSearch.loaded().get()));
            Cublas cublas = new Cublas(cublasSearch.loaded().get().symbols());

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
            if (nvrtcSearch.loaded().isEmpty()) {
                return new Discovery(null, name + " found, but NVRTC (needed to compile the project's kernels) is"
                        + " missing: " + nvrtcSearch.describe());
            }
            notes.addAll(libraries.openCompanions(nvrtcSearch.loaded().get()));
            Nvrtc nvrtc;
            String nvrtcVersion;
            try {
                nvrtc = new Nvrtc(nvrtcSearch.loaded().get().symbols());
                int[] v = nvrtc.version();
                nvrtcVersion = "NVRTC " + v[0] + "." + v[1];
                notes.add(nvrtcVersion);
            } catch (RuntimeException e) {
                return new Discovery(null, name + " found, but NVRTC (needed to compile the project's kernels) is"
                        + " unusable: " + nvrtcSearch.describe() + "; " + e.getMessage());
            }
            String description = name + " (compute capability " + ccMajor + "." + ccMinor + ", "
                    + total / (1024 * 1024) + " MiB, " + versionText + ", " + count + " device(s)); "
                    + String.join("; ", notes);
            return new Discovery(new CudaRuntime(driver, cublas, cudnn, nvrtc, nvrtcVersion, device, ccMajor,
                    ccMinor, description, cudaSearch.loaded().get().where()), description);
        } catch (RuntimeException | LinkageError e) {
            notes.add("discovery failed: " + e);
            return new Discovery(null, String.join("; ", notes));
        }
    }
}
