/* test_layernorm.c -- layer normalisation (common/layernorm.h) and the
 * leaky ReLU of any slope (common/activation.h), both added for chapter 09.
 *
 * Finite-difference gradient checks of the gain, the bias and the input, on a
 * dense layer's output (P = 1) and on images (P > 1, one group per pixel);
 * values by hand: every group has mean b and spread g after the layer, one
 * sample's output does not depend on the others; the leaky ReLU at slopes
 * 0.1 and 0.3, and ACT_LEAKY_RELU still exactly its slope-0.2 case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "genlab.h"

/* the loss of the checks: L = sum (Y - Y0) * R, a fixed random direction R,
 * so that dL/dY = R (Y0 taken away to keep L small: less rounding noise) */
typedef struct ln_probe {
    layernorm *L;
    params *P;
    gsl_matrix *X, *Y, *Y0, *R, *dX;
} ln_probe;

static void probe_init(ln_probe *p, size_t n, size_t C, size_t P, double eps, gsl_rng *r)
{
    p->P = params_alloc(layernorm_size(C));
    p->L = layernorm_new(p->P, C, P);
    p->L->eps = eps;
    for (size_t c = 0; c < C; c++) {
        gsl_vector_set(&p->L->g.vector, c, gsl_ran_gaussian(r, 1.0));
        gsl_vector_set(&p->L->b.vector, c, gsl_ran_gaussian(r, 1.0));
    }
    p->X = gsl_matrix_alloc(n, C * P);
    p->Y = gsl_matrix_alloc(n, C * P);
    p->Y0 = gsl_matrix_alloc(n, C * P);
    p->R = gsl_matrix_alloc(n, C * P);
    p->dX = gsl_matrix_alloc(n, C * P);
    rng_fill_gaussian(r, p->X, 2.0, 3.0);          /* far from normalised already */
    rng_fill_gaussian(r, p->R, 0.0, 1.0);
    layernorm_forward(p->L, p->X, p->Y0);
}

static void probe_free(ln_probe *p)
{
    gsl_matrix_free(p->X); gsl_matrix_free(p->Y); gsl_matrix_free(p->Y0);
    gsl_matrix_free(p->R); gsl_matrix_free(p->dX);
    layernorm_free(p->L);
    params_free(p->P);
}

static double probe_loss(void *ctx)
{
    ln_probe *p = ctx;
    layernorm_forward(p->L, p->X, p->Y);
    double s = 0.0;
    for (size_t i = 0; i < p->Y->size1; i++)
        for (size_t j = 0; j < p->Y->size2; j++)
            s += (gsl_matrix_get(p->Y, i, j) - gsl_matrix_get(p->Y0, i, j)) * gsl_matrix_get(p->R, i, j);
    return s;
}

/* max relative error < 1e-6 over every entry; and a nudged entry is seen */
static void check_gradient(ln_probe *p, double *x, const double *analytic, size_t n, const char *what)
{
    gradcheck_result res = gradcheck(probe_loss, p, x, analytic, n, 100000);
    assert_int_equal(res.checked, n);
    if (!(res.max_rel_err < 1e-6))
        fail_msg("%s: max relative error %.3g at %zu (analytic %.12g, numeric %.12g)",
                 what, res.max_rel_err, res.worst, res.analytic, res.numeric);
    double *wrong = malloc(n * sizeof *wrong);
    assert_non_null(wrong);
    memcpy(wrong, analytic, n * sizeof *wrong);
    wrong[n / 2] += 1e-3 * (1.0 + fabs(wrong[n / 2]));
    res = gradcheck(probe_loss, p, x, wrong, n, 100000);
    free(wrong);
    if (!(res.max_rel_err > 1e-4 && res.worst == n / 2))
        fail_msg("%s: a wrong gradient went unnoticed", what);
}

static void test_layernorm_gradcheck(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(21);
    /* (n, C, P): a dense layer's output, images of 2x3 pixels, one sample, Keras's eps */
    const size_t shapes[][3] = {{4, 5, 1}, {3, 4, 6}, {1, 3, 9}, {2, 7, 4}};
    const double eps[] = {1e-5, 1e-5, 1e-5, 1e-3};
    for (size_t s = 0; s < 4; s++) {
        ln_probe p;
        probe_init(&p, shapes[s][0], shapes[s][1], shapes[s][2], eps[s], r);
        params_zero_grad(p.P);
        layernorm_forward(p.L, p.X, p.Y);
        layernorm_backward(p.L, p.X, p.R, p.dX);
        const size_t C = shapes[s][1];
        char what[96];
        snprintf(what, sizeof what, "layernorm n=%zu C=%zu P=%zu gain", shapes[s][0], C, shapes[s][2]);
        check_gradient(&p, p.L->g.vector.data, p.L->dg.vector.data, C, what);
        snprintf(what, sizeof what, "layernorm n=%zu C=%zu P=%zu bias", shapes[s][0], C, shapes[s][2]);
        check_gradient(&p, p.L->b.vector.data, p.L->db.vector.data, C, what);
        snprintf(what, sizeof what, "layernorm n=%zu C=%zu P=%zu input", shapes[s][0], C, shapes[s][2]);
        check_gradient(&p, p.X->data, p.dX->data, p.X->size1 * p.X->size2, what);
        /* dX may be dY: the same numbers written in place */
        gsl_matrix *inplace = gsl_matrix_alloc(p.R->size1, p.R->size2);
        gsl_matrix_memcpy(inplace, p.R);
        layernorm_backward(p.L, p.X, inplace, inplace);
        assert_true(gsl_matrix_equal(inplace, p.dX));
        gsl_matrix_free(inplace);
        probe_free(&p);
    }
    gsl_rng_free(r);
}

/* backward ADDS into dg, db: two calls give twice the gradient */
static void test_layernorm_accumulates(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(22);
    ln_probe p;
    probe_init(&p, 3, 4, 2, 1e-5, r);
    params_zero_grad(p.P);
    layernorm_backward(p.L, p.X, p.R, NULL);
    gsl_vector *once = gsl_vector_alloc(p.P->grad->size);
    gsl_vector_memcpy(once, p.P->grad);
    layernorm_backward(p.L, p.X, p.R, NULL);
    for (size_t k = 0; k < once->size; k++)
        assert_true(fabs(gsl_vector_get(p.P->grad, k) - 2.0 * gsl_vector_get(once, k)) < 1e-12);
    gsl_vector_free(once);
    probe_free(&p);
    gsl_rng_free(r);
}

/* with g = 1, b = 0 every (sample, position) group comes out with mean 0 and
 * variance var / (var + eps), about 1; a sample's output is the same alone as
 * in a batch; a feature's gain and bias scale and shift it */
static void test_layernorm_values(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(23);
    const size_t n = 5, C = 6, P = 4;
    params *Pp = params_alloc(layernorm_size(C));
    layernorm *L = layernorm_new(Pp, C, P);
    assert_true(gsl_vector_get(&L->g.vector, 0) == 1.0 && gsl_vector_get(&L->b.vector, C - 1) == 0.0);
    gsl_matrix *X = gsl_matrix_alloc(n, C * P), *Y = gsl_matrix_alloc(n, C * P);
    rng_fill_gaussian(r, X, 5.0, 4.0);
    layernorm_forward(L, X, Y);
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < P; p++) {
            double m = 0.0, v = 0.0, mx = 0.0, vx = 0.0;
            for (size_t c = 0; c < C; c++) {
                m += gsl_matrix_get(Y, i, c * P + p) / (double)C;
                mx += gsl_matrix_get(X, i, c * P + p) / (double)C;
            }
            for (size_t c = 0; c < C; c++) {
                v += pow(gsl_matrix_get(Y, i, c * P + p) - m, 2) / (double)C;
                vx += pow(gsl_matrix_get(X, i, c * P + p) - mx, 2) / (double)C;
            }
            assert_true(fabs(m) < 1e-12);
            assert_true(fabs(v - vx / (vx + LAYERNORM_EPS)) < 1e-12);
        }
    /* sample 3 alone: the same output, bit for bit */
    gsl_matrix_view x3 = gsl_matrix_submatrix(X, 3, 0, 1, C * P);
    gsl_matrix *y3 = gsl_matrix_alloc(1, C * P);
    layernorm_forward(L, &x3.matrix, y3);
    gsl_matrix_view row = gsl_matrix_submatrix(Y, 3, 0, 1, C * P);
    assert_true(gsl_matrix_equal(&row.matrix, y3));
    /* a gain and a bias per feature: y = g xhat + b */
    gsl_vector_set(&L->g.vector, 2, 3.0);
    gsl_vector_set(&L->b.vector, 2, -1.0);
    gsl_matrix *Y2 = gsl_matrix_alloc(n, C * P);
    layernorm_forward(L, X, Y2);
    for (size_t p = 0; p < P; p++)
        assert_true(fabs(gsl_matrix_get(Y2, 1, 2 * P + p) - (3.0 * gsl_matrix_get(Y, 1, 2 * P + p) - 1.0)) < 1e-12);
    gsl_matrix_free(X); gsl_matrix_free(Y); gsl_matrix_free(Y2); gsl_matrix_free(y3);
    layernorm_free(L);
    params_free(Pp);
    gsl_rng_free(r);
}

/* ---- leaky ReLU of any slope ------------------------------------------------ */
typedef struct leaky_probe {
    double slope;
    gsl_matrix *Z, *A, *R;
} leaky_probe;

static double leaky_loss(void *ctx)
{
    leaky_probe *p = ctx;
    leaky_relu_forward(p->slope, p->Z, p->A);
    double s = 0.0;
    for (size_t i = 0; i < p->A->size1; i++)
        for (size_t j = 0; j < p->A->size2; j++)
            s += gsl_matrix_get(p->A, i, j) * gsl_matrix_get(p->R, i, j);
    return s;
}

static void test_leaky_relu_slopes(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(24);
    const double slopes[] = {0.1, 0.3, ACT_LEAKY_SLOPE};
    for (int k = 0; k < 3; k++) {
        leaky_probe p = {slopes[k], gsl_matrix_alloc(4, 6), gsl_matrix_alloc(4, 6), gsl_matrix_alloc(4, 6)};
        gsl_matrix *dZ = gsl_matrix_alloc(4, 6);
        rng_fill_gaussian(r, p.Z, 0.0, 1.0);
        for (size_t j = 0; j < 6; j++)           /* no entry within h of the kink */
            for (size_t i = 0; i < 4; i++)
                if (fabs(gsl_matrix_get(p.Z, i, j)) < 1e-3)
                    gsl_matrix_set(p.Z, i, j, 0.5);
        rng_fill_gaussian(r, p.R, 0.0, 1.0);
        leaky_relu_forward(p.slope, p.Z, p.A);
        for (size_t i = 0; i < 4; i++)
            for (size_t j = 0; j < 6; j++) {
                double z = gsl_matrix_get(p.Z, i, j);
                assert_true(gsl_matrix_get(p.A, i, j) == (z > 0 ? z : p.slope * z));
            }
        leaky_relu_backward(p.slope, p.Z, p.R, dZ);
        gradcheck_result res = gradcheck(leaky_loss, &p, p.Z->data, dZ->data, 24, 24);
        assert_true(res.max_rel_err < 1e-7);
        leaky_relu_forward(p.slope, p.Z, p.A);   /* (the checks left A at a nudged Z) */
        if (slopes[k] == ACT_LEAKY_SLOPE) {       /* ACT_LEAKY_RELU is this case, exactly */
            gsl_matrix *A2 = gsl_matrix_alloc(4, 6), *dZ2 = gsl_matrix_alloc(4, 6);
            act_forward(ACT_LEAKY_RELU, p.Z, A2);
            act_backward(ACT_LEAKY_RELU, p.Z, A2, p.R, dZ2);
            assert_true(gsl_matrix_equal(A2, p.A));
            assert_true(gsl_matrix_equal(dZ2, dZ));
            gsl_matrix_free(A2); gsl_matrix_free(dZ2);
        }
        leaky_relu_forward(p.slope, p.Z, p.Z);   /* in place */
        assert_true(gsl_matrix_equal(p.Z, p.A));
        gsl_matrix_free(p.Z); gsl_matrix_free(p.A); gsl_matrix_free(p.R); gsl_matrix_free(dZ);
    }
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layernorm_gradcheck),
        cmocka_unit_test(test_layernorm_accumulates),
        cmocka_unit_test(test_layernorm_values),
        cmocka_unit_test(test_leaky_relu_slopes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
