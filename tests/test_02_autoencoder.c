/* test_02_autoencoder.c -- the chapter's own backward pass, checked.
 *
 * Chapter 02 writes the autoencoder's backward pass out by hand (section 4).
 * Here we compare every entry of the gradient it produces with central
 * differences of the loss, for the source's 2-4-1-4-2 and for other shapes,
 * and make sure the check really bites: the source's gradient normalisation
 * (a factor 2 too large) and a forgotten ReLU mask must both FAIL it.
 * Plus PCA on data whose answer we know, and room enough in the loss logs.
 */
#define GENLAB_TESTING
#include "../chapters/02-autoencoder/autoencoder.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

typedef struct ctx {
    autoencoder *ae;
    const gsl_matrix *X;
} ctx;

/* The loss at the current parameters (a forward pass only). */
static double loss_at(void *p)
{
    ctx *c = p;
    return ae_loss(c->ae, c->X, 0);
}

/* A network with Xavier weights AND non-zero biases (zero biases would leave
 * every ReLU kink at the origin, a special case), on n noisy circle points. */
static autoencoder *setup(size_t hidden, size_t latent, size_t n, gsl_matrix **X,
                          gsl_rng **r)
{
    *r = rng_new(2024);
    *X = circle(n, 0.05, RANDOM, *r);
    autoencoder *ae = ae_new(hidden, latent, n);
    ae_init(ae, *r);
    for (size_t i = 0; i < ae->P->value->size; i++)
        *gsl_vector_ptr(ae->P->value, i) += gsl_ran_gaussian(*r, 0.1);
    return ae;
}

static void teardown(autoencoder *ae, gsl_matrix *X, gsl_rng *r)
{
    ae_free(ae);
    gsl_matrix_free(X);
    gsl_rng_free(r);
}

/* Gradient check of the whole autoencoder, every parameter. */
static void check_shape(size_t hidden, size_t latent)
{
    gsl_matrix *X;
    gsl_rng *r;
    size_t n = 16;
    autoencoder *ae = setup(hidden, latent, n, &X, &r);
    ctx c = {ae, X};

    ae_loss(ae, X, 1);
    size_t size = ae->P->value->size, nonzero = 0;
    for (size_t i = 0; i < size; i++)
        nonzero += gsl_vector_get(ae->P->grad, i) != 0.0;
    /* the check means something only if most units pass a gradient */
    assert_true(nonzero >= size * 3 / 4);

    gradcheck_result res = gradcheck(loss_at, &c, ae->P->value->data, ae->P->grad->data,
                                     size, size);
    assert_int_equal(res.checked, size);
    if (res.max_rel_err >= 1e-6)
        print_error("2-%zu-%zu-%zu-2: rel err %g at %zu (analytic %g, numeric %g)\n", hidden,
                    latent, hidden, res.max_rel_err, res.worst, res.analytic, res.numeric);
    assert_true(res.max_rel_err < 1e-6);
    teardown(ae, X, r);
}

static void test_gradcheck_source_shape(void **state)
{
    (void)state;
    check_shape(4, 1);          /* the source's 2-4-1-4-2 */
}

static void test_gradcheck_latent2(void **state)
{
    (void)state;
    check_shape(4, 2);
}

static void test_gradcheck_wide(void **state)
{
    (void)state;
    check_shape(16, 3);
}

/* The source's slip: dL/dx^ = 2 (x^ - x) / N for a loss averaged over N*2
 * entries, i.e. every gradient twice too large. The check must catch it. */
static void test_gradcheck_catches_source_normalisation(void **state)
{
    (void)state;
    gsl_matrix *X;
    gsl_rng *r;
    autoencoder *ae = setup(4, 1, 16, &X, &r);
    ctx c = {ae, X};
    ae_loss(ae, X, 1);
    gsl_vector_scale(ae->P->grad, 2.0);                 /* the source's gradient */
    size_t size = ae->P->value->size;
    gradcheck_result res = gradcheck(loss_at, &c, ae->P->value->data, ae->P->grad->data,
                                     size, size);
    assert_true(res.max_rel_err > 0.3);                  /* |2g - g| / |3g| = 1/3 */
    teardown(ae, X, r);
}

/* A backward pass that forgets the decoder's ReLU mask (da2 = dh2). */
static void backward_without_mask(autoencoder *ae, const gsl_matrix *X,
                                  const gsl_matrix *dxhat)
{
    dense_backward(&ae->dec2, ae->h2, dxhat, ae->dh2);
    dense_backward(&ae->dec1, ae->z, ae->dh2, ae->dz);                /* no mask! */
    dense_backward(&ae->enc2, ae->h1, ae->dz, ae->dh1);
    act_backward(ACT_RELU, ae->a1, ae->h1, ae->dh1, ae->da1);
    dense_backward(&ae->enc1, X, ae->da1, NULL);
}

static void test_gradcheck_catches_missing_relu_mask(void **state)
{
    (void)state;
    gsl_matrix *X;
    gsl_rng *r;
    autoencoder *ae = setup(4, 1, 16, &X, &r);
    ctx c = {ae, X};
    loss_mse(ae_forward(ae, X), X, ae->dxhat);
    params_zero_grad(ae->P);
    backward_without_mask(ae, X, ae->dxhat);
    size_t size = ae->P->value->size;
    gradcheck_result res = gradcheck(loss_at, &c, ae->P->value->data, ae->P->grad->data,
                                     size, size);
    assert_true(res.max_rel_err > 1e-2);
    teardown(ae, X, r);
}

/* PCA on points along a known direction: u = +-(1, 2)/sqrt(5), lambda_2 = 0,
 * and the reconstruction error is zero. */
static void test_pca_on_a_line(void **state)
{
    (void)state;
    size_t n = 50;
    gsl_matrix *X = gsl_matrix_alloc(n, 2), *Xhat = gsl_matrix_alloc(n, 2);
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / (double)n - 0.3;
        gsl_matrix_set(X, i, 0, 1.0 + t);
        gsl_matrix_set(X, i, 1, -2.0 + 2.0 * t);
    }
    pca1 p = pca1_fit(X);
    assert_true(fabs(fabs(p.u[0]) - 1.0 / sqrt(5.0)) < 1e-12);
    assert_true(fabs(fabs(p.u[1]) - 2.0 / sqrt(5.0)) < 1e-12);
    assert_true(p.u[0] * p.u[1] > 0.0);
    assert_true(fabs(p.lambda[1]) < 1e-12);
    pca1_reconstruct(&p, X, Xhat);
    assert_true(mat_mse(Xhat, X) < 1e-24);
    gsl_matrix_free(Xhat);
    gsl_matrix_free(X);
}

/* PCA on a circle: both eigenvalues near 1/2, error = lambda_2 / 2 ~ 0.25. */
static void test_pca_on_a_circle(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(1);
    size_t n = 200;
    gsl_matrix *X = circle(n, 0.0, GRID, r), *Xhat = gsl_matrix_alloc(n, 2);
    pca1 p = pca1_fit(X);
    pca1_reconstruct(&p, X, Xhat);
    double mse = mat_mse(Xhat, X);
    assert_true(fabs(mse - p.lambda[1] / 2.0) < 1e-12);
    assert_true(fabs(p.lambda[0] - 0.5) < 0.01 && fabs(p.lambda[1] - 0.5) < 0.01);
    gsl_matrix_free(Xhat);
    gsl_matrix_free(X);
    gsl_rng_free(r);
}

/* Mini-batches: one epoch visits every row exactly once. */
static void test_batcher_epoch(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(3);
    size_t n = 12, batch = 4;
    gsl_matrix *X = gsl_matrix_alloc(n, 2);
    for (size_t i = 0; i < n; i++) {
        gsl_matrix_set(X, i, 0, (double)i);
        gsl_matrix_set(X, i, 1, 0.0);
    }
    batcher b = batcher_new(X, batch, r);
    int seen[12] = {0};
    for (size_t s = 0; s < n / batch; s++) {
        const gsl_matrix *B = batcher_next(&b);
        assert_int_equal(B->size1, batch);
        for (size_t i = 0; i < batch; i++)
            seen[(size_t)gsl_matrix_get(B, i, 0)]++;
    }
    for (size_t i = 0; i < n; i++)
        assert_int_equal(seen[i], 1);
    batcher_free(&b);
    gsl_matrix_free(X);
    gsl_rng_free(r);
}

/* The loss log has room for every row train() logs (history_add dies when
 * a log is full): for runs of any length, starting at step 1 (the source's
 * recipe, an audition) or after an audition (the final run), logged every
 * step or every 1 %. */
static void test_loss_log_room(void **state)
{
    (void)state;
    long lengths[] = {1, 2, 99, 100, 101, 199, 250, 500, 999, 1000, 1001, 12345, 20000};
    long firsts[] = {1, 501, 1001};
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++)
        for (size_t f = 0; f < 3; f++)
            for (int every_step = 0; every_step < 2; every_step++) {
                long steps = lengths[i], first = firsts[f], last = first + steps - 1;
                long every = every_step ? 1 : log_every(steps);
                history *log = loss_log(steps, every);
                size_t rows = 0;
                for (long step = first; step <= last; step++)
                    rows += step - first < 100 || step % every == 0 || step == last;
                assert_true(rows <= log->cap);
                history_free(log);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradcheck_source_shape),
        cmocka_unit_test(test_gradcheck_latent2),
        cmocka_unit_test(test_gradcheck_wide),
        cmocka_unit_test(test_gradcheck_catches_source_normalisation),
        cmocka_unit_test(test_gradcheck_catches_missing_relu_mask),
        cmocka_unit_test(test_pca_on_a_line),
        cmocka_unit_test(test_pca_on_a_circle),
        cmocka_unit_test(test_batcher_epoch),
        cmocka_unit_test(test_loss_log_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
