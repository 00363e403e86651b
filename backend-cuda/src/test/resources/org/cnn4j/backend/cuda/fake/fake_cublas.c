/*
 * A fake cuBLAS for tests without a GPU: column-major loops with cuBLAS's argument order, on the fake driver's
 * host-memory "device" pointers. It checks the Java side's row-major-to-column-major mapping for real.
 */
int cublasCreate_v2(void **h) { *h = (void *) 0x3000; return 0; }
int cublasDestroy_v2(void *h) { return 0; }
#ifdef NEEDS_LT
int cublasLtGetVersion(void);
int cublasGetVersion_v2(void *h, int *v) { *v = cublasLtGetVersion(); return 0; }
#else
int cublasGetVersion_v2(void *h, int *v) { *v = 130000; return 0; }
#endif
#ifdef FAIL_SET_STREAM
int cublasSetStream_v2(void *h, void *s) { return 14; }
#else
int cublasSetStream_v2(void *h, void *s) { return s == (void *) 0x2000 ? 0 : 7; }
#endif
static int math_mode = -1;
int fake_cublas_math_mode(void) { return math_mode; }
int cublasSetMathMode(void *h, int mode) {
    math_mode = mode;
    return mode == 0 || mode == 2 || mode == 3 ? 0 : 7;
}

int cublasSgemm_v2(void *h, int ta, int tb, int m, int n, int k, const float *alpha, const float *a, int lda,
                   const float *b, int ldb, const float *beta, float *c, int ldc) {
    if (m < 0 || n < 0 || k < 0 || lda < (ta ? k : m) || ldb < (tb ? n : k) || ldc < m) return 7;
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int l = 0; l < k; l++) {
                float av = ta ? a[l + (long) i * lda] : a[i + (long) l * lda];
                float bv = tb ? b[j + (long) l * ldb] : b[l + (long) j * ldb];
                s += (double) av * bv;
            }
            float old = *beta == 0 ? 0 : *beta * c[i + (long) j * ldc];
            c[i + (long) j * ldc] = (float) (*alpha * s) + old;
        }
    }
    return 0;
}

int cublasSgeam(void *h, int ta, int tb, int m, int n, const float *alpha, const float *a, int lda,
                const float *beta, const float *b, int ldb, float *c, int ldc) {
    if (ta || tb || lda < m || ldb < m || ldc < m) return 7;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++)
            c[i + (long) j * ldc] = *alpha * a[i + (long) j * lda] + *beta * b[i + (long) j * ldb];
    return 0;
}

int cublasSaxpy_v2(void *h, int n, const float *alpha, const float *x, int incx, float *y, int incy) {
    for (int i = 0; i < n; i++) y[(long) i * incy] += *alpha * x[(long) i * incx];
    return 0;
}

int cublasSscal_v2(void *h, int n, const float *alpha, float *x, int incx) {
    for (int i = 0; i < n; i++) x[(long) i * incx] *= *alpha;
    return 0;
}
