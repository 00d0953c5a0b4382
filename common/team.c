/* team.c -- see team.h. */
#define _GNU_SOURCE                /* sched_getaffinity: the CPUs this process may use */
#include "team.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "guard.h"

/* From OpenBLAS (we link it as GSL's CBLAS). */
void openblas_set_num_threads(int num_threads);
char *openblas_get_corename(void);

/* A product is shared from this many multiply-adds up (about 10 us on one
 * thread): below it, handing half over costs more than it saves. */
#define TEAM_MIN_MACS 150000.0

/* ---- the helper: one job at a time ---------------------------------------
 * The caller posts a job (posted + 1), does its own half, then waits until
 * the helper has set done = posted. Between jobs the helper spins, so that a
 * training step's hundreds of products each cost a few hundred nanoseconds to
 * hand over; after about a millisecond without work it sleeps on a condition
 * variable (evaluation, writing files, the end of the run). Every wait, the
 * helper's and the caller's, gives the CPU away now and then (wait_turn). */
typedef struct job {
    void (*run)(void *arg);
    void *arg;
} job;

static pthread_t helper;
static int threads = 1;
static job current;
static atomic_ulong posted, done;
static atomic_int sleeping, quitting;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
/* set on a thread while it runs its half of a job: a product or loop inside
 * the job is then computed whole, by that thread (no team within a team) */
static _Thread_local int in_job;

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* One turn of a wait loop: relax, and every 256th turn (about 7 us of
 * spinning on the machine this was written on) give the CPU away. Alone on
 * its cores the team never gets that far: a half is handed over in well
 * under a microsecond, and the halves end within a few of each other. But
 * when more threads want the cores than there are (two chapters run side by
 * side, each with its team), the thread we wait for may be waiting for a
 * core, and a loop that only spins would burn the rest of its time slice
 * (milliseconds) in its way: two teams side by side took 2.5 times as long
 * as the same runs on one thread each (bench/README.md). */
static inline void wait_turn(unsigned long *turns)
{
    if (++*turns % 256 == 0)
        sched_yield();
    else
        relax();
}

static void *helper_main(void *first)
{
    unsigned long seen = *(const unsigned long *)first;   /* jobs before this helper: not its own */
    in_job = 1;
    for (;;) {
        unsigned long spins = 0;
        while (atomic_load_explicit(&posted, memory_order_acquire) == seen && !atomic_load(&quitting)) {
            if (spins < (1ul << 17)) {
                wait_turn(&spins);
                continue;
            }
            /* asleep until the next job; posted is read again under the lock,
             * after `sleeping` is set, so a job posted meanwhile is not missed */
            pthread_mutex_lock(&lock);
            atomic_store(&sleeping, 1);
            while (atomic_load(&posted) == seen && !atomic_load(&quitting))
                pthread_cond_wait(&wake, &lock);
            atomic_store(&sleeping, 0);
            pthread_mutex_unlock(&lock);
            spins = 0;
        }
        if (atomic_load(&quitting))
            return NULL;
        seen = atomic_load_explicit(&posted, memory_order_acquire);
        current.run(current.arg);
        atomic_store_explicit(&done, seen, memory_order_release);
    }
}

/* The ticket of a job running on the helper in the background (team_background),
 * 0 for none; read and written by the calling thread only. */
static unsigned long background;

/* 1 when the helper can take half of a job: no background job, or it is done */
static int helper_free(void)
{
    if (background && atomic_load_explicit(&done, memory_order_acquire) != background)
        return 0;
    background = 0;
    return 1;
}

/* Hand job b(arg_b) to the helper: its ticket (the helper is free). */
static unsigned long post(void (*b)(void *), void *arg_b)
{
    current = (job){b, arg_b};
    unsigned long ticket = atomic_fetch_add(&posted, 1) + 1;   /* seq_cst: before `sleeping` is read */
    if (atomic_load(&sleeping)) {
        pthread_mutex_lock(&lock);
        pthread_cond_signal(&wake);
        pthread_mutex_unlock(&lock);
    }
    return ticket;
}

/* Run a(arg_a) here and b(arg_b) on the helper, and return when both are done. */
static void run_pair(void (*a)(void *), void *arg_a, void (*b)(void *), void *arg_b)
{
    const unsigned long ticket = post(b, arg_b);
    in_job = 1;
    a(arg_a);
    in_job = 0;
    unsigned long turns = 0;
    while (atomic_load_explicit(&done, memory_order_acquire) != ticket)
        wait_turn(&turns);
}

void team_background(void (*work)(void *ctx), void *ctx)
{
    if (threads < 2 || in_job) {
        work(ctx);
        return;
    }
    team_wait();
    background = post(work, ctx);
}

void team_wait(void)
{
    unsigned long turns = 0;
    while (!helper_free())
        wait_turn(&turns);
}

static void stop_helper(void)
{
    if (threads < 2 || pthread_equal(pthread_self(), helper))
        return;        /* (exit() within the helper's job: the process ends anyway) */
    team_wait();
    pthread_mutex_lock(&lock);
    atomic_store(&quitting, 1);
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    pthread_join(helper, NULL);
    atomic_store(&quitting, 0);
    threads = 1;
}

void team_set_threads(int n)
{
    if (n >= 2 && threads < 2) {
        openblas_set_num_threads(1);          /* one OpenBLAS thread per half */
        static unsigned long first;
        first = atomic_load(&posted);
        if (pthread_create(&helper, NULL, helper_main, &first) != 0) {
            note("could not start a second thread: running on one");
            return;
        }
        threads = 2;
        static int registered;
        if (!registered++)
            atexit(stop_helper);
    } else if (n < 2) {
        stop_helper();
    }
}

int team_split_is_exact(void)
{
    const char *core = openblas_get_corename();
    return core && (!strcasecmp(core, "haswell") || !strcasecmp(core, "zen") || !strcasecmp(core, "sandybridge"));
}

/* the CPUs this process may run on (taskset, a container's cpuset), at least 1 */
static int usable_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 1;
    return CPU_COUNT(&set) > 0 ? CPU_COUNT(&set) : 1;
}

void team_start_from_env(void)
{
    const char *s = getenv("OPENBLAS_NUM_THREADS");
    if (s ? atoi(s) >= 2 : usable_cpus() >= 2 && team_split_is_exact())
        team_set_threads(2);
}

int team_threads(void)
{
    return threads;
}

/* ---- the shared product ----------------------------------------------------- */
typedef struct half_product {
    CBLAS_TRANSPOSE_t ta, tb;
    double alpha, beta;
    _gsl_matrix_const_view A, B;     /* GSL's gsl_matrix_const_view is const: not assignable */
    gsl_matrix_view C;
    const double *fill;              /* NULL, or what every row of C starts as (its columns of it) */
    size_t fill_stride;
} half_product;

/* every row of C = fill: the bias of a dense layer, set by the thread that
 * then adds its half of the product on top (so it is written while the
 * other thread fills and multiplies its own half, and is still in cache) */
static void fill_rows(gsl_matrix *C, const double *fill, size_t stride)
{
    for (size_t i = 0; i < C->size1; i++) {
        double *c = C->data + i * C->tda;
        if (stride == 1)
            memcpy(c, fill, C->size2 * sizeof *c);
        else
            for (size_t j = 0; j < C->size2; j++)
                c[j] = fill[j * stride];
    }
}

static void multiply(void *arg)
{
    half_product *h = arg;
    if (h->fill)
        fill_rows(&h->C.matrix, h->fill, h->fill_stride);
    gsl_blas_dgemm(h->ta, h->tb, h->alpha, &h->A.matrix, &h->B.matrix, h->beta, &h->C.matrix);
}

/* C = alpha op(A) op(B) + beta C, after C's rows are set to fill (if not NULL) */
static void shared_product(CBLAS_TRANSPOSE_t ta, CBLAS_TRANSPOSE_t tb, double alpha, const gsl_matrix *A,
                           const gsl_matrix *B, double beta, gsl_matrix *C, const gsl_vector *fill)
{
    const size_t m = C->size1, n = C->size2, k = ta == CblasNoTrans ? A->size2 : A->size1;
    const size_t a_rows = ta == CblasNoTrans ? A->size1 : A->size2;
    const size_t b_cols = tb == CblasNoTrans ? B->size2 : B->size1;
    const size_t b_k = tb == CblasNoTrans ? B->size1 : B->size2;
    const int fits = a_rows == m && b_cols == n && b_k == k;
    const size_t longer = m >= n ? m : n;
    if (threads < 2 || in_job || !helper_free() || !fits || longer < 16 || (double)m * (double)n * (double)k < TEAM_MIN_MACS) {
        if (fill)
            fill_rows(C, fill->data, fill->stride);
        gsl_blas_dgemm(ta, tb, alpha, A, B, beta, C);    /* whole (and GSL's errors, if any) */
        return;
    }
    /* a multiple of 8, rounded up: this thread takes the larger half, as the
     * helper starts its own a little later */
    const size_t cut = ((longer / 2) + 7) & ~(size_t)7;
    half_product h[2];
    for (int part = 0; part < 2; part++) {
        const size_t from = part ? cut : 0, len = part ? longer - cut : cut;
        h[part] = (half_product){.ta = ta, .tb = tb, .alpha = alpha, .beta = beta,
                                 .A = gsl_matrix_const_submatrix(A, 0, 0, A->size1, A->size2),
                                 .B = gsl_matrix_const_submatrix(B, 0, 0, B->size1, B->size2)};
        if (m >= n) {        /* rows of C: rows of A (columns of A^T) */
            h[part].A = ta == CblasNoTrans ? gsl_matrix_const_submatrix(A, from, 0, len, A->size2)
                                           : gsl_matrix_const_submatrix(A, 0, from, A->size1, len);
            h[part].C = gsl_matrix_submatrix(C, from, 0, len, n);
        } else {             /* columns of C: columns of B (rows of B^T) */
            h[part].B = tb == CblasNoTrans ? gsl_matrix_const_submatrix(B, 0, from, B->size1, len)
                                           : gsl_matrix_const_submatrix(B, from, 0, len, B->size2);
            h[part].C = gsl_matrix_submatrix(C, 0, from, m, len);
        }
        if (fill) {
            h[part].fill = fill->data + (m >= n ? 0 : from * fill->stride);
            h[part].fill_stride = fill->stride;
        }
    }
    run_pair(multiply, &h[0], multiply, &h[1]);
}

void team_dgemm(CBLAS_TRANSPOSE_t ta, CBLAS_TRANSPOSE_t tb, double alpha, const gsl_matrix *A,
                const gsl_matrix *B, double beta, gsl_matrix *C)
{
    shared_product(ta, tb, alpha, A, B, beta, C, NULL);
}

void team_dgemm_bias(CBLAS_TRANSPOSE_t ta, CBLAS_TRANSPOSE_t tb, double alpha, const gsl_matrix *A,
                     const gsl_matrix *B, const gsl_vector *b, gsl_matrix *C)
{
    if (b->size != C->size2)
        GSL_ERROR_VOID("team_dgemm_bias: b and the columns of C differ in length", GSL_EBADLEN);
    shared_product(ta, tb, alpha, A, B, 1.0, C, b);
}

/* ---- a shared loop ---------------------------------------------------------- */
typedef struct half_range {
    team_range_fn work;
    void *ctx;
    size_t from, to;
} half_range;

static void run_range(void *arg)
{
    half_range *h = arg;
    h->work(h->ctx, h->from, h->to);
}

void team_range(size_t n, size_t min_per_thread, team_range_fn work, void *ctx)
{
    const size_t cut = n >= 16 ? (n / 2) & ~(size_t)7 : n / 2;   /* short ranges: any cut */
    if (threads < 2 || in_job || cut < min_per_thread || cut == 0 || !helper_free()) {
        work(ctx, 0, n);
        return;
    }
    half_range h[2] = {{work, ctx, 0, cut}, {work, ctx, cut, n}};
    run_pair(run_range, &h[0], run_range, &h[1]);
}

size_t team_min_items(size_t numbers_per_item)
{
    const size_t enough = 8192;
    return numbers_per_item >= enough ? 1 : enough / (numbers_per_item ? numbers_per_item : 1);
}

/* ---- items taken in turn ---------------------------------------------------- */
typedef struct items {
    team_each_fn work;
    void *ctx;
    size_t n;
    atomic_size_t next;        /* the first item nobody has taken yet */
} items;

static void take_items(items *it, int thread)
{
    for (size_t i; (i = atomic_fetch_add_explicit(&it->next, 1, memory_order_relaxed)) < it->n;)
        it->work(it->ctx, i, thread);
}

static void take_here(void *arg)
{
    take_items(arg, 0);
}

static void take_on_helper(void *arg)
{
    take_items(arg, 1);
}

void team_each(size_t n, size_t min_per_thread, team_each_fn work, void *ctx)
{
    if (threads < 2 || in_job || n < 2 || n / 2 < min_per_thread || !helper_free()) {
        for (size_t i = 0; i < n; i++)
            work(ctx, i, 0);
        return;
    }
    items it = {work, ctx, n, 0};
    run_pair(take_here, &it, take_on_helper, &it);
}
