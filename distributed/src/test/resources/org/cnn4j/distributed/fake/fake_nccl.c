/*
 * A fake libnccl.so.2 for the binding's tests: one rank, "device" memory is host memory, the stream is an opaque
 * value. Every call is logged (fake_nccl_log) with its arguments, so the tests check argument order and types.
 * -DVERSION=n sets ncclGetVersion's answer; -DFAIL_ALLREDUCE makes ncclAllReduce return ncclInvalidUsage (5).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef VERSION
#define VERSION 22704
#endif

typedef struct { char internal[128]; } ncclUniqueId;
typedef struct fake_comm { int nranks; int rank; unsigned char id0; unsigned char id127; int destroyed; } *ncclComm_t;

static char log_buf[8192];

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#include <stdarg.h>
static void logf_(const char *fmt, ...) {
    size_t used = strlen(log_buf);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(log_buf + used, sizeof log_buf - used, fmt, ap);
    va_end(ap);
}

const char *fake_nccl_log(void) { return log_buf; }

static size_t type_size(int t) {
    switch (t) {
        case 0: case 1: return 1;
        case 2: case 3: return 4;
        case 4: case 5: return 8;
        case 6: case 9: return 2;
        case 7: return 4;
        case 8: return 8;
        default: return 0;
    }
}

const char *ncclGetErrorString(int result) {
    switch (result) {
        case 0: return "no error";
        case 4: return "invalid argument (fake)";
        case 5: return "invalid usage (fake)";
        default: return "unknown result (fake)";
    }
}

int ncclGetVersion(int *version) {
    if (!version) return 4;
    *version = VERSION;
    logf_("version ");
    return 0;
}

int ncclGetUniqueId(ncclUniqueId *id) {
    if (!id) return 4;
    for (int i = 0; i < 128; i++) id->internal[i] = (char) (i * 3 + 5);
    logf_("uniqueid ");
    return 0;
}

int ncclCommInitRank(ncclComm_t *comm, int nranks, ncclUniqueId id, int rank) {
    if (!comm || nranks != 1 || rank != 0) return 4;
    for (int i = 0; i < 128; i++) {
        if (id.internal[i] != (char) (i * 3 + 5)) { logf_("init(bad id byte %d) ", i); return 4; }
    }
    struct fake_comm *c = calloc(1, sizeof *c);
    c->nranks = nranks;
    c->rank = rank;
    *comm = c;
    logf_("init(nranks %d, rank %d) ", nranks, rank);
    return 0;
}

int ncclAllReduce(const void *send, void *recv, size_t count, int type, int op, ncclComm_t comm, void *stream) {
#ifdef FAIL_ALLREDUCE
    logf_("allreduce(failing) ");
    return 5;
#endif
    if (!comm || comm->destroyed || type_size(type) == 0 || op < 0 || op > 4) return 4;
    if (send != recv) memmove(recv, send, count * type_size(type));
    logf_("allreduce(%s, count %zu, type %d, op %d, stream %p) ", send == recv ? "in place" : "copy", count, type,
            op, stream);
    return 0;
}

int ncclBroadcast(const void *send, void *recv, size_t count, int type, int root, ncclComm_t comm, void *stream) {
    if (!comm || comm->destroyed || type_size(type) == 0 || root != 0) return 4;
    if (send != recv) memmove(recv, send, count * type_size(type));
    logf_("broadcast(%s, count %zu, type %d, root %d, stream %p) ", send == recv ? "in place" : "copy", count, type,
            root, stream);
    return 0;
}

int ncclAllGather(const void *send, void *recv, size_t count, int type, ncclComm_t comm, void *stream) {
    if (!comm || comm->destroyed || type_size(type) == 0) return 4;
    memmove(recv, send, count * type_size(type) * comm->nranks);
    logf_("allgather(count %zu, type %d, stream %p) ", count, type, stream);
    return 0;
}

int ncclCommDestroy(ncclComm_t comm) {
    if (!comm || comm->destroyed) return 4;
    comm->destroyed = 1;
    logf_("destroy ");
    return 0;
}

int ncclCommAbort(ncclComm_t comm) {
    if (!comm) return 4;
    comm->destroyed = 1;
    logf_("abort ");
    return 0;
}
