/*
 * A fake cuDNN 9 for tests without a GPU: descriptors are counted host objects, algorithm queries return a
 * crafted list, and the compute functions return success without computing. It checks the binding's symbols,
 * the algorithm-performance struct layout and the status detail, not any result.
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

static int live;

size_t cudnnGetVersion(void) { return 90100; }
const char *cudnnGetErrorString(int status) { return status == 2000 ? "CUDNN_STATUS_BAD_PARAM: fake detail" : "fake"; }
int cudnnCreate(void **h) { *h = (void *) 0x4000; return 0; }
int cudnnDestroy(void *h) { return 0; }
int cudnnSetStream(void *h, void *s) { return s == (void *) 0x2000 ? 0 : 2000; }

static int create(void **d) { *d = malloc(16); live++; return 0; }
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
int cudnnSetConvolutionMathType(void *d, int m) { return m == 0 || m == 3 ? 0 : 2000; }
int cudnnSetPooling2dDescriptor(void *d, int mode, int nan, int kh, int kw, int ph, int pw, int sh, int sw) {
    return nan == 1 && kh > 0 && kw > 0 ? 0 : 2000;
}
int cudnnSetActivationDescriptor(void *d, int mode, int nan, double coef) { return nan == 1 ? 0 : 2000; }

static int algos(int requested, int *returned, perf *p) {
    if (requested < 3) return 2000;
    perf list[3] = {{6, 0, 0.1f, (size_t) 1 << 40, 1, 3, {0}}, {1, 3000, 0.2f, 0, 1, 3, {0}},
                    {2, 0, 0.3f, 1024, 1, 3, {0}}};
    for (int i = 0; i < 3; i++) p[i] = list[i];
    *returned = 3;
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

int cudnnConvolutionForward() { return 0; }
int cudnnConvolutionBackwardData() { return 0; }
int cudnnConvolutionBackwardFilter() { return 0; }
int cudnnConvolutionBackwardBias() { return 0; }
int cudnnAddTensor() { return 0; }
int cudnnPoolingForward() { return 0; }
int cudnnPoolingBackward() { return 0; }
int cudnnActivationForward() { return 0; }
int cudnnActivationBackward() { return 0; }
int cudnnSoftmaxForward() { return 0; }
int cudnnSoftmaxBackward() { return 0; }
int cudnnBatchNormalizationForwardTraining() { return 0; }
int cudnnBatchNormalizationForwardInference() { return 0; }
int cudnnBatchNormalizationBackward() { return 0; }
