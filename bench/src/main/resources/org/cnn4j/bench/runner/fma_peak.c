/*
 * fma_peak.c: the float32 multiply-add throughput of this CPU, the ceiling `cnn4j bench` divides every
 * compute-bound result by. Compiled and run by org.cnn4j.bench.runner.NativeFmaPeak at bench time:
 *
 *     cc -O2 -pthread -mavx2 -mfma fma_peak.c -o fma_peak      (or -mavx512f, or -msse2: the widest the CPU has)
 *     ./fma_peak THREADS SECONDS TRIALS
 *
 * Each of THREADS POSIX threads runs CHAINS independent vector accumulators, each updated by one fused multiply-add
 * per iteration (on SSE-only builds a multiply and an add), enough chains in flight to cover the FMA latency on
 * every FMA port (4-5 cycles x 2 ports on current x86 cores). The threads start together behind a barrier; the
 * wall time of the slowest one counts. GFLOP/s = THREADS x iterations x CHAINS x LANES x 2 / seconds; the best of
 * TRIALS rounds of about SECONDS each is printed as one line:
 *
 *     fma-peak gflops=240.123 cpu_gflops=241.050 isa=avx2-fma lanes=8 chains=12 threads=2 trials=5 seconds=0.500
 *
 * cpu_gflops is the same work divided by each thread's own CPU time (CLOCK_THREAD_CPUTIME_ID), summed over the
 * threads: what the cores do while they run this loop. Well above gflops, it says that other work on the machine
 * took the cores away during the measurement.
 *
 * Errors go to stderr with exit status 1 or 2.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__AVX512F__)
#include <immintrin.h>
typedef __m512 vec;
#define ISA "avx512f"
#define LANES 16
#define SET1(x) _mm512_set1_ps(x)
#define STEP(c, a, b) _mm512_fmadd_ps(c, a, b)
#define ADD(x, y) _mm512_add_ps(x, y)
static float hsum(vec v) { return _mm512_reduce_add_ps(v); }
#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
typedef __m256 vec;
#define ISA "avx2-fma"
#define LANES 8
#define SET1(x) _mm256_set1_ps(x)
#define STEP(c, a, b) _mm256_fmadd_ps(c, a, b)
#define ADD(x, y) _mm256_add_ps(x, y)
static float hsum(vec v) {
    float f[8];
    _mm256_storeu_ps(f, v);
    return f[0] + f[1] + f[2] + f[3] + f[4] + f[5] + f[6] + f[7];
}
#elif defined(__SSE2__)
#include <emmintrin.h>
typedef __m128 vec;
#define ISA "sse"
#define LANES 4
#define SET1(x) _mm_set1_ps(x)
#define STEP(c, a, b) _mm_add_ps(_mm_mul_ps(c, a), b)
#define ADD(x, y) _mm_add_ps(x, y)
static float hsum(vec v) {
    float f[4];
    _mm_storeu_ps(f, v);
    return f[0] + f[1] + f[2] + f[3];
}
#else
#error "fma_peak.c needs x86 with SSE2, AVX2+FMA or AVX-512F (compile with -msse2, -mavx2 -mfma or -mavx512f)"
#endif

#define CHAINS 12

/* One thread's loop: iterations rounds of CHAINS multiply-adds; returns a value that depends on all of them. */
static float loop(long iterations, float seed) {
    vec a = SET1(0.999999f), b = SET1(1e-7f);
    vec c0 = SET1(seed), c1 = SET1(seed + 1), c2 = SET1(seed + 2), c3 = SET1(seed + 3);
    vec c4 = SET1(seed + 4), c5 = SET1(seed + 5), c6 = SET1(seed + 6), c7 = SET1(seed + 7);
    vec c8 = SET1(seed + 8), c9 = SET1(seed + 9), c10 = SET1(seed + 10), c11 = SET1(seed + 11);
    for (long i = 0; i < iterations; i++) {
        c0 = STEP(c0, a, b);
        c1 = STEP(c1, a, b);
        c2 = STEP(c2, a, b);
        c3 = STEP(c3, a, b);
        c4 = STEP(c4, a, b);
        c5 = STEP(c5, a, b);
        c6 = STEP(c6, a, b);
        c7 = STEP(c7, a, b);
        c8 = STEP(c8, a, b);
        c9 = STEP(c9, a, b);
        c10 = STEP(c10, a, b);
        c11 = STEP(c11, a, b);
    }
    vec s = ADD(ADD(ADD(c0, c1), ADD(c2, c3)), ADD(ADD(c4, c5), ADD(c6, c7)));
    s = ADD(s, ADD(ADD(c8, c9), ADD(c10, c11)));
    return hsum(s);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

struct job {
    pthread_barrier_t *start;
    long iterations;
    float seed;
    float result;
    double cpu_seconds;
};

static double thread_cpu(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *work(void *arg) {
    struct job *j = arg;
    pthread_barrier_wait(j->start);
    double c0 = thread_cpu();
    j->result = loop(j->iterations, j->seed);
    j->cpu_seconds = thread_cpu() - c0;
    return NULL;
}

static long parse_long(const char *s, const char *what, long lo, long hi) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "fma_peak: %s must be an integer in [%ld, %ld] but is '%s'\n", what, lo, hi, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: fma_peak THREADS SECONDS TRIALS\n");
        return 2;
    }
    int threads = (int) parse_long(argv[1], "THREADS", 1, 4096);
    char *end;
    double seconds = strtod(argv[2], &end);
    if (*end != '\0' || !(seconds > 0 && seconds <= 60)) {
        fprintf(stderr, "fma_peak: SECONDS must be in (0, 60] but is '%s'\n", argv[2]);
        return 2;
    }
    int trials = (int) parse_long(argv[3], "TRIALS", 1, 1000);

    /* warm up (clock ramp), then size one trial from a single-thread calibration */
    volatile float sink = loop(20000000L, 1.0f);
    long calib = 4000000L;
    double t0 = now();
    sink += loop(calib, 2.0f);
    double per = (now() - t0) / calib;
    if (!(per > 0)) {
        per = 1e-9;
    }
    long iterations = (long) (seconds / per);
    if (iterations < 1000000L) {
        iterations = 1000000L;
    }

    pthread_t *tid = calloc((size_t) threads, sizeof *tid);
    struct job *jobs = calloc((size_t) threads, sizeof *jobs);
    if (tid == NULL || jobs == NULL) {
        fprintf(stderr, "fma_peak: out of memory\n");
        return 1;
    }
    double best = 0, best_cpu = 0;
    for (int trial = 0; trial < trials; trial++) {
        pthread_barrier_t start;
        if (pthread_barrier_init(&start, NULL, (unsigned) threads + 1) != 0) {
            fprintf(stderr, "fma_peak: pthread_barrier_init failed\n");
            return 1;
        }
        for (int t = 0; t < threads; t++) {
            jobs[t] = (struct job) {&start, iterations, (float) (t + trial), 0, 0};
            int e = pthread_create(&tid[t], NULL, work, &jobs[t]);
            if (e != 0) {
                fprintf(stderr, "fma_peak: pthread_create failed: %s\n", strerror(e));
                return 1;
            }
        }
        pthread_barrier_wait(&start);
        double s0 = now();
        for (int t = 0; t < threads; t++) {
            pthread_join(tid[t], NULL);
        }
        double s = now() - s0;
        pthread_barrier_destroy(&start);
        double cpu_rate = 0;
        for (int t = 0; t < threads; t++) {
            if (jobs[t].cpu_seconds > 0) {
                cpu_rate += (double) iterations * CHAINS * LANES * 2 / jobs[t].cpu_seconds / 1e9;
            }
            if (isnan(jobs[t].result)) {
                fprintf(stderr, "fma_peak: the loop diverged\n");
                return 1;
            }
            sink += jobs[t].result;
        }
        double gflops = (double) threads * iterations * CHAINS * LANES * 2 / s / 1e9;
        if (gflops > best) {
            best = gflops;
        }
        if (cpu_rate > best_cpu) {
            best_cpu = cpu_rate;
        }
    }
    (void) sink;
    printf("fma-peak gflops=%.3f cpu_gflops=%.3f isa=%s lanes=%d chains=%d threads=%d trials=%d seconds=%.3f\n", best,
           best_cpu, ISA, LANES, CHAINS, threads, trials, seconds);
    free(tid);
    free(jobs);
    return 0;
}
