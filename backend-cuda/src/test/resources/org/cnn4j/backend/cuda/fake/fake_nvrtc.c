/*
 * A fake NVRTC for tests without a GPU or CUDA toolkit: "compiles" by echoing, as PTX comments, the program
 * name, the include names and the options it was given, then the source itself (which the fake driver searches
 * for entry names); a source containing "#error" fails with NVRTC_ERROR_COMPILATION (6) and a log. It checks the
 * Java binding's marshalling for real. Compiled with -arch=sm_XX, nvrtcGetCUBIN gives the same text behind a
 * "// cubin" line (the fake driver can refuse those); for compute_XX there is no cubin. -DNVRTC_MINOR=n sets the
 * reported version 13.n.
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#ifndef NVRTC_MINOR
#define NVRTC_MINOR 0
#endif

typedef struct {
    char *source;
    char *ptx;
    char *log;
    int cubin;
} program;

int nvrtcVersion(int *major, int *minor) { *major = 13; *minor = NVRTC_MINOR; return 0; }

int nvrtcCreateProgram(program **prog, const char *src, const char *name, int numHeaders, const char *const *headers,
                       const char *const *includeNames) {
    program *p = calloc(1, sizeof(program));
    p->source = strdup(src);
    size_t n = strlen(name) + 64;
    for (int i = 0; i < numHeaders; i++) n += strlen(includeNames[i]) + strlen(headers[i]) + 16;
    p->ptx = malloc(n);
    sprintf(p->ptx, "// name %s\n", name);
    for (int i = 0; i < numHeaders; i++) {
        strcat(p->ptx, "// header ");
        strcat(p->ptx, includeNames[i]);
        strcat(p->ptx, "\n");
    }
    p->log = strdup("");
    *prog = p;
    return 0;
}

int nvrtcCompileProgram(program *p, int numOptions, const char *const *options) {
    if (strstr(p->source, "#error")) {
        free(p->log);
        p->log = strdup("fake.cu(1): error: #error directive: planted");
        return 6;
    }
    size_t n = strlen(p->ptx) + strlen(p->source) + 16;
    for (int i = 0; i < numOptions; i++) n += strlen(options[i]) + 16;
    char *out = malloc(n);
    strcpy(out, p->ptx);
    for (int i = 0; i < numOptions; i++) {
        if (strncmp(options[i], "-arch=sm_", 9) == 0) p->cubin = 1;
        strcat(out, "// option ");
        strcat(out, options[i]);
        strcat(out, "\n");
    }
    strcat(out, p->source);
    free(p->ptx);
    p->ptx = out;
    return 0;
}

int nvrtcGetPTXSize(program *p, size_t *size) { *size = strlen(p->ptx) + 1; return 0; }
int nvrtcGetPTX(program *p, char *ptx) { strcpy(ptx, p->ptx); return 0; }
#define CUBIN_HEADER "// cubin\n"
int nvrtcGetCUBINSize(program *p, size_t *size) {
    *size = p->cubin ? strlen(CUBIN_HEADER) + strlen(p->ptx) + 1 : 0;
    return 0;
}
int nvrtcGetCUBIN(program *p, char *cubin) {
    if (!p->cubin) return 3; /* NVRTC_ERROR_INVALID_INPUT */
    strcpy(cubin, CUBIN_HEADER);
    strcat(cubin, p->ptx);
    return 0;
}
int nvrtcGetProgramLogSize(program *p, size_t *size) { *size = strlen(p->log) + 1; return 0; }
int nvrtcGetProgramLog(program *p, char *log) { strcpy(log, p->log); return 0; }

int nvrtcDestroyProgram(program **prog) {
    if (prog == NULL || *prog == NULL) return 3;
    free((*prog)->source);
    free((*prog)->ptx);
    free((*prog)->log);
    free(*prog);
    *prog = NULL;
    return 0;
}
