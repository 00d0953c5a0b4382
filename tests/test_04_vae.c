/* test_04_vae.c -- gradient checks of chapter 04's hand-written backward pass.
 *
 * The VAE's loss is random (it draws eps), so "its derivative" only means
 * something with eps held fixed: then z = mu + sigma * eps is an ordinary
 * function of the weights and central differences must agree with backprop.
 * That is exactly what we check, for the reparameterisation on its own and
 * for the whole network (encoder, both heads, reparameterisation, decoder,
 * MSE + weighted KL), at both of the chapter's depths. And we check that the
 * check has teeth: source 000's KL gradient (divided by n only, for a KL
 * averaged over n * J entries) and a reparameterisation that forgets the
 * sigma factor must both FAIL it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define GENLAB_TESTING
#include "../chapters/04-vae/vae.c"

#define TOL 1e-6
#define N_ROWS 7

/* ---- the reparameterisation alone: L = sum_ij c_ij z_ij, so dL/dz = c ---- */

typedef struct rp_ctx {
    gsl_matrix *mu, *lv, *eps, *sigma, *z, *c;
} rp_ctx;

static double rp_loss(void *p)
{
    rp_ctx *t = p;
    reparam_forward(t->mu, t->lv, t->eps, t->sigma, t->z);
    double s = 0;
    for (size_t i = 0; i < t->z->size1; i++)
        for (size_t j = 0; j < t->z->size2; j++)
            s += gsl_matrix_get(t->c, i, j) * gsl_matrix_get(t->z, i, j);
    return s;
}

/* Run both checks (d/dmu, d/dlv); return the worse relative error.
 * drop_sigma: the wrong backward that forgets dsigma/dlv's sigma factor. */
static double rp_check(int drop_sigma)
{
    gsl_rng *r = rng_new(3);
    rp_ctx t;
    gsl_matrix **all[] = {&t.mu, &t.lv, &t.eps, &t.sigma, &t.z, &t.c};
    for (size_t i = 0; i < 6; i++)
        *all[i] = gsl_matrix_alloc(N_ROWS, 3);
    rng_fill_gaussian(r, t.mu, 0, 1);
    rng_fill_gaussian(r, t.lv, 0, 1);
    rng_fill_gaussian(r, t.eps, 0, 1);
    rng_fill_gaussian(r, t.c, 0, 1);
    gsl_matrix *dmu = gsl_matrix_alloc(N_ROWS, 3), *dlv = gsl_matrix_alloc(N_ROWS, 3);

    rp_loss(&t);
    reparam_backward(t.c, t.eps, t.sigma, dmu, dlv);
    if (drop_sigma)
        gsl_matrix_div_elements(dlv, t.sigma);
    gradcheck_result a = gradcheck(rp_loss, &t, t.mu->data, dmu->data, N_ROWS * 3, 1000);
    gradcheck_result b = gradcheck(rp_loss, &t, t.lv->data, dlv->data, N_ROWS * 3, 1000);

    for (size_t i = 0; i < 6; i++)
        gsl_matrix_free(*all[i]);
    gsl_matrix_free(dmu);
    gsl_matrix_free(dlv);
    gsl_rng_free(r);
    return fmax(a.max_rel_err, b.max_rel_err);
}

static void test_reparam_gradient(void **state)
{
    (void)state;
    double err = rp_check(0);
    printf("  reparam: max rel err %.2e\n", err);
    assert_true(err < TOL);
}

static void test_reparam_without_sigma_fails(void **state)
{
    (void)state;
    double err = rp_check(1);
    printf("  reparam without the sigma factor: max rel err %.2e\n", err);
    assert_true(err > 1e-2);
}

/* ---- the whole VAE, eps fixed ---------------------------------------------- */

typedef struct vae_ctx {
    vae *m;
    gsl_matrix *X;
} vae_ctx;

static double vae_loss(void *p)
{
    vae_ctx *t = p;
    return vae_forward(t->m, t->X).total;   /* uses the eps already in m->eps */
}

/* Build a small VAE, fix X and eps, backprop, compare with central
 * differences over EVERY parameter. backward_coef_factor multiplies the KL
 * weight used by backward only (1: correct; J: source 000's slip). */
static double vae_check(size_t depth, size_t hidden, size_t latent, double factor)
{
    gsl_rng *r = rng_new(11);
    vae *m = vae_new(depth, hidden, latent, N_ROWS, r);
    /* heads start at 0.01 in the chapter; larger ones exercise sigma != 1 */
    dense_init_normal(&m->mu_head, r, 0.7);
    dense_init_normal(&m->lv_head, r, 0.7);
    for (size_t j = 0; j < latent; j++)
        gsl_vector_set(&m->mu_head.b.vector, j, gsl_ran_flat(r, -0.5, 0.5));
    m->kl_coef = 0.3 * 1.5 / (double)latent;     /* w = 0.3, beta = 1.5 */

    gsl_matrix *X = gsl_matrix_alloc(N_ROWS, DATA_DIM);
    rng_fill_gaussian(r, X, 0, 1);
    vae_rows(m, N_ROWS);
    rng_fill_gaussian(r, &m->eps.matrix, 0, 1);   /* held fixed from here on */

    vae_forward(m, X);
    params_zero_grad(m->P);
    const double coef = m->kl_coef;
    m->kl_coef = coef * factor;
    vae_backward(m, X);
    m->kl_coef = coef;

    vae_ctx t = {m, X};
    gradcheck_result g = gradcheck(vae_loss, &t, m->P->value->data, m->P->grad->data,
                                   m->P->value->size, 100000);
    printf("  depth %zu hidden %zu latent %zu, KL-gradient factor %g: %zu params, "
           "max rel err %.2e\n", depth, hidden, latent, factor, g.checked, g.max_rel_err);
    gsl_matrix_free(X);
    vae_free(m);
    gsl_rng_free(r);
    return g.max_rel_err;
}

static void test_vae_gradient_clusters_net(void **state)
{
    (void)state;
    assert_true(vae_check(1, 6, 2, 1.0) < TOL);      /* 000's shape, narrower */
}

static void test_vae_gradient_ring_net(void **state)
{
    (void)state;
    assert_true(vae_check(2, 5, 2, 1.0) < TOL);      /* 002's shape, narrower */
}

static void test_vae_gradient_other_latent_sizes(void **state)
{
    (void)state;
    assert_true(vae_check(1, 5, 1, 1.0) < TOL);
    assert_true(vae_check(2, 4, 3, 1.0) < TOL);
}

/* Source 000: KL = np.mean over n * J entries, gradient mu / n: J times too big. */
static void test_source_000_kl_gradient_fails(void **state)
{
    (void)state;
    assert_true(vae_check(1, 6, 2, 2.0) > 1e-3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reparam_gradient),
        cmocka_unit_test(test_reparam_without_sigma_fails),
        cmocka_unit_test(test_vae_gradient_clusters_net),
        cmocka_unit_test(test_vae_gradient_ring_net),
        cmocka_unit_test(test_vae_gradient_other_latent_sizes),
        cmocka_unit_test(test_source_000_kl_gradient_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
