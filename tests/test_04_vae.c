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
 *
 * Then Appendix C: a checkpoint saved and loaded into freshly built models
 * gives back the same weights, Adam, data and generator, so the decoder makes
 * bit-identical samples from the same noise; a checkpoint refuses to load into
 * a model of another size, objective or number of data sets; and decoding
 * more samples than the model's capacity, slice by slice, changes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

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
    ws_rows(m->ws, N_ROWS);
    rng_fill_gaussian(r, m->eps, 0, 1);   /* held fixed from here on */

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

/* ---- Appendix C: checkpoints ----------------------------------------------- */

/* Two tiny runs, as the chapter's main trains them: clusters, then the ring. */
static void tiny_configs(config *s)
{
    const config clusters = {"clusters", 1, 6, 2, 5, 16, 3e-3, 0.3, 1.0, 0};
    const config ring = {"ring", 2, 5, 2, 4, 16, 3e-3, 0.3, 1.0, 0};
    s[0] = clusters;
    s[1] = ring;
}

/* samples (n, 2) of R's decoder for the prior noise of a generator seeded `seed` */
static void decode_with_seed(vae_run *R, unsigned long seed, gsl_matrix *samples)
{
    gsl_rng *fixed = rng_new(seed);
    decode_prior(R->m, fixed, samples);
    gsl_rng_free(fixed);
}

/* Train both tiny data sets a few steps (generator seeded 5) and save the
 * run to a fresh temporary file, whose name goes to path. */
static gsl_rng *train_and_save(char *path, config s[2], vae_run A[2])
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    tiny_configs(s);
    gsl_rng *r = rng_new(5);
    for (size_t i = 0; i < 2; i++)
        run_dataset(&A[i], &s[i], r, 0, 1, NULL);
    checkpoint ck;
    run_checkpoint(A, 2, &ck);
    char err[512];
    if (checkpoint_save(&ck, path, r, err, sizeof err) != 0)
        fail_msg("%s", err);
    return r;
}

static void test_checkpoint_round_trip(void **state)
{
    (void)state;
    char path[] = "/tmp/test_04_vae_XXXXXX", err[512];
    config s[2];
    vae_run A[2];
    gsl_rng *r = train_and_save(path, s, A);
    config *sets[2] = {&s[0], &s[1]};

    /* fresh models from another seed: other weights, other data, until loaded */
    gsl_rng *rb = rng_new(12345);
    vae_run B[2];
    for (size_t i = 0; i < 2; i++)
        vae_run_build(&B[i], sets[i], rb);
    assert_false(gsl_vector_equal(A[0].m->P->value, B[0].m->P->value));
    checkpoint ckb;
    run_checkpoint(B, 2, &ckb);
    if (checkpoint_load(&ckb, path, rb, err, sizeof err) != 0)
        fail_msg("%s", err);

    gsl_matrix *sa = gsl_matrix_alloc(50, DATA_DIM), *sb = gsl_matrix_alloc(50, DATA_DIM);
    for (size_t i = 0; i < 2; i++) {
        assert_true(gsl_vector_equal(A[i].m->P->value, B[i].m->P->value));
        assert_true(gsl_vector_equal(A[i].opt->m, B[i].opt->m));
        assert_true(gsl_vector_equal(A[i].opt->v, B[i].opt->v));
        assert_int_equal(B[i].opt->step, s[i].steps);
        assert_true(gsl_matrix_equal(A[i].d.X, B[i].d.X));
        /* the generator: the same noise decodes to the same samples, bit for bit */
        decode_with_seed(&A[i], 77, sa);
        decode_with_seed(&B[i], 77, sb);
        assert_true(gsl_matrix_equal(sa, sb));
    }
    assert_int_equal(gsl_rng_get(r), gsl_rng_get(rb));    /* and the run's generator */

    /* ... and that is not true of any two models: an untrained one differs */
    vae_run C;
    gsl_rng *rc = rng_new(5);
    vae_run_build(&C, sets[0], rc);
    decode_with_seed(&A[0], 77, sa);
    decode_with_seed(&C, 77, sb);
    assert_false(gsl_matrix_equal(sa, sb));
    vae_run_free(&C);
    gsl_rng_free(rc);

    remove(path);
    gsl_matrix_free(sa);
    gsl_matrix_free(sb);
    for (size_t i = 0; i < 2; i++) {
        vae_run_free(&A[i]);
        vae_run_free(&B[i]);
    }
    gsl_rng_free(r);
    gsl_rng_free(rb);
}

/* Load into runs built from `changed`; must fail and leave the models alone. */
static void expect_refused(const char *path, config *changed, size_t n)
{
    config *sets[2] = {&changed[0], &changed[1]};
    gsl_rng *r = rng_new(9);
    vae_run R[2];
    for (size_t i = 0; i < n; i++)
        vae_run_build(&R[i], sets[i], r);
    gsl_vector *before = gsl_vector_alloc(R[0].m->P->value->size);
    gsl_vector_memcpy(before, R[0].m->P->value);
    checkpoint ck;
    run_checkpoint(R, n, &ck);
    char err[512] = "";
    assert_int_not_equal(checkpoint_load(&ck, path, r, err, sizeof err), 0);
    printf("  refused: %s\n", err);
    assert_true(strlen(err) > 0 && strchr(err, '\n') == NULL);   /* one line */
    assert_true(gsl_vector_equal(before, R[0].m->P->value));
    gsl_vector_free(before);
    for (size_t i = 0; i < n; i++)
        vae_run_free(&R[i]);
    gsl_rng_free(r);
}

static void test_checkpoint_refuses_other_models(void **state)
{
    (void)state;
    char path[] = "/tmp/test_04_vae_XXXXXX", err[512];
    config s[2];
    vae_run A[2];
    gsl_rng *r = train_and_save(path, s, A);

    config t[2];
    tiny_configs(t);                      /* the same: loads (the control) */
    config *tsets[2] = {&t[0], &t[1]};
    gsl_rng *rt = rng_new(9);
    vae_run T[2];
    for (size_t i = 0; i < 2; i++)
        vae_run_build(&T[i], tsets[i], rt);
    checkpoint ckt;
    run_checkpoint(T, 2, &ckt);
    assert_int_equal(checkpoint_load(&ckt, path, rt, err, sizeof err), 0);
    for (size_t i = 0; i < 2; i++)
        vae_run_free(&T[i]);
    gsl_rng_free(rt);

    tiny_configs(t);
    t[0].hidden = 7;                       /* --hidden */
    expect_refused(path, t, 2);
    tiny_configs(t);
    t[1].latent = 3;                       /* --latent-dim, in the second model */
    expect_refused(path, t, 2);
    tiny_configs(t);
    t[0].kl_weight = t[1].kl_weight = 1.0; /* --kl-weight: same shapes, other objective */
    expect_refused(path, t, 2);
    tiny_configs(t);                      /* --data ring: the order swapped */
    config swapped[2] = {t[1], t[0]};
    expect_refused(path, swapped, 2);
    tiny_configs(t);                      /* --single: one model, not two */
    expect_refused(path, t, 1);

    remove(path);
    for (size_t i = 0; i < 2; i++)
        vae_run_free(&A[i]);
    gsl_rng_free(r);
}

/* decode_prior in slices of the capacity = in one go (same noise, same rows) */
static void test_decode_prior_in_slices(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(4);
    vae *small = vae_new(2, 5, 2, 7, r), *big = vae_new(2, 5, 2, 64, r);
    gsl_vector_memcpy(big->P->value, small->P->value);
    gsl_matrix *a = gsl_matrix_alloc(23, DATA_DIM), *b = gsl_matrix_alloc(23, DATA_DIM);
    gsl_rng *ra = rng_new(8), *rb = rng_new(8);
    decode_prior(small, ra, a);            /* 7 + 7 + 7 + 2 rows */
    decode_prior(big, rb, b);              /* 23 rows at once    */
    assert_true(gsl_matrix_equal(a, b));
    gsl_matrix_free(a);
    gsl_matrix_free(b);
    vae_free(small);
    vae_free(big);
    gsl_rng_free(r);
    gsl_rng_free(ra);
    gsl_rng_free(rb);
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
        cmocka_unit_test(test_checkpoint_round_trip),
        cmocka_unit_test(test_checkpoint_refuses_other_models),
        cmocka_unit_test(test_decode_prior_in_slices),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
