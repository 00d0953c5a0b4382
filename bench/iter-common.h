/* iter-common.h -- the clock of the per-iteration benchmarks (bench/iter-*.c).
 *
 * Each benchmark builds one chapter's models exactly as a run of the chapter
 * does, from the chapter's own code, and for each model:
 *
 *   1. trains `warmup` iterations untimed (page faults, caches, Adam's first
 *      steps), then `iters` more, each timed on its own (CLOCK_MONOTONIC);
 *   2. checks that the gsl_blas_dgemm calls made per iteration add up to the
 *      multiply-adds counted from the model's shapes (flops.h);
 *   3. times gsl_blas_dgemm alone on the iteration's largest product, same
 *      shape and transposes, in the same process and thread count: at least
 *      5 calls and dgemm_seconds seconds, after 2 untimed calls.
 *
 * and prints one line (bench/run.sh reads them):
 *
 *   NAME BATCH MEDIAN_MS P10_MS MFLOP GFLOPS DGEMM_GFLOPS M N K TATB ITERS
 *
 * MEDIAN_MS and P10_MS: the median and the 10th percentile (the value at
 * index floor(0.1 (iters - 1)) of the sorted times) of the iteration times;
 * MFLOP: 2 x multiply-adds of one iteration / 1e6; GFLOPS: MFLOP over the
 * median; DGEMM_GFLOPS: 2 m n k over the median time of one dgemm call.
 * A first line "# core C threads T OpenBLAS ..." names OpenBLAS's kernels,
 * threads (OPENBLAS_NUM_THREADS; OpenBLAS reads it when it is loaded) and
 * build (openblas_get_config()).
 *
 * Flags: --iters N, --warmup N (every model), --only NAME (one model),
 * --dgemm-seconds S (default 0.3). Exit status 1 if a count disagrees.
 *
 * --paired: instead, the speedup of the team, measured in pairs. After the
 * warm-up, one thread and the team of two take turns in blocks of PAIRED_BLOCK
 * timed iterations (each block after one untimed iteration: the helper just
 * started), until each has `iters`; one line
 *
 *   NAME paired MEDIAN_MS_1 MEDIAN_MS_2 SPEEDUP ITERS
 *
 * This VM's speed drifts by 20 % or more from one minute to the next; runs
 * of a whole program at one thread and then at two compare different
 * minutes, blocks a fraction of a second apart compare the same ones.
 * Without a team (OPENBLAS_NUM_THREADS below 2, or no second thread could
 * be started) the line says "paired - - -".
 */
#ifndef ITER_COMMON_H
#define ITER_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_rng.h>

#include "blascore.h"
#include "flops.h"
#include "team.h"

char *openblas_get_corename(void);
char *openblas_get_config(void);
int openblas_get_num_threads(void);

typedef struct bench_opts {
    long iters, warmup;          /* 0: the model's own default                */
    const char *only;            /* NULL: every model                         */
    double dgemm_seconds;
    int paired;                  /* --paired: 1 and 2 threads in turn          */
    int failed;                  /* a count disagreed                         */
} bench_opts;

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void bench_usage(const char *prog)
{
    fprintf(stderr, "usage: %s [--iters N] [--warmup N] [--only NAME] [--dgemm-seconds S] [--paired]\n", prog);
    exit(2);
}

/* OpenBLAS's fast kernels first (re-executes this program once, blascore.h),
 * then the flags */
static bench_opts bench_start(int argc, char **argv)
{
    blas_pick_core(argv);
    bench_opts o = {0, -1, NULL, 0.3, 0, 0};
    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--paired")) {
            o.paired = 1;
            continue;
        }
        if (a + 1 >= argc)
            bench_usage(argv[0]);
        if (!strcmp(argv[a], "--iters"))
            o.iters = atol(argv[++a]);
        else if (!strcmp(argv[a], "--warmup"))
            o.warmup = atol(argv[++a]);
        else if (!strcmp(argv[a], "--only"))
            o.only = argv[++a];
        else if (!strcmp(argv[a], "--dgemm-seconds"))
            o.dgemm_seconds = atof(argv[++a]);
        else
            bench_usage(argv[0]);
    }
    if (o.iters < 0 || o.dgemm_seconds < 0)
        bench_usage(argv[0]);
    /* OPENBLAS_NUM_THREADS >= 2: the chapters' team of two (common/team.h),
     * with OpenBLAS on one thread per call */
    team_start_from_env();
    printf("# core %s threads %d %s\n", openblas_get_corename(),
           team_threads() > 1 ? team_threads() : openblas_get_num_threads(), openblas_get_config());
    fflush(stdout);
    return o;
}

static int bench_wants(const bench_opts *o, const char *name)
{
    return !o->only || !strcmp(o->only, name);
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_sorted(const double *t, size_t n)
{
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

/* seconds per call of gsl_blas_dgemm on shape s (median of the calls) */
static double time_dgemm(const gemm_shape *s, double min_seconds)
{
    gsl_matrix *A = s->ta ? gsl_matrix_alloc(s->k, s->m) : gsl_matrix_alloc(s->m, s->k);
    gsl_matrix *B = s->tb ? gsl_matrix_alloc(s->n, s->k) : gsl_matrix_alloc(s->k, s->n);
    gsl_matrix *C = gsl_matrix_calloc(s->m, s->n);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);          /* seed 0: the same numbers every run */
    for (size_t i = 0; i < A->size1 * A->size2; i++)
        A->data[i] = gsl_rng_uniform(r) - 0.5;
    for (size_t i = 0; i < B->size1 * B->size2; i++)
        B->data[i] = gsl_rng_uniform(r) - 0.5;
    const CBLAS_TRANSPOSE_t ta = s->ta ? CblasTrans : CblasNoTrans, tb = s->tb ? CblasTrans : CblasNoTrans;
    size_t cap = 64, n = 0;
    double *t = malloc(cap * sizeof *t), spent = 0.0;
    if (!t)
        abort();
    for (int w = 0; w < 2; w++)
        gsl_blas_dgemm(ta, tb, 1.0, A, B, 0.0, C);
    while (n < 5 || spent < min_seconds) {
        if (n == cap && !(t = realloc(t, (cap *= 2) * sizeof *t)))
            abort();
        const double t0 = seconds_now();
        gsl_blas_dgemm(ta, tb, 1.0, A, B, 0.0, C);
        t[n] = seconds_now() - t0;
        spent += t[n++];
    }
    qsort(t, n, sizeof *t, cmp_double);
    const double med = median_sorted(t, n);
    free(t);
    gsl_rng_free(r);
    gsl_matrix_free(A);
    gsl_matrix_free(B);
    gsl_matrix_free(C);
    return med;
}

#define PAIRED_BLOCK 5

/* --paired: one thread and two in turn (see the top of this file) */
static void bench_paired(const char *name, void (*step)(void *), void *model, long iters)
{
    if (team_threads() < 2) {
        printf("%-12s paired - - - 0\n", name);
        fflush(stdout);
        return;
    }
    double *t[2] = {malloc((size_t)iters * sizeof(double)), malloc((size_t)iters * sizeof(double))};
    if (!t[0] || !t[1])
        abort();
    long n[2] = {0, 0};
    for (int two = 0; n[0] < iters || n[1] < iters; two = !two) {
        team_set_threads(two ? 2 : 1);
        step(model);                                       /* untimed */
        for (long i = 0; i < PAIRED_BLOCK && n[two] < iters; i++) {
            const double t0 = seconds_now();
            step(model);
            t[two][n[two]++] = seconds_now() - t0;
        }
    }
    team_set_threads(2);
    qsort(t[0], (size_t)iters, sizeof(double), cmp_double);
    qsort(t[1], (size_t)iters, sizeof(double), cmp_double);
    const double m1 = median_sorted(t[0], (size_t)iters), m2 = median_sorted(t[1], (size_t)iters);
    printf("%-12s paired %9.3f %9.3f %5.2f %5ld\n", name, 1e3 * m1, 1e3 * m2, m1 / m2, iters);
    fflush(stdout);
    free(t[0]);
    free(t[1]);
}

/* Time `step` (one training iteration of `model`) and print the line above.
 * f: the multiply-adds of one iteration, counted from the shapes. */
static void bench_model(bench_opts *o, const char *name, long batch, void (*step)(void *), void *model,
                        const flops *f, long warmup, long iters)
{
    if (o->iters > 0)
        iters = o->iters;
    if (o->warmup >= 0)
        warmup = o->warmup;
    for (long i = 0; i < warmup; i++)
        step(model);
    if (o->paired) {
        bench_paired(name, step, model, iters);
        return;
    }
    double *t = malloc((size_t)iters * sizeof *t);
    if (!t)
        abort();
    const uint64_t macs0 = wrap_macs, calls0 = wrap_calls;
    for (long i = 0; i < iters; i++) {
        const double t0 = seconds_now();
        step(model);
        t[i] = seconds_now() - t0;
    }
    const uint64_t macs = (wrap_macs - macs0) / (uint64_t)iters, calls = (wrap_calls - calls0) / (uint64_t)iters;
    if (macs != f->macs || (calls != f->calls && team_threads() == 1)) {
        fprintf(stderr, "%s: counted from the shapes %llu multiply-adds in %llu GEMMs per iteration, "
                "gsl_blas_dgemm saw %llu in %llu\n", name, (unsigned long long)f->macs,
                (unsigned long long)f->calls, (unsigned long long)macs, (unsigned long long)calls);
        o->failed = 1;
    }
    qsort(t, (size_t)iters, sizeof *t, cmp_double);
    const double med = median_sorted(t, (size_t)iters), p10 = t[(size_t)(0.1 * (double)(iters - 1))];
    const double flop = 2.0 * (double)f->macs, big = 2.0 * (double)f->big.m * (double)f->big.n * (double)f->big.k;
    const double dgemm = time_dgemm(&f->big, o->dgemm_seconds);
    printf("%-12s %4ld %9.3f %9.3f %9.1f %7.2f %7.2f %5zu %5zu %5zu %c%c %5ld\n", name, batch, 1e3 * med,
           1e3 * p10, flop / 1e6, flop / med / 1e9, big / dgemm / 1e9, f->big.m, f->big.n, f->big.k,
           f->big.ta ? 'T' : 'N', f->big.tb ? 'T' : 'N', iters);
    fflush(stdout);
    free(t);
}

#endif
