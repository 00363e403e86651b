package org.cnn4j.backend.opencl;

import java.util.stream.Stream;
import org.cnn4j.conformance.ConformanceSuite;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * The cross-backend conformance suite on the OpenCL backend (PoCL in CI), the split-sized cases included. Without an
 * OpenCL device every case is skipped with the reason (the suite turns the backend's
 * {@code BackendUnavailableException} into skips); with {@code -Dcnn4j.require=opencl} it fails instead.
 */
class OpenClConformanceTest {
    /**
     * The column buffer of {@link #convolutionsInChunks}, in floats: most convolutions of the suite need more per
     * image (one image a chunk), the small ones fit two to a few images (a short last chunk).
     */
    static final int CHUNK_FLOATS = 1500;

    @TestFactory
    Stream<DynamicNode> conformance() {
        if (OpenClTestSupport.required()) {
            OpenClTestSupport.requireDevice();
        }
        return ConformanceSuite.tests(OpenClBackend::open);
    }

    /**
     * The convolutions of the suite again with the im2col columns limited to {@value #CHUNK_FLOATS} floats, so that
     * they run image chunk by image chunk: the offsets of later chunks and a short last one.
     */
    @TestFactory
    Stream<DynamicNode> convolutionsInChunks() {
        if (OpenClTestSupport.required()) {
            OpenClTestSupport.requireDevice();
        }
        return ConformanceSuite.tests("chunked-columns", () -> {
            OpenClBackend b = OpenClBackend.open();
            b.colLimitFloats(CHUNK_FLOATS);
            return b;
        }, c -> c.family().equals("Conv2d"));
    }

    /** Faults planted in this backend's results must be caught. */
    @TestFactory
    Stream<DynamicNode> plantedFaultsAreCaught() {
        if (OpenClTestSupport.required()) {
            OpenClTestSupport.requireDevice();
        }
        return ConformanceSuite.plantedFaultTests(OpenClBackend::open);
    }
}
