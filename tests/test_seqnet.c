/* test_seqnet.c -- common/seqnet: a network as a list of layers. Finite
 * differences of L = sum(W * net(X)) (W fixed and random) against backward's
 * parameter gradients and its input gradient d[0], for an MLP, a stack of
 * 3x3 convolutions and an encoder-decoder with layer norm, dense code and
 * transposed convolutions; seqnet_backward_params and _input against the
 * whole backward, to the bit; the clamp's values and cut-off gradient; and
 * seqnet_apply, any number of rows, against one forward pass. */
#include <float.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "genlab.h"

#define REL_TOL 1e-6
#define ABS_TOL 1e-9
#define SMALL 1e-4

typedef struct net_ctx { seqnet *N; const gsl_matrix *X, *W; } net_ctx;

static double net_value(void *ctx)
{
    net_ctx *c = ctx;
    const gsl_matrix *Y = seqnet_forward(c->N, c->X);
    double L = 0.0;
    for (size_t k = 0; k < Y->size1 * Y->size2; k++)
        L += Y->data[k] * c->W->data[k];
    return L;
}

static double central(net_ctx *c, double *x, double h)
{
    const double x0 = *x;
    *x = x0 + h;
    const double Lp = net_value(c);
    *x = x0 - h;
    const double Lm = net_value(c);
    *x = x0;
    return (Lp - Lm) / (2 * h);
}

/* every third entry; an entry that fails at h and agrees at h / 10 sat at
 * a LeakyReLU's kink (at most 1 in 20 may).
 *
 * A difference quotient is no more exact than the rounding of the two losses
 * it subtracts: about |L| eps / h. Here L sums 3 x 784 outputs (|L| ~ 35),
 * and that noise is measured: 40 quotients of one input entry at h, h 1.01,
 * ..., h 1.39 spread with a standard deviation of 2.0e-9 = 2.6 |L| eps / h,
 * around the analytic value (mean off by 2.9e-10). On an entry whose gradient
 * is 1.3e-4 that is 1.6e-5 relative, above REL_TOL, and it was: the check
 * failed under OpenBLAS's Haswell kernels and passed under SkylakeX's, on
 * rounding alone. So a difference below NOISE_K |L| eps / h (6 standard
 * deviations) is not scored as an error; a wrong backward pass is wrong by a
 * part of the gradient itself, on every entry it touches. */
#define NOISE_K 16.0
static void check(net_ctx *c, double *x, const double *analytic, size_t n, const char *what)
{
    size_t tested = 0, kinks = 0, failed = 0;
    double worst = 0.0;                       /* the largest relative error scored */
    const double noise = fmax(ABS_TOL, NOISE_K * fabs(net_value(c)) * DBL_EPSILON / GRADCHECK_H);
    for (size_t i = 0; i < n; i += 3) {
        const double num = central(c, x + i, GRADCHECK_H), a = analytic[i];
        const double rel = fabs(a - num) / fmax(fabs(a) + fabs(num), GRADCHECK_FLOOR);
        /* wrong: off by more than the noise, and (above SMALL) relatively too */
        int wrong = fabs(a - num) >= noise && (fabs(a) < SMALL || rel >= REL_TOL);
        if (wrong) {
            const double again = central(c, x + i, GRADCHECK_H / 10);
            if (fabs(a - again) / fmax(fabs(a) + fabs(again), GRADCHECK_FLOOR) < 10 * REL_TOL) {
                kinks++;
                continue;
            }
        }
        if (fabs(a) >= SMALL)
            worst = fmax(worst, rel);
        failed += wrong;
        tested++;
    }
    print_message("%-40s max rel err %.1e over %zu entries, %zu at a kink, %zu wrong (noise %.0e)\n",
                  what, worst, tested, kinks, failed, noise);
    assert_true(failed == 0);
    assert_true(kinks <= n / 60 + 2);
}

/* seqnet_backward's halves, after a whole backward gave grad and dX for the
 * same forward pass: _params adds the same gradients to the bit and leaves
 * d[0] alone; _input writes the same d[0] and adds no gradient */
static void check_halves(const char *name, seqnet *N, const gsl_matrix *W, const gsl_vector *grad,
                         const gsl_matrix *dX)
{
    params_zero_grad(N->P);
    gsl_matrix_set_all(N->d[0], 7.0);
    gsl_matrix_memcpy(N->d[N->n_layers], W);
    seqnet_backward_params(N);
    for (size_t k = 0; k < grad->size; k++)
        if (N->P->grad->data[k] != grad->data[k])
            fail_msg("%s: seqnet_backward_params: gradient %zu is %.17g, not %.17g", name, k,
                     N->P->grad->data[k], grad->data[k]);
    for (size_t k = 0; k < dX->size1 * dX->size2; k++)
        if (N->d[0]->data[k] != 7.0)
            fail_msg("%s: seqnet_backward_params wrote d[0]", name);
    params_zero_grad(N->P);
    gsl_matrix_memcpy(N->d[N->n_layers], W);
    seqnet_backward_input(N);
    for (size_t k = 0; k < dX->size1 * dX->size2; k++)
        if (N->d[0]->data[k] != dX->data[k])
            fail_msg("%s: seqnet_backward_input: d[0] entry %zu is %.17g, not %.17g", name, k, N->d[0]->data[k],
                     dX->data[k]);
    for (size_t k = 0; k < grad->size; k++)
        if (N->P->grad->data[k] != 0.0)
            fail_msg("%s: seqnet_backward_input added to gradient %zu", name, k);
}

static void check_net(const char *name, size_t c, size_t h, const seq_spec *s, size_t n_layers, int last_is_conv)
{
    char what[64];
    gsl_rng *r = rng_new(8);
    seqnet *N = seqnet_new(c, h, h, s, n_layers, 3, 1e-3, 0.5, r);
    gsl_matrix *X = gsl_matrix_alloc(3, N->in_width), *W = gsl_matrix_alloc(3, N->out_width), *dX = gsl_matrix_alloc(3, N->in_width);
    rng_fill_uniform(r, X, 0.05, 0.95);
    rng_fill_gaussian(r, W, 0, 1);
    if (last_is_conv)                /* the output inside (0, 1): away from the clamp's kinks */
        gsl_vector_set_all(&N->L[n_layers - 2].c.b.vector, 0.5);
    net_ctx ctx = {N, X, W};
    seqnet_forward(N, X);
    gsl_matrix_memcpy(N->d[n_layers], W);
    params_zero_grad(N->P);
    seqnet_backward(N);
    gsl_vector *grad = gsl_vector_alloc(N->P->grad->size);
    gsl_vector_memcpy(grad, N->P->grad);
    gsl_matrix_memcpy(dX, N->d[0]);
    check_halves(name, N, W, grad, dX);
    snprintf(what, sizeof what, "%s: parameters", name);
    check(&ctx, N->P->value->data, grad->data, grad->size, what);
    snprintf(what, sizeof what, "%s: input", name);
    check(&ctx, X->data, dX->data, X->size1 * X->size2, what);
    gsl_vector_free(grad); gsl_matrix_free(dX); gsl_matrix_free(X); gsl_matrix_free(W);
    seqnet_free(N); gsl_rng_free(r);
}

static void test_mlp(void **s)
{
    (void)s;
    const seq_spec two[] = {{SEQ_DENSE, 5, 0, 0, 0, 0}, {SEQ_LRELU, 0, 0, 0, 0, 0}, {SEQ_DENSE, 4, 0, 0, 0, 0},
                            {SEQ_SIGMOID, 0, 0, 0, 0, 0}, {SEQ_DENSE, 2, 0, 0, 0, 0}};
    check_net("mlp 3 -> 5 -> 4 -> 2", 3, 1, two, 5, 0);
}

static void test_local(void **s)
{
    (void)s;
    const seq_spec local[] = {{SEQ_CONV, 2, 3, 1, 1, 0}, {SEQ_LRELU, 0, 0, 0, 0, 0}, {SEQ_CONV, 2, 3, 1, 1, 0},
                              {SEQ_LRELU, 0, 0, 0, 0, 0}, {SEQ_CONV, 1, 3, 1, 1, 0}, {SEQ_CLAMP, 0, 0, 0, 0, 0}};
    check_net("3x3 convolutions, clamp", 1, 28, local, 6, 1);
}

static void test_encoder_decoder(void **s)
{
    (void)s;
    const seq_spec ed[] = {{SEQ_CONV, 4, 4, 2, 1, 0}, {SEQ_NORM, 0, 0, 0, 0, 0}, {SEQ_LRELU, 0, 0, 0, 0, 0},
                           {SEQ_CONV, 8, 4, 2, 1, 0}, {SEQ_NORM, 0, 0, 0, 0, 0}, {SEQ_LRELU, 0, 0, 0, 0, 0},
                           {SEQ_DENSE, 4, 0, 0, 0, 0}, {SEQ_LRELU, 0, 0, 0, 0, 0},
                           {SEQ_DENSE, 8 * 49, 0, 0, 0, 7}, {SEQ_NORM, 0, 0, 0, 0, 0}, {SEQ_LRELU, 0, 0, 0, 0, 0},
                           {SEQ_CONVT, 4, 4, 2, 1, 0}, {SEQ_NORM, 0, 0, 0, 0, 0}, {SEQ_LRELU, 0, 0, 0, 0, 0},
                           {SEQ_CONVT, 1, 4, 2, 1, 0}, {SEQ_CLAMP, 0, 0, 0, 0, 0}};
    check_net("encoder-decoder, layer norm, clamp", 1, 28, ed, 16, 1);
}

static void test_clamp_and_apply(void **s)
{
    (void)s;
    const seq_spec clampnet[] = {{SEQ_CLAMP, 0, 0, 0, 0, 0}};
    gsl_rng *r = rng_new(2);
    seqnet *N = seqnet_new(5, 1, 1, clampnet, 1, 2, 1e-3, 0.5, r);
    double x[] = {-0.5, 0.0, 0.3, 1.0, 1.7}, dy[] = {1, 2, 3, 4, 5};
    const double want_y[] = {0, 0, 0.3, 1, 1}, want_dx[] = {0, 0, 3, 0, 0};
    ws_rows(N->ws, 1);
    gsl_matrix_view X = gsl_matrix_view_array(x, 1, 5), dY = gsl_matrix_view_array(dy, 1, 5);
    const gsl_matrix *Y = seqnet_forward(N, &X.matrix);
    gsl_matrix_memcpy(N->d[1], &dY.matrix);
    seqnet_backward(N);
    for (int k = 0; k < 5; k++) {
        assert_true(gsl_matrix_get(Y, 0, k) == want_y[k]);
        assert_true(gsl_matrix_get(N->d[0], 0, k) == want_dx[k]);
    }
    seqnet_free(N);
    /* apply: 7 rows, 3 at a time, the same as row by row */
    const seq_spec two[] = {{SEQ_DENSE, 4, 0, 0, 0, 0}, {SEQ_LRELU, 0, 0, 0, 0, 0}, {SEQ_DENSE, 2, 0, 0, 0, 0}};
    N = seqnet_new(3, 1, 1, two, 3, 3, 1e-3, 0.5, r);
    gsl_matrix *in = gsl_matrix_alloc(7, 3), *out = gsl_matrix_alloc(7, 2);
    rng_fill_gaussian(r, in, 0, 1);
    seqnet_apply(N, in, out);
    assert_int_equal(ws_current_rows(N->ws), 3);
    for (size_t i = 0; i < 7; i++) {
        ws_rows(N->ws, 1);
        gsl_matrix_const_view row = gsl_matrix_const_submatrix(in, i, 0, 1, 3);
        const gsl_matrix *y = seqnet_forward(N, &row.matrix);
        for (size_t j = 0; j < 2; j++)
            assert_true(gsl_matrix_get(y, 0, j) == gsl_matrix_get(out, i, j));
    }
    gsl_matrix_free(in); gsl_matrix_free(out);
    seqnet_free(N); gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mlp),
        cmocka_unit_test(test_local),
        cmocka_unit_test(test_encoder_decoder),
        cmocka_unit_test(test_clamp_and_apply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
