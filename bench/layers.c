/* layers.c -- how fast the image layers of chapter 09 run, against dgemm.
 *
 * For each convolution and transposed convolution of 09's networks (the
 * default, F = 32, and the source's, F = 64; batch 64), the forward and the
 * backward pass are timed (medians of REPS rounds after two warm-up rounds) and turned
 * into GFLOP/s from their multiply-adds:
 *
 *     convolution      n * out_c * out_h * out_w * in_c * k^2     (forward)
 *     transposed conv  n * in_c * in_h * in_w * out_c * k^2       (forward)
 *     backward         twice that (the weight gradient and the input gradient)
 *
 * counting 2 flops a multiply-add. Next to it, gsl_blas_dgemm's GFLOP/s on
 * the one product that does the same work for the whole batch at once, the
 * im2col product (out_c x in_c k^2) (in_c k^2 x n out_h out_w); the ratio is
 * the layer's efficiency. common/conv.c multiplies one image at a time, so
 * its products are n times narrower than that one: the ratio shows what
 * that costs.
 *
 * Batch norm (G) and layer norm (D) do a few flops per number they read, so
 * GFLOP/s against a matrix product means nothing for them; their line gives
 * the time of forward + backward as a share of the convolution they follow.
 *
 * Prints a table; never fails (numbers to watch, like every benchmark). */
#include "genlab.h"

#include <time.h>

#define BATCH 64
#define REPS 21

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* seconds one call of what(ctx) takes */
typedef void (*timed_fn)(void *ctx);
static double seconds(timed_fn what, void *ctx)
{
    const double t0 = now();
    what(ctx);
    return now() - t0;
}

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof t[0], by_value);
    return t[n / 2];
}

/* The timings of one layer: REPS rounds after two warm-up rounds, each round
 * timing the forward pass, the backward pass and dgemm once, one after the
 * other. A shared machine has slow spells lasting seconds; a ratio taken
 * within one round (tens of milliseconds) sees the layer and dgemm in the same
 * spell, so the ratios are medians of per-round ratios, not ratios of medians. */
typedef struct timings {
    double fwd, bwd, gemm;        /* median seconds                          */
    double fwd_ratio, bwd_ratio;  /* median of per-round time(dgemm) / time(layer),
                                     times 1 and 2 (backward does twice the flops) */
} timings;

static timings time_layer(timed_fn fwd, timed_fn bwd, timed_fn gemm, void *ctx)
{
    double tf[REPS], tb[REPS], tg[REPS], rf[REPS], rb[REPS];
    for (int r = -2; r < REPS; r++) {
        const double f = seconds(fwd, ctx), b = seconds(bwd, ctx), g = seconds(gemm, ctx);
        if (r < 0)
            continue;                 /* warm-up: caches, OpenBLAS's buffers */
        tf[r] = f; tb[r] = b; tg[r] = g;
        rf[r] = g / f; rb[r] = 2 * g / b;
    }
    return (timings){median(tf, REPS), median(tb, REPS), median(tg, REPS), median(rf, REPS), median(rb, REPS)};
}

/* median seconds of REPS calls of what(ctx) after two warm-up calls */
static double median_seconds(timed_fn what, void *ctx)
{
    double t[REPS];
    what(ctx);
    what(ctx);
    for (int r = 0; r < REPS; r++)
        t[r] = seconds(what, ctx);
    return median(t, REPS);
}

typedef struct layer_case {
    conv L;
    gsl_matrix *X, *Y, *dY, *dX;
    gsl_vector *work;
    gsl_matrix *A, *B, *C;        /* the whole-batch im2col product's shapes */
    batchnorm *bn;
    layernorm *ln;
} layer_case;

static void run_forward(void *p)
{
    layer_case *c = p;
    (c->L.transposed ? convt_forward : conv_forward)(&c->L, c->X, c->Y, c->work);
}
static void run_backward(void *p)
{
    layer_case *c = p;
    (c->L.transposed ? convt_backward : conv_backward)(&c->L, c->X, c->dY, c->dX, c->work);
}
static void run_dgemm(void *p)
{
    layer_case *c = p;
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, c->A, c->B, 0.0, c->C);
}
static void run_bn(void *p)
{
    layer_case *c = p;
    batchnorm_forward(c->bn, c->Y, c->dY, BN_TRAIN);
    batchnorm_backward(c->bn, c->Y, c->dY, c->dY);
}
static void run_ln(void *p)
{
    layer_case *c = p;
    layernorm_forward(c->ln, c->Y, c->dY);
    layernorm_backward(c->ln, c->Y, c->dY, c->dY);
}

static gsl_matrix *random_matrix(gsl_rng *r, size_t n, size_t m)
{
    gsl_matrix *A = gsl_matrix_alloc(n, m);
    for (size_t i = 0; i < n * m; i++)
        A->data[i] = gsl_ran_gaussian(r, 1.0);
    return A;
}

/* one line of the table: a (transposed) convolution in_c -> out_c on in_h x
 * in_h images, k 4, stride 2, padding 1 as in 09; norm 'b' or 'l' adds a
 * batch norm or layer norm line on its output */
static void bench_layer(const char *name, int transposed, size_t in_c, size_t out_c, size_t in_h, char norm, gsl_rng *r)
{
    layer_case c = {0};
    params *P = params_alloc(conv_size(in_c, out_c, 4) + 2 * out_c);
    (transposed ? convt_bind : conv_bind)(&c.L, P, in_c, out_c, in_h, in_h, 4, 2, 1);
    conv_init_normal(&c.L, r, 0.02);
    const size_t in = in_c * in_h * in_h, out = out_c * c.L.out_h * c.L.out_w;
    c.X = random_matrix(r, BATCH, in);
    c.dX = gsl_matrix_alloc(BATCH, in);
    c.Y = gsl_matrix_alloc(BATCH, out);
    c.dY = random_matrix(r, BATCH, out);
    c.work = gsl_vector_alloc(conv_work_size(&c.L));
    /* the same multiply-adds as one product for the whole batch */
    const size_t pix = transposed ? in_h * in_h : c.L.out_h * c.L.out_w;
    const size_t M = transposed ? out_c * 16 : out_c, K = transposed ? in_c : in_c * 16;
    c.A = random_matrix(r, M, K);
    c.B = random_matrix(r, K, BATCH * pix);
    c.C = gsl_matrix_alloc(M, BATCH * pix);
    const double flops = 2.0 * (double)M * (double)K * (double)(BATCH * pix);

    const timings t = time_layer(run_forward, run_backward, run_dgemm, &c);
    const double tf = t.fwd, tb = t.bwd;
    const double gf = flops / tf * 1e-9, gb = 2 * flops / tb * 1e-9, gg = flops / t.gemm * 1e-9;
    printf("%-34s %8.3f %7.2f %8.3f %7.2f %8.2f %6.2f %6.2f\n", name, 1e3 * tf, gf, 1e3 * tb, gb, gg, t.fwd_ratio, t.bwd_ratio);
    if (norm == 'b' || norm == 'l') {
        if (norm == 'b')
            c.bn = batchnorm_new(P, out_c, c.L.out_h * c.L.out_w);
        else
            c.ln = layernorm_new(P, out_c, c.L.out_h * c.L.out_w);
        gsl_matrix_memcpy(c.Y, c.dY);
        const double tn = median_seconds(norm == 'b' ? run_bn : run_ln, &c);
        printf("  %-32s %8.3f ms forward + backward, %3.0f %% of the layer's %.3f ms\n",
               norm == 'b' ? "+ batch norm on its output" : "+ layer norm on its output",
               1e3 * tn, 100 * tn / (tf + tb), 1e3 * (tf + tb));
        if (c.bn)
            batchnorm_free(c.bn);
        if (c.ln)
            layernorm_free(c.ln);
    }
    gsl_matrix_free(c.X); gsl_matrix_free(c.dX); gsl_matrix_free(c.Y); gsl_matrix_free(c.dY);
    gsl_matrix_free(c.A); gsl_matrix_free(c.B); gsl_matrix_free(c.C);
    gsl_vector_free(c.work);
    params_free(P);
}

int main(int argc, char **argv)
{
    (void)argc;
    blas_pick_core(argv);              /* the fast kernels, as the chapters */
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    printf("09's image layers, batch %d, k 4 stride 2 (medians of %d rounds; GF/s = GFLOP/s)\n", BATCH, REPS);
    printf("%-34s %8s %7s %8s %7s %8s %6s %6s\n", "layer", "fwd ms", "GF/s", "bwd ms", "GF/s", "dgemm", "fwd/dg", "bwd/dg");
    for (size_t F = 32; F <= 64; F *= 2) {
        char name[64];
        printf("%s (F = %zu)\n", F == 32 ? "default networks" : "the source's networks", F);
        snprintf(name, sizeof name, "G convT %zu -> %zu, 7 -> 14", 2 * F, F);
        bench_layer(name, 1, 2 * F, F, 7, 'b', r);
        snprintf(name, sizeof name, "G convT %zu -> 1, 14 -> 28", F);
        bench_layer(name, 1, F, 1, 14, 0, r);
        snprintf(name, sizeof name, "D conv 1 -> %zu, 28 -> 14", F);
        bench_layer(name, 0, 1, F, 28, 0, r);
        snprintf(name, sizeof name, "D conv %zu -> %zu, 14 -> 7", F, 2 * F);
        bench_layer(name, 0, F, 2 * F, 14, 'l', r);
    }
    printf("(fwd/dg, bwd/dg: the layer's GFLOP/s over dgemm's on the whole-batch product, the median of\n"
           " per-round ratios: each round times forward, backward and dgemm back to back)\n");
    gsl_rng_free(r);
    return 0;
}
