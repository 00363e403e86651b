/*
 * A fake cuDNN 9 for tests without a GPU: descriptors are counted host objects, algorithm queries return a
 * crafted list, and the compute functions check a few arguments and return success without computing, except
 * that convolution forward with algorithm 2 fails with CUDNN_STATUS_NOT_SUPPORTED (for the fallback). Each
 * convolution call records the algorithm and the math type set on its descriptor. It checks the binding's
 * symbols, the algorithm-performance struct layout, the choice of algorithm and the status detail, not any
 * result.
 */
#include <stddef.h>
#include <stdlib.h>

typedef struct {
    int algo;
    int status;
    float time;
    size_t memory;
    int determinism;
    int mathType;
    int reserved[3];
} perf;

typedef struct {
    int math;
    int pad[3];
} desc;

static int live;
static int created;
static int attempts[3][16];
static int last_math = -1;
static size_t last_workspace;
static int last_pool_mode = -1;
static int pool_backward_calls;
int fake_cudnn_created(void) { return created; }
/* Calls of direction d (0 forward, 1 backward data, 2 backward filter) with algorithm a. */
int fake_cudnn_attempts(int d, int a) { return attempts[d][a & 15]; }
int fake_cudnn_last_math(void) { return last_math; }
long fake_cudnn_last_workspace(void) { return (long) last_workspace; }
int fake_cudnn_last_pool_mode(void) { return last_pool_mode; }
int fake_cudnn_pool_backward_calls(void) { return pool_backward_calls; }

size_t cudnnGetVersion(void) { return 90100; }
const char *cudnnGetErrorString(int status) { return status == 2000 ? "CUDNN_STATUS_BAD_PARAM: fake detail" : "fake"; }
int cudnnCreate(void **h) { *h = (void *) 0x4000; return 0; }
int cudnnDestroy(void *h) { return 0; }
int cudnnSetStream(void *h, void *s) { return s == (void *) 0x2000 ? 0 : 2000; }

static int create(void **d) { desc *x = calloc(1, sizeof(desc)); x->math = -1; *d = x; live++; created++; return 0; }
static int destroy(void *d) { free(d); live--; return 0; }
int fake_cudnn_live(void) { return live; }

int cudnnCreateTensorDescriptor(void **d) { return create(d); }
int cudnnDestroyTensorDescriptor(void *d) { return destroy(d); }
int cudnnCreateFilterDescriptor(void **d) { return create(d); }
int cudnnDestroyFilterDescriptor(void *d) { return destroy(d); }
int cudnnCreateConvolutionDescriptor(void **d) { return create(d); }
int cudnnDestroyConvolutionDescriptor(void *d) { return destroy(d); }
int cudnnCreatePoolingDescriptor(void **d) { return create(d); }
int cudnnDestroyPoolingDescriptor(void *d) { return destroy(d); }
int cudnnCreateActivationDescriptor(void **d) { return create(d); }
int cudnnDestroyActivationDescriptor(void *d) { return destroy(d); }

int cudnnSetTensor4dDescriptor(void *d, int format, int type, int n, int c, int h, int w) {
    return format == 0 && type == 0 && n > 0 && c > 0 && h > 0 && w > 0 ? 0 : 2000;
}
int cudnnSetFilter4dDescriptor(void *d, int type, int format, int k, int c, int h, int w) {
    return format == 0 && type == 0 && k > 0 && c > 0 && h > 0 && w > 0 ? 0 : 2000;
}
int cudnnSetConvolution2dDescriptor(void *d, int ph, int pw, int sh, int sw, int dh, int dw, int mode, int type) {
    return mode == 1 && type == 0 && sh > 0 && sw > 0 && dh > 0 && dw > 0 ? 0 : 2000;
}
int cudnnSetConvolutionGroupCount(void *d, int g) { return g > 0 ? 0 : 2000; }
int cudnnSetConvolutionMathType(void *d, int m) {
    if (m < 0 || m > 3) return 2000;
    ((desc *) d)->math = m;
    return 0;
}
int cudnnSetPooling2dDescriptor(void *d, int mode, int nan, int kh, int kw, int ph, int pw, int sh, int sw) {
    last_pool_mode = mode;
    return nan == 1 && kh > 0 && kw > 0 && mode >= 0 && mode <= 3 ? 0 : 2000;
}
int cudnnSetActivationDescriptor(void *d, int mode, int nan, double coef) { return nan == 1 ? 0 : 2000; }

/*
 * In heuristic order: too large; failed; not deterministic; 2^63 bytes (negative as a signed 64-bit value);
 * tensor-op math; FMA within the limit; default math within the limit.
 */
#define ALGOS 7
static int drop_last;
/* While set, the queries leave out the last entry (the only one that needs no workspace). */
int fake_cudnn_drop_last(int v) { drop_last = v; return 0; }
static int algos(int requested, int *returned, perf *p) {
    if (requested < ALGOS) return 2000;
    perf list[ALGOS] = {{6, 0, 0.1f, (size_t) 1 << 40, 1, 3, {0}}, {1, 3000, 0.2f, 0, 1, 3, {0}},
                        {0, 0, 0.3f, 0, 0, 3, {0}}, {5, 0, 0.4f, (size_t) 1 << 63, 1, 3, {0}},
                        {7, 0, 0.5f, 64, 1, 1, {0}}, {2, 0, 0.6f, 1024, 1, 3, {0}}, {4, 0, 0.7f, 0, 1, 0, {0}}};
    for (int i = 0; i < ALGOS; i++) p[i] = list[i];
    *returned = drop_last ? ALGOS - 1 : ALGOS;
    return 0;
}
int cudnnGetConvolutionForwardAlgorithm_v7(void *h, void *a, void *b, void *c, void *d, int n, int *r, perf *p) {
    return algos(n, r, p);
}
int cudnnGetConvolutionBackwardDataAlgorithm_v7(void *h, void *a, void *b, void *c, void *d, int n, int *r, perf *p) {
    return algos(n, r, p);
}
int cudnnGetConvolutionBackwardFilterAlgorithm_v7(void *h, void *a, void *b, void *c, void *d, int n, int *r,
                                                  perf *p) {
    return algos(n, r, p);
}

static int conv(int dir, void *cd, int algo, void *ws, size_t wsBytes) {
    attempts[dir][algo & 15]++;
    last_math = ((desc *) cd)->math;
    last_workspace = wsBytes;
    if (wsBytes > 0 && ws == NULL) return 2000;
    if (dir == 0 && algo == 2) return 3000; /* CUDNN_STATUS_NOT_SUPPORTED */
    return 0;
}
int cudnnConvolutionForward(void *h, const void *alpha, void *xd, const void *x, void *wd, const void *w, void *cd,
                            int algo, void *ws, size_t wsBytes, const void *beta, void *yd, void *y) {
    return conv(0, cd, algo, ws, wsBytes);
}
int cudnnConvolutionBackwardData(void *h, const void *alpha, void *wd, const void *w, void *dyd, const void *dy,
                                 void *cd, int algo, void *ws, size_t wsBytes, const void *beta, void *dxd, void *dx) {
    return conv(1, cd, algo, ws, wsBytes);
}
int cudnnConvolutionBackwardFilter(void *h, const void *alpha, void *xd, const void *x, void *dyd, const void *dy,
                                   void *cd, int algo, void *ws, size_t wsBytes, const void *beta, void *dwd,
                                   void *dw) {
    return conv(2, cd, algo, ws, wsBytes);
}
int cudnnConvolutionBackwardBias() { return 0; }
int cudnnAddTensor() { return 0; }
int cudnnPoolingForward() { return 0; }
int cudnnPoolingBackward() { pool_backward_calls++; return 0; }
int cudnnActivationForward() { return 0; }
int cudnnSoftmaxForward() { return 0; }
int cudnnSoftmaxBackward() { return 0; }
int cudnnBatchNormalizationForwardTraining() { return 0; }
int cudnnBatchNormalizationForwardInference() { return 0; }
int cudnnBatchNormalizationBackward() { return 0; }
