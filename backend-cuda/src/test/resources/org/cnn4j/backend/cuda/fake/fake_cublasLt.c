/*
 * A fake libcublasLt for the load-order test: the fake cuBLAS built with -DNEEDS_LT links against it (an ELF
 * DT_NEEDED entry, no RUNPATH, like NVIDIA's libcublas.so.13), so it opens by path only when this library is
 * already loaded.
 */
int cublasLtGetVersion(void) { return 130100; }
