/* test_team.c -- the team of two threads (common/team.h), cmocka.
 *
 * A shared product must be the product: for every transposition, shapes cut
 * along rows and along columns, beta 0 and 1 and a layer's bias on top, near
 * the size where sharing starts. With the kernels bench/split-exact clears
 * (Haswell, Zen, SandyBridge), to the bit; with others, to rounding. A shared
 * loop must visit every index once (and team_each every item); a batch's rows
 * gathered, a bias gradient's column sums and Adam's step on a team must be
 * those of one thread, to the bit (each number is computed alone, each sum in
 * its order). A background job runs on the helper while this thread goes on
 * alone, sharing nothing until it is done. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <strings.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "genlab.h"

void openblas_set_num_threads(int num_threads);

static int split_is_exact(void)
{
    return team_split_is_exact();
}

static gsl_matrix *random_matrix(gsl_rng *r, size_t n1, size_t n2)
{
    gsl_matrix *M = gsl_matrix_alloc(n1, n2);
    rng_fill_uniform(r, M, -1.0, 1.0);
    return M;
}

/* C = alpha op(A) op(B) + beta C (beta 0 or 1), or with beta 2 a dense
 * layer's C = alpha op(A) op(B) + 1 b^T (team_dgemm_bias, b a strided view),
 * on one thread and on the team: compared */
static void check_product(gsl_rng *r, CBLAS_TRANSPOSE_t ta, CBLAS_TRANSPOSE_t tb, size_t m, size_t n,
                          size_t k, double beta)
{
    gsl_matrix *A = ta == CblasNoTrans ? random_matrix(r, m, k) : random_matrix(r, k, m);
    gsl_matrix *B = tb == CblasNoTrans ? random_matrix(r, k, n) : random_matrix(r, n, k);
    gsl_matrix *whole = random_matrix(r, m, n), *shared = gsl_matrix_alloc(m, n);
    gsl_matrix *bias_store = random_matrix(r, n, 2);
    gsl_vector_view b = gsl_matrix_column(bias_store, 1);       /* stride 2 */
    gsl_matrix_memcpy(shared, whole);
    team_set_threads(1);
    if (beta == 2.0) {
        gsl_matrix *expect = gsl_matrix_alloc(m, n);            /* every row b, then the product added */
        for (size_t i = 0; i < m; i++)
            gsl_matrix_set_row(expect, i, &b.vector);
        gsl_blas_dgemm(ta, tb, 0.7, A, B, 1.0, expect);
        team_dgemm_bias(ta, tb, 0.7, A, B, &b.vector, whole);
        assert_true(gsl_matrix_equal(expect, whole));
        gsl_matrix_free(expect);
    } else {
        team_dgemm(ta, tb, 0.7, A, B, beta, whole);
    }
    team_set_threads(2);
    assert_int_equal(team_threads(), 2);
    if (beta == 2.0)
        team_dgemm_bias(ta, tb, 0.7, A, B, &b.vector, shared);
    else
        team_dgemm(ta, tb, 0.7, A, B, beta, shared);
    double worst = 0.0;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            worst = fmax(worst, fabs(gsl_matrix_get(whole, i, j) - gsl_matrix_get(shared, i, j)));
    if (split_is_exact() ? worst != 0.0 : worst > 1e-12 * (double)k)
        fail_msg("%c%c product %zu x %zu x %zu, beta %g: the team differs by %g", ta == CblasNoTrans ? 'N' : 'T',
                 tb == CblasNoTrans ? 'N' : 'T', m, n, k, beta, worst);
    gsl_matrix_free(A), gsl_matrix_free(B), gsl_matrix_free(whole), gsl_matrix_free(shared);
    gsl_matrix_free(bias_store);
}

static void test_team_dgemm(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(5);
    static const size_t shapes[][3] = {
        {100, 256, 784}, {784, 100, 256}, {8, 784, 72}, {72, 784, 8}, {101, 257, 33}, {1000, 17, 9},
        {17, 1000, 9}, {15, 15, 2000}, {10, 10, 10}};
    const CBLAS_TRANSPOSE_t t[2] = {CblasNoTrans, CblasTrans};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++)
                for (int beta = 0; beta < 3; beta++)     /* 2: team_dgemm_bias */
                    check_product(r, t[a], t[b], shapes[s][0], shapes[s][1], shapes[s][2], beta);
    team_set_threads(1);
    assert_int_equal(team_threads(), 1);
    gsl_rng_free(r);
}

static void count_visits(void *ctx, size_t from, size_t to)
{
    unsigned char *visits = ctx;
    for (size_t i = from; i < to; i++)
        visits[i]++;
}

static void test_team_range(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 7, 8, 15, 16, 17, 1000, 100003};
    team_set_threads(2);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        unsigned char *visits = calloc(sizes[s] + 1, 1);
        team_range(sizes[s], 1, count_visits, visits);
        for (size_t i = 0; i < sizes[s]; i++)
            if (visits[i] != 1)
                fail_msg("team_range(%zu): index %zu visited %d times", sizes[s], i, visits[i]);
        free(visits);
    }
    team_set_threads(1);
}

static void count_item(void *ctx, size_t i, int thread)
{
    unsigned char *visits = ctx;
    assert_true(thread == 0 || (thread == 1 && team_threads() == 2));
    visits[i]++;
}

static void note_thread(void *ctx, size_t i, int thread)
{
    int *threads_seen = ctx;
    threads_seen[i] = thread;
}

static void test_team_each(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 2, 3, 32, 1000};
    for (int t = 1; t <= 2; t++) {
        team_set_threads(t);
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            unsigned char *visits = calloc(sizes[s] + 1, 1);
            team_each(sizes[s], 1, count_item, visits);
            for (size_t i = 0; i < sizes[s]; i++)
                if (visits[i] != 1)
                    fail_msg("team_each(%zu), %d thread(s): item %zu taken %d times", sizes[s], t, i, visits[i]);
            free(visits);
        }
    }
    int seen[32];                         /* fewer than 2 x min_per_thread: all here */
    team_each(32, 17, note_thread, seen);
    for (size_t i = 0; i < 32; i++)
        assert_int_equal(seen[i], 0);
    assert_int_equal(team_min_items(1), 8192);
    assert_int_equal(team_min_items(784), 10);
    assert_int_equal(team_min_items(100000), 1);
    assert_int_equal(team_min_items(0), 8192);
    team_set_threads(1);
}

/* 20 Adam steps of 100 003 parameters, one thread against the team */
static void test_team_adam(void **state)
{
    (void)state;
    params *P[2];
    optimizer *opt[2];
    gsl_rng *r = rng_new(9);
    for (int t = 0; t < 2; t++) {
        P[t] = params_alloc(100003);
        opt[t] = optim_adam(P[t], 1e-3, 0.5, 0.999);
    }
    for (size_t i = 0; i < 100003; i++)
        gsl_vector_set(P[0]->value, i, gsl_ran_gaussian(r, 1.0));
    gsl_vector_memcpy(P[1]->value, P[0]->value);
    for (int step = 0; step < 20; step++) {
        for (size_t i = 0; i < 100003; i++)
            gsl_vector_set(P[0]->grad, i, gsl_ran_gaussian(r, 1.0));
        gsl_vector_memcpy(P[1]->grad, P[0]->grad);
        for (int t = 0; t < 2; t++) {
            team_set_threads(t + 1);
            optim_step(opt[t]);
        }
    }
    assert_true(gsl_vector_equal(P[0]->value, P[1]->value));
    assert_true(gsl_vector_equal(opt[0]->v, opt[1]->v));
    /* params_zero_grad on the team (two halves of the block): every number +0.0 */
    gsl_vector_set_all(P[1]->grad, -1.0);
    params_zero_grad(P[1]);
    for (size_t i = 0; i < 100003; i++)
        if (gsl_vector_get(P[1]->grad, i) != 0.0 || signbit(gsl_vector_get(P[1]->grad, i)))
            fail_msg("params_zero_grad on the team: grad[%zu] = %g", i, gsl_vector_get(P[1]->grad, i));
    team_set_threads(1);
    for (int t = 0; t < 2; t++) {
        optim_free(opt[t]);
        params_free(P[t]);
    }
    gsl_rng_free(r);
}

/* A convolution and a transposed one, forward and backward, alone and on a
 * team (the threads taking images in turn, each with its own im2col buffer,
 * and splitting the weight gradient's columns; or, with a one-thread buffer,
 * sharing only the products): outputs and input gradients the same to the
 * bit (each image is computed whole by one thread), weight gradients to the
 * bit where split-exact holds */
static void check_conv_buffers(int transposed, size_t in_c, size_t out_c, size_t side, size_t k, size_t s,
                               size_t pad, size_t buffers)
{
    gsl_rng *r = rng_new(11);
    params *P = params_alloc(conv_size(in_c, out_c, k));
    conv L;
    (transposed ? convt_bind : conv_bind)(&L, P, in_c, out_c, side, side, k, s, pad);
    conv_init_xavier(&L, r);
    const size_t batch = 20, in_w = in_c * side * side, out_w = L.out_c * L.out_h * L.out_w;
    gsl_matrix *X = random_matrix(r, batch, in_w), *dY = random_matrix(r, batch, out_w);
    gsl_matrix *Y[2], *dX[2];
    gsl_vector *dW[2], *work = gsl_vector_alloc(buffers * conv_work_size(&L));
    for (int t = 0; t < 2; t++) {
        team_set_threads(t + 1);
        Y[t] = gsl_matrix_alloc(batch, out_w), dX[t] = gsl_matrix_alloc(batch, in_w);
        gsl_vector_set_zero(P->grad);
        (transposed ? convt_forward : conv_forward)(&L, X, Y[t], work);
        (transposed ? convt_backward : conv_backward)(&L, X, dY, dX[t], work);
        dW[t] = gsl_vector_alloc(P->grad->size);
        gsl_vector_memcpy(dW[t], P->grad);
    }
    assert_true(gsl_matrix_equal(Y[0], Y[1]));
    assert_true(gsl_matrix_equal(dX[0], dX[1]));
    gsl_vector_sub(dW[1], dW[0]);
    const double worst = fmax(gsl_vector_max(dW[1]), -gsl_vector_min(dW[1]));
    if (split_is_exact() ? worst != 0.0 : worst > 1e-10)
        fail_msg("conv%s %zu -> %zu: the team's weight gradient differs by %g", transposed ? "t" : "", in_c,
                 out_c, worst);
    team_set_threads(1);
    for (int t = 0; t < 2; t++)
        gsl_matrix_free(Y[t]), gsl_matrix_free(dX[t]), gsl_vector_free(dW[t]);
    gsl_matrix_free(X), gsl_matrix_free(dY), gsl_vector_free(work), params_free(P), gsl_rng_free(r);
}

static void check_conv(int transposed, size_t in_c, size_t out_c, size_t side, size_t k, size_t s, size_t pad)
{
    for (size_t buffers = 1; buffers <= 2; buffers++)
        check_conv_buffers(transposed, in_c, out_c, side, k, s, pad, buffers);
}

static void test_team_conv(void **state)
{
    (void)state;
    check_conv(0, 8, 8, 28, 3, 1, 1);      /* 10's "same" 3x3 convolutions     */
    check_conv(0, 8, 1, 28, 3, 1, 1);      /* run as the flipped twin, its dW  */
    check_conv(0, 16, 8, 14, 3, 1, 1);     /* by 9 and by 72 columns           */
    check_conv(0, 1, 8, 28, 3, 1, 1);      /* 9 columns of dW: not split       */
    check_conv(0, 16, 32, 14, 4, 2, 1);    /* a DCGAN discriminator's          */
    check_conv(1, 32, 16, 7, 4, 2, 1);     /* and generator's (dx on its own)  */
    check_conv(1, 8, 1, 14, 4, 2, 1);      /* 16 columns, cut at 8             */
}

/* Layer norm and batch norm on a team (common/norm.h), against one thread:
 * the same bits for Y, dX (written over dY), the gradients and batch norm's
 * running averages. Layer norm takes its samples in turn and adds dg and db
 * afterwards in the samples' order; batch norm gives each thread half the
 * channels, and is run in evaluation mode too. */
static void check_norm(gsl_rng *r, int use_batch, size_t n, size_t channels, size_t pixels)
{
    const size_t width = channels * pixels;
    gsl_matrix *X = random_matrix(r, n, width), *dY = random_matrix(r, n, width);
    gsl_matrix *gain_bias = random_matrix(r, 1, 2 * channels);      /* not 1 and 0 */
    gsl_matrix *Y[2], *dX[2];
    gsl_vector *grad[2], *running[2];
    for (int t = 0; t < 2; t++) {
        team_set_threads(t + 1);
        params *P = params_alloc(2 * channels);
        anynorm N = norm_new(P, channels, pixels, use_batch, LAYERNORM_EPS);
        gsl_vector_view row = gsl_matrix_row(gain_bias, 0);
        gsl_vector_memcpy(P->value, &row.vector);
        Y[t] = gsl_matrix_alloc(n, width), dX[t] = gsl_matrix_alloc(n, width);
        gsl_matrix_memcpy(dX[t], dY);
        norm_forward(&N, X, Y[t]);
        norm_backward(&N, X, dX[t], dX[t]);                     /* dX written over dY */
        running[t] = gsl_vector_calloc(2 * channels);
        if (N.bn) {                                             /* with the running averages */
            batchnorm_forward(N.bn, X, Y[t], BN_EVAL);
            batchnorm_backward(N.bn, X, dX[t], dX[t]);
            gsl_vector_view mean = gsl_vector_subvector(running[t], 0, channels);
            gsl_vector_view var = gsl_vector_subvector(running[t], channels, channels);
            gsl_vector_memcpy(&mean.vector, N.bn->running_mean), gsl_vector_memcpy(&var.vector, N.bn->running_var);
        }
        grad[t] = gsl_vector_alloc(P->grad->size);
        gsl_vector_memcpy(grad[t], P->grad);
        norm_free(&N), params_free(P);
    }
    assert_true(gsl_matrix_equal(Y[0], Y[1]));
    assert_true(gsl_matrix_equal(dX[0], dX[1]));
    assert_true(gsl_vector_equal(grad[0], grad[1]));
    assert_true(gsl_vector_equal(running[0], running[1]));
    team_set_threads(1);
    for (int t = 0; t < 2; t++)
        gsl_matrix_free(Y[t]), gsl_matrix_free(dX[t]), gsl_vector_free(grad[t]), gsl_vector_free(running[t]);
    gsl_matrix_free(X), gsl_matrix_free(dY), gsl_matrix_free(gain_bias);
}

static void test_team_norms(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(17);
    check_norm(r, 0, 2 * LAYERNORM_CHUNK + 5, 8, 196);   /* layer norm: three chunks     */
    check_norm(r, 0, 3, 17, 5);                           /* too small to share           */
    check_norm(r, 1, 20, 64, 196);                        /* batch norm after a convolution */
    check_norm(r, 1, 64, 1024, 1);                        /* and after a dense layer      */
    check_norm(r, 1, 3, 17, 5);
    gsl_rng_free(r);
}

/* binary cross-entropy on a team: the terms computed by both threads, summed
 * in order by one: the same loss and gradient to the bit, over several
 * chunks, with targets or one label, and with the gradient written over the logits */
static void test_team_bce(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(23);
    gsl_matrix *Z = random_matrix(r, 100, 97), *Y = random_matrix(r, 100, 97);
    gsl_matrix_scale(Z, 8.0);
    double loss[2][3];
    gsl_matrix *dZ[2][3];
    for (int t = 0; t < 2; t++) {
        team_set_threads(t + 1);
        for (int c = 0; c < 3; c++)
            dZ[t][c] = gsl_matrix_alloc(100, 97);
        loss[t][0] = loss_bce_logits(Z, Y, 0.0, dZ[t][0]);
        loss[t][1] = loss_bce_logits(Z, NULL, 0.9, dZ[t][1]);
        gsl_matrix_memcpy(dZ[t][2], Z);
        loss[t][2] = loss_bce_logits(dZ[t][2], Y, 0.0, dZ[t][2]);
    }
    for (int c = 0; c < 3; c++) {
        assert_true(loss[0][c] == loss[1][c]);
        assert_true(gsl_matrix_equal(dZ[0][c], dZ[1][c]));
    }
    assert_true(gsl_matrix_equal(dZ[0][0], dZ[0][2]));      /* in place: the same gradient */
    team_set_threads(1);
    for (int t = 0; t < 2; t++)
        for (int c = 0; c < 3; c++)
            gsl_matrix_free(dZ[t][c]);
    gsl_matrix_free(Z), gsl_matrix_free(Y), gsl_rng_free(r);
}

/* activations on a team: every entry computed alone, the same bits */
static void test_team_activations(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(13);
    gsl_matrix *Z = random_matrix(r, 100, 784), *dA = random_matrix(r, 100, 784);
    gsl_matrix *A[2], *dZ[2], *L[2], *dL[2];
    for (int t = 0; t < 2; t++) {
        team_set_threads(t + 1);
        A[t] = gsl_matrix_alloc(100, 784), dZ[t] = gsl_matrix_alloc(100, 784);
        L[t] = gsl_matrix_alloc(100, 784), dL[t] = gsl_matrix_alloc(100, 784);
        act_forward(ACT_SIGMOID, Z, A[t]);
        act_backward(ACT_SIGMOID, Z, A[t], dA, dZ[t]);
        leaky_relu_forward(0.2, Z, L[t]);
        leaky_relu_backward(0.2, Z, dA, dL[t]);
    }
    assert_true(gsl_matrix_equal(A[0], A[1]) && gsl_matrix_equal(dZ[0], dZ[1]));
    assert_true(gsl_matrix_equal(L[0], L[1]) && gsl_matrix_equal(dL[0], dL[1]));
    team_set_threads(1);
    for (int t = 0; t < 2; t++)
        gsl_matrix_free(A[t]), gsl_matrix_free(dZ[t]), gsl_matrix_free(L[t]), gsl_matrix_free(dL[t]);
    gsl_matrix_free(Z), gsl_matrix_free(dA), gsl_rng_free(r);
}

/* a batch's copies and a layer's bias gradient on a team: rows gathered (with
 * repeats) as one thread gathers them, column sums in the same order */
static void test_team_rows(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(17);
    gsl_matrix *src = random_matrix(r, 500, 784), *dY = random_matrix(r, 100, 784);
    gsl_matrix *bias_store = random_matrix(r, 784, 2);
    gsl_matrix_scale(dY, 1.0 / 3.0);      /* every bit of the mantissa used: sums that depend on their order */
    size_t idx[100];
    for (size_t i = 0; i < 100; i++)
        idx[i] = i % 7 == 3 ? idx[i - 1] : gsl_rng_uniform_int(r, 500);
    gsl_matrix *got[2];
    gsl_vector *sums[2];
    for (int t = 0; t < 2; t++) {
        team_set_threads(t + 1);
        got[t] = gsl_matrix_calloc(110, 784);
        mat_gather_rows(got[t], src, idx, 100);
        gsl_vector_view b = gsl_matrix_column(bias_store, 1);   /* stride 2 */
        sums[t] = gsl_vector_alloc(784);
        gsl_vector_memcpy(sums[t], &b.vector);
        mat_add_col_sums(&b.vector, dY);
        gsl_vector_swap(sums[t], &b.vector);                     /* the result out, the start back */
    }
    team_set_threads(1);
    for (size_t i = 0; i < 110; i++)
        for (size_t j = 0; j < 784; j++)
            assert_true(gsl_matrix_get(got[1], i, j) == (i < 100 ? gsl_matrix_get(src, idx[i], j) : 0.0));
    for (size_t j = 0; j < 784; j++) {
        double s = gsl_matrix_get(bias_store, j, 1);
        for (size_t i = 0; i < 100; i++)
            s += gsl_matrix_get(dY, i, j);
        assert_true(gsl_vector_get(sums[1], j) == s);
    }
    assert_true(gsl_matrix_equal(got[0], got[1]) && gsl_vector_equal(sums[0], sums[1]));
    for (int t = 0; t < 2; t++)
        gsl_matrix_free(got[t]), gsl_vector_free(sums[t]);
    gsl_matrix_free(src), gsl_matrix_free(dY), gsl_matrix_free(bias_store), gsl_rng_free(r);
}

/* ---- team_background -------------------------------------------------------- */
typedef struct background_job {
    pthread_t ran_on;
    atomic_int go, started, finished, waited_out;
    const atomic_int *before;     /* a job that must have finished first (or NULL) */
    int before_done;              /* its `finished` when this one started */
} background_job;

/* Wait (up to 10 s) until this thread sets go: a team that handed the job's
 * thread any work meanwhile would stall until then, and waited_out says so. */
static void wait_for_go(void *ctx)
{
    background_job *j = ctx;
    j->ran_on = pthread_self();
    j->before_done = j->before ? atomic_load(j->before) : 1;
    atomic_store(&j->started, 1);
    const time_t until = time(NULL) + 10;
    while (!atomic_load(&j->go))
        if (time(NULL) > until) {
            atomic_store(&j->waited_out, 1);
            break;
        }
    atomic_store(&j->finished, 1);
}

static void note_range_thread(void *ctx, size_t from, size_t to)
{
    pthread_t *who = ctx;
    (void)to;
    who[from != 0] = pthread_self();
}

static void test_team_background(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(11);
    gsl_matrix *A = random_matrix(r, 200, 300), *B = random_matrix(r, 300, 100);
    gsl_matrix *whole = gsl_matrix_alloc(200, 100), *alone = gsl_matrix_alloc(200, 100);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, A, B, 0.0, whole);
    /* one thread: the job runs here, before team_background returns */
    team_set_threads(1);
    background_job here = {.go = 1};
    team_background(wait_for_go, &here);
    assert_true(atomic_load(&here.finished) && pthread_equal(here.ran_on, pthread_self()));
    team_wait();
    /* a team: the job runs on the helper; meanwhile a product, a loop and
     * items are done whole, here (no waiting for the busy helper) */
    team_set_threads(2);
    background_job job = {0};
    team_background(wait_for_go, &job);
    while (!atomic_load(&job.started))
        ;
    team_dgemm(CblasNoTrans, CblasNoTrans, 1.0, A, B, 0.0, alone);
    unsigned char visits[1000] = {0};
    team_range(1000, 1, count_visits, visits);
    int seen[64];
    team_each(64, 1, note_thread, seen);
    assert_false(atomic_load(&job.finished));             /* the helper was busy all along */
    atomic_store(&job.go, 1);
    team_wait();
    assert_true(atomic_load(&job.finished));
    assert_false(atomic_load(&job.waited_out));
    assert_false(pthread_equal(job.ran_on, pthread_self()));
    assert_true(gsl_matrix_equal(whole, alone));
    for (size_t i = 0; i < 1000; i++)
        assert_int_equal(visits[i], 1);
    for (size_t i = 0; i < 64; i++)
        assert_int_equal(seen[i], 0);                      /* every item here */
    /* done: the helper shares a loop again */
    pthread_t who[2];
    team_range(1000, 1, note_range_thread, who);
    assert_true(pthread_equal(who[0], pthread_self()) && pthread_equal(who[1], job.ran_on));
    /* one at a time: a second job starts after the first has finished */
    background_job first = {0}, second = {.go = 1, .before = &first.finished};
    team_background(wait_for_go, &first);
    atomic_store(&first.go, 1);
    team_background(wait_for_go, &second);
    team_wait();
    assert_true(second.before_done && atomic_load(&second.finished));
    team_set_threads(1);
    gsl_matrix_free(A), gsl_matrix_free(B), gsl_matrix_free(whole), gsl_matrix_free(alone), gsl_rng_free(r);
}

int main(void)
{
    openblas_set_num_threads(1);   /* the whole product on one thread, as in every test */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_team_dgemm),
        cmocka_unit_test(test_team_range),
        cmocka_unit_test(test_team_each),
        cmocka_unit_test(test_team_adam),
        cmocka_unit_test(test_team_conv),
        cmocka_unit_test(test_team_activations),
        cmocka_unit_test(test_team_rows),
        cmocka_unit_test(test_team_norms),
        cmocka_unit_test(test_team_bce),
        cmocka_unit_test(test_team_background),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
