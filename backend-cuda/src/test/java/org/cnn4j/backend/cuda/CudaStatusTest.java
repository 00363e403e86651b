package org.cnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Map;
import org.cnn4j.core.NativeCallException;
import org.junit.jupiter.api.Test;

/** The status tables and the check helper, without any library. */
class CudaStatusTest {
    @Test
    void cuResultNamesTheCodesTheBackendMeets() {
        assertEquals("CUDA_SUCCESS", CudaStatus.cuResult(0));
        assertEquals("CUDA_ERROR_INVALID_VALUE", CudaStatus.cuResult(1));
        assertEquals("CUDA_ERROR_OUT_OF_MEMORY", CudaStatus.cuResult(2));
        assertEquals("CUDA_ERROR_NOT_INITIALIZED", CudaStatus.cuResult(3));
        assertEquals("CUDA_ERROR_STUB_LIBRARY", CudaStatus.cuResult(34));
        assertEquals("CUDA_ERROR_NO_DEVICE", CudaStatus.cuResult(100));
        assertEquals("CUDA_ERROR_INVALID_PTX", CudaStatus.cuResult(218));
        assertEquals("CUDA_ERROR_NOT_FOUND", CudaStatus.cuResult(500));
        assertEquals("CUDA_ERROR_ILLEGAL_ADDRESS", CudaStatus.cuResult(700));
        assertEquals("CUDA_ERROR_LAUNCH_FAILED", CudaStatus.cuResult(719));
        assertEquals("CUDA_ERROR_UNKNOWN", CudaStatus.cuResult(999));
        assertEquals("CUDA_ERROR_UNKNOWN_STATUS_12345", CudaStatus.cuResult(12345));
        assertTrue(CudaStatus.CU_RESULT.size() >= 100, "the full CUresult table");
    }

    @Test
    void nvrtcAndCublasNames() {
        assertEquals("NVRTC_ERROR_COMPILATION", CudaStatus.nvrtcResult(6));
        assertEquals("NVRTC_ERROR_INVALID_OPTION", CudaStatus.nvrtcResult(5));
        assertEquals("NVRTC_ERROR_UNKNOWN_STATUS_99", CudaStatus.nvrtcResult(99));
        assertEquals("CUBLAS_STATUS_ALLOC_FAILED", CudaStatus.cublasStatus(3));
        assertEquals("CUBLAS_STATUS_INVALID_VALUE", CudaStatus.cublasStatus(7));
        assertEquals("CUBLAS_STATUS_EXECUTION_FAILED", CudaStatus.cublasStatus(13));
        assertEquals("CUBLAS_STATUS_NOT_SUPPORTED", CudaStatus.cublasStatus(15));
    }

    @Test
    void cudnnNumberingFollowsTheMajor() {
        assertEquals("CUDNN_STATUS_BAD_PARAM", CudaStatus.cudnnStatus(9, 2000));
        assertEquals("CUDNN_STATUS_BAD_PARAM", CudaStatus.cudnnStatus(8, 3));
        assertEquals("CUDNN_STATUS_NOT_SUPPORTED", CudaStatus.cudnnStatus(9, 3000));
        assertEquals("CUDNN_STATUS_NOT_SUPPORTED", CudaStatus.cudnnStatus(8, 9));
        assertEquals("CUDNN_STATUS_EXECUTION_FAILED", CudaStatus.cudnnStatus(9, 5000));
        assertEquals("CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED", CudaStatus.cudnnStatus(9, 4004));
        assertEquals("CUDNN_STATUS_ALLOC_FAILED", CudaStatus.cudnnStatus(8, 2));
        assertEquals("CUDNN_STATUS_UNKNOWN_STATUS_3", CudaStatus.cudnnStatus(9, 3));
        assertEquals("CUDNN_STATUS_SUCCESS", CudaStatus.cudnnStatus(9, 0));
    }

    @Test
    void everyTableHasDistinctPrefixedNamesAndSuccessAtZero() {
        check(CudaStatus.CU_RESULT, "CUDA_", "CUDA_SUCCESS");
        check(CudaStatus.NVRTC_RESULT, "NVRTC_", "NVRTC_SUCCESS");
        check(CudaStatus.CUBLAS_STATUS, "CUBLAS_STATUS_", "CUBLAS_STATUS_SUCCESS");
        check(CudaStatus.CUDNN9_STATUS, "CUDNN_STATUS_", "CUDNN_STATUS_SUCCESS");
        check(CudaStatus.CUDNN8_STATUS, "CUDNN_STATUS_", "CUDNN_STATUS_SUCCESS");
    }

    private static void check(Map<Integer, String> table, String prefix, String success) {
        assertEquals(success, table.get(0));
        assertEquals(table.size(), new HashSet<>(table.values()).size(), "duplicate names in " + prefix);
        for (String n : table.values()) {
            assertTrue(n.startsWith(prefix), n);
        }
    }

    @Test
    void outOfMemoryStatusesAreRecognised() {
        assertTrue(CudaStatus.isOutOfMemory(CudaStatus.cuResult(2)));
        assertTrue(CudaStatus.isOutOfMemory(CudaStatus.cublasStatus(3)));
        assertTrue(CudaStatus.isOutOfMemory(CudaStatus.cudnnStatus(9, 4004)));
        assertTrue(CudaStatus.isOutOfMemory(CudaStatus.cudnnStatus(8, 2)));
        assertTrue(!CudaStatus.isOutOfMemory(CudaStatus.cuResult(700)));
    }

    @Test
    void checkPassesSuccessAndNamesFailures() {
        Native.check("cuda", "cuMemAlloc_v2", 0, CudaStatus::cuResult, null);
        NativeCallException e = assertThrows(NativeCallException.class,
                () -> Native.check("cuda", "cuLaunchKernel", 700, CudaStatus::cuResult, "conv2d_nchw_f32"));
        assertEquals("cuda", e.library());
        assertEquals("cuLaunchKernel", e.function());
        assertEquals(700, e.code());
        assertEquals("CUDA_ERROR_ILLEGAL_ADDRESS", e.status());
        assertEquals("cuda: cuLaunchKernel failed with CUDA_ERROR_ILLEGAL_ADDRESS (700): conv2d_nchw_f32",
                e.getMessage());
        NativeCallException d = assertThrows(NativeCallException.class,
                () -> Native.check("cudnn", "cudnnConvolutionForward", 3000, c -> CudaStatus.cudnnStatus(9, c),
                        null));
        assertEquals("CUDNN_STATUS_NOT_SUPPORTED", d.status());
        assertEquals("cudnn: cudnnConvolutionForward failed with CUDNN_STATUS_NOT_SUPPORTED (3000)", d.getMessage());
    }

    @Test
    void algoPerfLayoutMatchesTheCStruct() {
        assertEquals(48, Cudnn.ALGO_PERF.byteSize());
    }
}
