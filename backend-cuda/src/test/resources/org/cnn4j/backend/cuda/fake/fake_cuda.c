/*
 * A fake CUDA driver for tests on machines without a GPU: the symbols the backend binds, with "device" memory
 * in host memory (malloc), copies as memcpy, every stream synchronous. Build with -DDEVICES=0 or 1.
 * It checks the Java bindings' argument order and types for real through the foreign-function API; it computes
 * nothing a GPU would. Modules: the "PTX" from the fake NVRTC carries the program's source, so
 * cuModuleGetFunction finds an entry only where the source declares "KERNEL void <name>("; cuLaunchKernel checks
 * the function, the geometry, the stream and the parameter array, counts the launch and runs nothing.
 * Images: the fake NVRTC's PTX and "cubins" (text behind a "// cubin" line; -DREFUSE_CUBIN refuses those with
 * CUDA_ERROR_NO_BINARY_FOR_GPU, as a driver older than the compiler may) and real fatbins from nvcc (uncompressed:
 * an entry is found by its ".entry <name>(" in the PTX inside).
 * Graphs: between cuStreamBeginCapture_v2 and cuStreamEndCapture, launches and copies become nodes (copies are
 * still done at once, this being host memory); a stream synchronization or a copy to the host fails there with
 * CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, as in the real driver; cuGraphLaunch counts the graph's launch nodes as
 * launches. Every graph call is appended to a log (fake_cuda_graph_log) for the tests to check the order.
 * Events complete at once (every stream is synchronous).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#ifndef DEVICES
#define DEVICES 1
#endif
#define CAPACITY ((size_t) 64 << 20)

typedef unsigned long long CUdeviceptr;
static size_t used;

int cuInit(unsigned flags) { return flags == 0 ? 0 : 1; }
int cuDriverGetVersion(int *v) { *v = 13000; return 0; }
int cuDeviceGetCount(int *c) { *c = DEVICES; return 0; }
int cuDeviceGet(int *d, int ordinal) { if (ordinal >= DEVICES) return 101; *d = ordinal; return 0; }
int cuDeviceGetName(char *name, int len, int dev) { strncpy(name, "Fake GPU", (size_t) len); return 0; }
int cuDeviceGetAttribute(int *v, int attr, int dev) { *v = attr == 75 ? 9 : 0; return 0; }
int cuDeviceTotalMem_v2(size_t *bytes, int dev) { *bytes = (size_t) 1 << 30; return 0; }
static int retained;
static int retains;
static int set_current_calls;
/* The context current on the calling thread, as the real driver keeps it: work without one fails. */
static __thread void *current;
#define NEED_CONTEXT if (current != (void *) 0x1000) return 201 /* CUDA_ERROR_INVALID_CONTEXT */
int cuDevicePrimaryCtxRetain(void **ctx, int dev) { *ctx = (void *) 0x1000; retained++; retains++; return 0; }
int cuDevicePrimaryCtxRelease_v2(int dev) { retained--; return 0; }
static int streams;
int fake_cuda_held(void) { return retained + streams; }
int fake_cuda_streams(void) { return streams; }
int fake_cuda_retains(void) { return retains; }
int fake_cuda_set_current_calls(void) { return set_current_calls; }
int cuCtxSetCurrent(void *ctx) {
    set_current_calls++;
    if (ctx != (void *) 0x1000) return 201;
    current = ctx;
    return 0;
}
int cuStreamCreate(void **s, unsigned flags) { NEED_CONTEXT; *s = (void *) 0x2000; streams++; return flags == 1 ? 0 : 1; }
int cuStreamDestroy_v2(void *s) { NEED_CONTEXT; streams--; return s == (void *) 0x2000 ? 0 : 400; }
static int capturing;
static int capture_mode;
static long captured_launches;
static long captured_nodes;
static char graph_log[8192];
const char *fake_cuda_graph_log(void) { return graph_log; }
static void glog(const char *what) {
    size_t n = strlen(graph_log);
    snprintf(graph_log + n, sizeof graph_log - n, "%s%s", n ? " " : "", what);
}
#define CAPTURE_UNSUPPORTED 900
/*
 * The stream-order calls, one letter each, for the tests to check where a step waits: L a kernel launch, H a
 * host-to-device copy, D a device-to-host copy, S a stream synchronization, E an event synchronization.
 */
static char call_log[1 << 20];
static size_t call_len;
const char *fake_cuda_call_log(void) { call_log[call_len] = 0; return call_log; }
void fake_cuda_call_log_reset(void) { call_len = 0; }
static void call_note(char c) { if (call_len + 1 < sizeof call_log) call_log[call_len++] = c; }
static int syncs;
int fake_cuda_syncs(void) { return syncs; }
int cuStreamSynchronize(void *s) {
    NEED_CONTEXT;
    if (capturing) return CAPTURE_UNSUPPORTED;
    syncs++;
    call_note('S');
    return s == (void *) 0x2000 ? 0 : 400;
}
typedef struct {
    long launches;
    long nodes;
} fake_graph;
static long graph_launches;
long fake_cuda_graph_launches(void) { return graph_launches; }
int cuStreamBeginCapture_v2(void *s, int mode) {
    NEED_CONTEXT;
    if (s != (void *) 0x2000) return 400;
    if (capturing) return CAPTURE_UNSUPPORTED;
    capturing = 1;
    capture_mode = mode;
    captured_launches = 0;
    captured_nodes = 0;
    char b[32];
    snprintf(b, sizeof b, "begin(mode %d)", mode);
    glog(b);
    return 0;
}
int cuStreamEndCapture(void *s, void **g) {
    NEED_CONTEXT;
    if (!capturing) return 1;
    capturing = 0;
    fake_graph *fg = calloc(1, sizeof(fake_graph));
    fg->launches = captured_launches;
    fg->nodes = captured_nodes;
    *g = fg;
    char b[64];
    snprintf(b, sizeof b, "end(%ld launches)", captured_launches);
    glog(b);
    return 0;
}
int cuGraphInstantiateWithFlags(void **e, void *g, unsigned long long flags) {
    if (g == NULL || flags != 0) return 1;
    fake_graph *x = malloc(sizeof(fake_graph));
    *x = *(fake_graph *) g;
    *e = x;
    glog("instantiate");
    return 0;
}
static long launches;
int cuGraphLaunch(void *e, void *s) {
    NEED_CONTEXT;
    if (e == NULL || s != (void *) 0x2000) return 400;
    if (capturing) return CAPTURE_UNSUPPORTED;
    launches += ((fake_graph *) e)->launches;
    graph_launches++;
    glog("launch");
    return 0;
}
int cuGraphExecDestroy(void *e) { free(e); glog("exec-destroy"); return 0; }
int cuGraphDestroy(void *g) { free(g); glog("destroy"); return 0; }
static int event_syncs;
int fake_cuda_event_syncs(void) { return event_syncs; }
int cuEventCreate(void **e, unsigned flags) { NEED_CONTEXT; *e = malloc(8); return flags == 2 ? 0 : 1; }
int cuEventRecord(void *e, void *s) { NEED_CONTEXT; return e && s == (void *) 0x2000 ? 0 : 400; }
int cuEventQuery(void *e) { return e ? 0 : 400; }
int cuEventSynchronize(void *e) { event_syncs++; call_note('E'); return e ? 0 : 400; }
int cuEventDestroy_v2(void *e) { free(e); return 0; }
int cuMemAlloc_v2(CUdeviceptr *p, size_t bytes) {
    NEED_CONTEXT;
    if (capturing && capture_mode != 2) return CAPTURE_UNSUPPORTED; /* unsafe unless relaxed */
    if (used + bytes > CAPACITY) return 2;
    size_t *block = malloc(bytes + 16);
    block[0] = bytes;
    used += bytes;
    *p = (CUdeviceptr) (block + 2);
    return 0;
}
int cuMemFree_v2(CUdeviceptr p) {
    NEED_CONTEXT;
    size_t *block = ((size_t *) p) - 2; used -= block[0]; free(block); return 0; }
int cuMemAllocHost_v2(void **p, size_t bytes) { NEED_CONTEXT; *p = malloc(bytes); return 0; }
int cuMemFreeHost(void *p) { free(p); return 0; }
int cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t n, void *s) { NEED_CONTEXT; captured_nodes += capturing; if (!capturing) call_note('H'); memcpy((void *) dst, src, n); return 0; }
int cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t n, void *s) { NEED_CONTEXT; if (capturing) return CAPTURE_UNSUPPORTED; call_note('D'); memcpy(dst, (void *) src, n); return 0; }
int cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t n, void *s) {
    NEED_CONTEXT;
    memmove((void *) dst, (void *) src, n);
    return 0;
}
int cuMemsetD32Async(CUdeviceptr dst, unsigned v, size_t n, void *s) {
    NEED_CONTEXT;
    uint32_t *p = (uint32_t *) dst;
    for (size_t i = 0; i < n; i++) p[i] = v;
    return 0;
}
int cuMemGetInfo_v2(size_t *free_bytes, size_t *total) { NEED_CONTEXT; *free_bytes = CAPACITY - used; *total = CAPACITY; return 0; }
typedef struct {
    char *image;
    size_t size;
    int functions;
} fake_module;
static int cubins;
static int fatbins;
static int refused;
int fake_cuda_cubins(void) { return cubins; }
int fake_cuda_fatbins(void) { return fatbins; }
int fake_cuda_refused(void) { return refused; }
#define FATBIN_MAGIC 0xBA55ED50u
typedef struct {
    fake_module *module;
    char name[128];
} fake_function;
static int modules;
int fake_cuda_modules(void) { return modules; }
long fake_cuda_launches(void) { return launches; }

int cuModuleLoadData(void **m, const void *image) {
    NEED_CONTEXT;
    const char *text = (const char *) image;
    if (text == NULL || text[0] == 0) return 200; /* CUDA_ERROR_INVALID_IMAGE */
    fake_module *mod = calloc(1, sizeof(fake_module));
    uint32_t magic;
    memcpy(&magic, image, 4);
    if (magic == FATBIN_MAGIC) {
        uint16_t header;
        uint64_t body;
        memcpy(&header, (const char *) image + 6, 2);
        memcpy(&body, (const char *) image + 8, 8);
        mod->size = header + body;
        mod->image = malloc(mod->size);
        memcpy(mod->image, image, mod->size);
        fatbins++;
    } else {
        if (strncmp(text, "// cubin\n", 9) == 0) {
#ifdef REFUSE_CUBIN
            free(mod);
            refused++;
            return 209; /* CUDA_ERROR_NO_BINARY_FOR_GPU */
#endif
            cubins++;
        }
        mod->image = strdup(text);
        mod->size = strlen(text);
    }
    modules++;
    *m = mod;
    return 0;
}
int cuModuleUnload(void *m) {
    fake_module *mod = (fake_module *) m;
    if (mod == NULL) return 400; /* CUDA_ERROR_INVALID_HANDLE */
    free(mod->image);
    free(mod);
    modules--;
    return 0;
}
int cuModuleGetFunction(void **f, void *m, const char *name) {
    fake_module *mod = (fake_module *) m;
    if (mod == NULL) return 400;
    char decl[200];
    snprintf(decl, sizeof decl, "KERNEL void %s(", name);
    char entry[200];
    snprintf(entry, sizeof entry, ".entry %s(", name);
    if (strlen(name) >= 128 || (memmem(mod->image, mod->size, decl, strlen(decl)) == NULL
                                && memmem(mod->image, mod->size, entry, strlen(entry)) == NULL)) {
        return 500; /* CUDA_ERROR_NOT_FOUND */
    }
    fake_function *fn = calloc(1, sizeof(fake_function));
    fn->module = mod;
    strcpy(fn->name, name);
    mod->functions++;
    *f = fn;
    return 0;
}
int cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                   unsigned shared, void *s, void **params, void **extra) {
    NEED_CONTEXT;
    fake_function *fn = (fake_function *) f;
    if (fn == NULL || fn->module == NULL) return 400;
    if (s != (void *) 0x2000) return 400;
    if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0) return 1; /* CUDA_ERROR_INVALID_VALUE */
    if ((unsigned long) bx * by * bz > 1024 || gy > 65535 || gz > 65535) return 1;
    if (params == NULL || extra != NULL || shared != 0) return 1;
    if (capturing) {
        captured_launches++;
        captured_nodes++;
        return 0;
    }
    launches++;
    call_note('L');
    return 0;
}
int cuGetErrorName(int e, const char **s) { *s = "CUDA_ERROR_FAKE"; return 0; }
