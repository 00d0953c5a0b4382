/* test_06_mode_collapse.c -- gradient checks of chapter 06's own backward
 * passes: the minibatch standard deviation (alone, at D's input and at D's
 * features, for D's weights and for the samples), feature matching (through
 * D's body into G's weights), and D's body/head split with the plain GAN
 * losses. Each check also proves it FAILS on a gradient made 1 % wrong.
 * Then the checkpoint of Appendix B: a saved and reloaded run samples and
 * trains on bit for bit, and a checkpoint never loads into another model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>

#define GENLAB_TESTING
#include "../chapters/06-mode-collapse/mode-collapse.c"

#define N 7                     /* a small batch: every entry gets checked */
#define TOL 1e-6

/* make the largest entry of a gradient 1 % wrong: the check must notice */
static void spoil(double *grad, size_t n)
{
    size_t worst = 0;
    for (size_t i = 1; i < n; i++)
        if (fabs(grad[i]) > fabs(grad[worst]))
            worst = i;
    grad[worst] *= 1.01;
}

/* ---- mbstd alone: L = w * s(A) + sum_ij V_ij A_ij, so that dL/dA has both paths:
 * d[A | s] is V in its first K columns and w / N in the last (they add up to w) */
typedef struct mb_ctx {
    gsl_matrix *A, *V, *As, *dAs, *dA;
    gsl_vector *mean, *sd;
    double w;
} mb_ctx;

static double mb_loss(void *p)
{
    mb_ctx *c = p;
    double L = c->w * mbstd_forward(c->A, c->As, c->mean, c->sd);
    for (size_t i = 0; i < c->A->size1; i++)
        for (size_t j = 0; j < c->A->size2; j++)
            L += gsl_matrix_get(c->V, i, j) * gsl_matrix_get(c->A, i, j);
    return L;
}

static void test_mbstd_alone(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(3);
    for (size_t K = 1; K <= 5; K += 2) {
        mb_ctx c = {gsl_matrix_alloc(N, K), gsl_matrix_alloc(N, K), gsl_matrix_alloc(N, K + 1),
                    gsl_matrix_alloc(N, K + 1), gsl_matrix_alloc(N, K), gsl_vector_alloc(K),
                    gsl_vector_alloc(K), 1.7};
        rng_fill_gaussian(r, c.A, 0.5, 1.0);
        rng_fill_gaussian(r, c.V, 0.0, 1.0);
        mbstd_forward(c.A, c.As, c.mean, c.sd);
        gsl_matrix_view left = gsl_matrix_submatrix(c.dAs, 0, 0, N, K);
        gsl_matrix_memcpy(&left.matrix, c.V);                      /* direct path */
        gsl_vector_view last = gsl_matrix_column(c.dAs, K);
        gsl_vector_set_all(&last.vector, c.w / N);                 /* dL/ds = w   */
        mbstd_backward(c.dAs, c.A, c.mean, c.sd, c.dA);
        gradcheck_result res = gradcheck(mb_loss, &c, c.A->data, c.dA->data, N * K, 1000);
        if (res.max_rel_err >= TOL)
            fail_msg("mbstd K=%zu: rel err %g", K, res.max_rel_err);
        spoil(c.dA->data, N * K);
        res = gradcheck(mb_loss, &c, c.A->data, c.dA->data, N * K, 1000);
        assert_true(res.max_rel_err > 1e-3);
        gsl_matrix_free(c.A); gsl_matrix_free(c.V); gsl_matrix_free(c.dA);
        gsl_matrix_free(c.As); gsl_matrix_free(c.dAs);
        gsl_vector_free(c.mean); gsl_vector_free(c.sd);
    }
    gsl_rng_free(r);
}

/* ---- a small GAN of each kind ------------------------------------------------ */
static config small_config(method_kind m, mbstd_place at, const char *t)
{
    return (config){.tg = target_make(t), .method = m, .methods = "all", .mbstd_at = at,
                    .steps = 10, .batch = N, .d_steps = 1, .g_hidden = 6, .d_hidden = 5,
                    .noise_dim = 3, .lr_d = 1e-3, .lr_g = 1e-3, .lr_decay = 1.0, .smoothing = 0.9};
}

/* gan_new + every weight and bias jittered: no pre-activation sits exactly on a
 * ReLU kink (zero biases times dead units would give z = 0 exactly, where the
 * one-sided derivative and the central difference disagree) */
static gan *small_gan(const config *cfg, gsl_rng *r)
{
    gan *g = gan_new(cfg, r);
    for (size_t i = 0; i < g->PG->value->size; i++)
        g->PG->value->data[i] += gsl_ran_gaussian(r, 0.3);
    for (size_t i = 0; i < g->PD->value->size; i++)
        g->PD->value->data[i] += gsl_ran_gaussian(r, 0.3);
    return g;
}

typedef struct d_ctx {
    gan *g;
    gsl_matrix *X;          /* (N, dim) the samples D judges           */
    double label;
} d_ctx;

/* D's BCE on one batch, as a function of D's weights and of X */
static double d_loss(void *p)
{
    d_ctx *c = p;
    return loss_bce_logits(d_forward(c->g, c->X), NULL, c->label, NULL);
}

static void check_d(method_kind m, mbstd_place at)
{
    gsl_rng *r = rng_new(5);
    for (int trial = 0; trial < 3; trial++) {
        config cfg = small_config(m, at, trial == 2 ? "bimodal" : "ring");
        gan *g = small_gan(&cfg, r);
        d_ctx c = {g, gsl_matrix_alloc(N, cfg.tg.m.dim), trial == 1 ? 0.0 : 0.9};
        rng_fill_gaussian(r, c.X, 0.0, 1.5);
        gsl_matrix *dl = gsl_matrix_alloc(N, 1), *dX = gsl_matrix_alloc(N, cfg.tg.m.dim);

        /* D's weights: what D's own step uses */
        params_zero_grad(g->PD);
        loss_bce_logits(d_forward(g, c.X), NULL, c.label, dl);
        d_backward(g, dl, NULL, 1);
        gradcheck_result gp = gradcheck(d_loss, &c, g->PD->value->data, g->PD->grad->data,
                                        g->PD->value->size, 2000);
        /* the samples: D's message to G (the weights' gradients must stay zero) */
        params_zero_grad(g->PD);
        loss_bce_logits(d_forward(g, c.X), NULL, c.label, dl);
        d_backward(g, dl, dX, 0);
        assert_true(gsl_vector_isnull(g->PD->grad));
        gradcheck_result gx = gradcheck(d_loss, &c, c.X->data, dX->data, dX->size1 * dX->size2, 1000);
        if (gp.max_rel_err >= TOL || gx.max_rel_err >= TOL)
            fail_msg("%s (mbstd at %s): rel err weights %g, samples %g", method_name[m],
                     at == MBSTD_INPUT ? "input" : "features", gp.max_rel_err, gx.max_rel_err);

        spoil(dX->data, dX->size1 * dX->size2);
        gx = gradcheck(d_loss, &c, c.X->data, dX->data, dX->size1 * dX->size2, 1000);
        assert_true(gx.max_rel_err > 1e-3);

        gsl_matrix_free(dl);
        gsl_matrix_free(dX);
        gsl_matrix_free(c.X);
        gan_free(g);
    }
    gsl_rng_free(r);
}

static void test_d_plain(void **s) { (void)s; check_d(M_VANILLA, MBSTD_INPUT); }
static void test_d_mbstd_input(void **s) { (void)s; check_d(M_MBSTD, MBSTD_INPUT); }
static void test_d_mbstd_features(void **s) { (void)s; check_d(M_MBSTD, MBSTD_FEATURES); }

/* ---- G's loss, through D, as a function of G's weights ------------------------ */
typedef struct g_ctx {
    gan *g;
    gsl_matrix *real, *z;
} g_ctx;

static double g_loss(void *p)
{
    g_ctx *c = p;
    double ignored;
    return g_loss_and_grad(c->g, c->real, c->z, &ignored);   /* its gradient is not used here */
}

static void check_g(method_kind m, mbstd_place at)
{
    gsl_rng *r = rng_new(9);
    for (int trial = 0; trial < 3; trial++) {
        config cfg = small_config(m, at, trial == 2 ? "bimodal" : "ring");
        gan *g = small_gan(&cfg, r);
        g_ctx c = {g, gsl_matrix_alloc(N, cfg.tg.m.dim), gsl_matrix_alloc(N, (size_t)cfg.noise_dim)};
        toy_sample(&cfg.tg.m, r, c.real);
        rng_fill_gaussian(r, c.z, 0.0, 1.0);
        gsl_vector *analytic = gsl_vector_alloc(g->PG->grad->size);

        g_loss(&c);
        gsl_vector_memcpy(analytic, g->PG->grad);
        gradcheck_result res = gradcheck(g_loss, &c, g->PG->value->data, analytic->data,
                                         analytic->size, 2000);
        if (res.max_rel_err >= TOL)
            fail_msg("G of %s: rel err %g (worst %zu: %g vs %g)", method_name[m], res.max_rel_err,
                     res.worst, res.analytic, res.numeric);
        spoil(analytic->data, analytic->size);
        res = gradcheck(g_loss, &c, g->PG->value->data, analytic->data, analytic->size, 2000);
        assert_true(res.max_rel_err > 1e-3);

        gsl_vector_free(analytic);
        gsl_matrix_free(c.real);
        gsl_matrix_free(c.z);
        gan_free(g);
    }
    gsl_rng_free(r);
}

static void test_g_vanilla(void **s) { (void)s; check_g(M_VANILLA, MBSTD_INPUT); }
static void test_g_featmatch(void **s) { (void)s; check_g(M_FEATMATCH, MBSTD_INPUT); }
static void test_g_mbstd_input(void **s) { (void)s; check_g(M_MBSTD, MBSTD_INPUT); }
static void test_g_mbstd_features(void **s) { (void)s; check_g(M_MBSTD, MBSTD_FEATURES); }

/* G's step must not change D's gradients (it backpropagates THROUGH D) */
static void test_g_step_leaves_d_alone(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(2);
    for (int m = 0; m < N_METHODS; m++) {
        config cfg = small_config((method_kind)m, MBSTD_INPUT, "ring");
        gan *g = small_gan(&cfg, r);
        gsl_matrix *real = gsl_matrix_alloc(N, 2), *z = gsl_matrix_alloc(N, 3);
        toy_sample(&cfg.tg.m, r, real);
        rng_fill_gaussian(r, z, 0.0, 1.0);
        params_zero_grad(g->PD);
        double ignored;
        g_loss_and_grad(g, real, z, &ignored);
        assert_true(gsl_vector_isnull(g->PD->grad));
        assert_false(gsl_vector_isnull(g->PG->grad));
        gsl_matrix_free(real);
        gsl_matrix_free(z);
        gan_free(g);
    }
    gsl_rng_free(r);
}

/* The counting of section 8 on hand-made samples (evaluate's last step). */
static void test_evaluate(void **state)
{
    (void)state;
    target t = target_make("ring");
    gsl_matrix *S = gsl_matrix_alloc(100, 2);
    for (size_t i = 0; i < 100; i++) {
        size_t k = i % 4;                                  /* modes 0..3 only          */
        double off = i < 50 ? 0.05 : 0.1;                  /* half sharp, half blurred */
        gsl_matrix_set(S, i, 0, t.m.centre[k][0] + off);
        gsl_matrix_set(S, i, 1, t.m.centre[k][1]);
    }
    evaluation cv = toy_measure(&t.m, S, REACH_RADIUS, MIN_SHARE);
    assert_true(cv.covered == 4.0);
    assert_true(cv.reached == 4.0);
    assert_true(fabs(cv.hq - 0.5) < 1e-12);
    gsl_matrix_free(S);
}

/* ---- Appendix B: save, load, sample ------------------------------------- */
#define TRAIN_STEPS 5

/* runs of the given methods (same sizes, same target), from r; TRAIN_STEPS steps each if train */
static void small_runs(gan **runs, const method_kind *methods, size_t n,
                       const config *base, gsl_rng *r, int train)
{
    for (size_t i = 0; i < n; i++) {
        config c = *base;
        c.method = methods[i];
        runs[i] = run_new(&c, r);
        step_stats st;
        for (long s = 0; train && s < TRAIN_STEPS; s++)
            train_step(runs[i], r, &st);
        runs[i]->step = train ? TRAIN_STEPS : 0;
    }
}

static void assert_same_gan(const gan *a, const gan *b)
{
    assert_true(gsl_vector_equal(a->PG->value, b->PG->value));
    assert_true(gsl_vector_equal(a->PD->value, b->PD->value));
    assert_true(gsl_vector_equal(a->optG->m, b->optG->m));
    assert_true(gsl_vector_equal(a->optG->v, b->optG->v));
    assert_true(gsl_vector_equal(a->optD->m, b->optD->m));
    assert_true(gsl_vector_equal(a->optD->v, b->optD->v));
    assert_int_equal(a->optG->step, b->optG->step);
    assert_int_equal(a->optD->step, b->optD->step);
}

/* a checkpoint of other runs must NOT load into these, and must leave them alone */
static void assert_refused(gan **runs, size_t n, const char *path, const char *why)
{
    checkpoint ck;
    run_checkpoint(runs, n, &ck);
    gsl_vector *before = gsl_vector_alloc(runs[0]->PG->value->size);
    gsl_vector_memcpy(before, runs[0]->PG->value);
    char err[512] = "";
    if (checkpoint_load(&ck, path, NULL, err, sizeof err) == 0)
        fail_msg("a checkpoint loaded into a model with %s", why);
    assert_true(strlen(err) > 0 && strchr(err, '\n') == NULL);       /* one line */
    assert_true(gsl_vector_equal(before, runs[0]->PG->value));
    gsl_vector_free(before);
}

static void test_checkpoint(void **state)
{
    (void)state;
    const method_kind methods[2] = {M_VANILLA, M_MBSTD};
    const config base = small_config(M_VANILLA, MBSTD_INPUT, "ring");
    char path[] = "/tmp/test_06_mode_collapse_XXXXXX";
    const int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[512];

    /* train two small GANs a few steps, save the run */
    gan *A[2];
    gsl_rng *ra = rng_new(11);
    small_runs(A, methods, 2, &base, ra, 1);
    checkpoint cka;
    run_checkpoint(A, 2, &cka);
    assert_string_equal(cka.name[0], "ring.vanilla.G.params");     /* target and method */
    if (checkpoint_save(&cka, path, ra, err, sizeof err) != 0)
        fail_msg("%s", err);

    /* fresh models from another seed (other weights), load */
    gan *B[2];
    gsl_rng *rb = rng_new(12345);
    small_runs(B, methods, 2, &base, rb, 0);
    assert_false(gsl_vector_equal(A[0]->PG->value, B[0]->PG->value));
    checkpoint ckb;
    run_checkpoint(B, 2, &ckb);
    if (checkpoint_load(&ckb, path, rb, err, sizeof err) != 0)
        fail_msg("%s", err);

    /* the same noise through both generators: bit-identical samples */
    gsl_matrix *z = gsl_matrix_alloc(N, (size_t)base.noise_dim);
    gsl_matrix *xa = gsl_matrix_alloc(N, base.tg.m.dim);
    gsl_rng *rz = rng_new(7);
    rng_fill_gaussian(rz, z, 0.0, 1.0);
    for (size_t i = 0; i < 2; i++) {
        assert_same_gan(A[i], B[i]);
        assert_int_equal(B[i]->step, TRAIN_STEPS);
        gsl_matrix_memcpy(xa, mlp_forward(A[i]->G, z));
        const gsl_matrix *xb = mlp_forward(B[i]->G, z);
        assert_memory_equal(xa->data, xb->data, N * base.tg.m.dim * sizeof(double));
    }
    /* ... and the loaded run trains on exactly as the saved one does */
    step_stats st;
    for (size_t i = 0; i < 2; i++) {
        train_step(A[i], ra, &st);
        train_step(B[i], rb, &st);
        assert_same_gan(A[i], B[i]);
    }

    /* another size, target, place of the mbstd column, list of methods: refused */
    gan *C[2];
    gsl_rng *rc = rng_new(1);
    config other = base;
    other.g_hidden = base.g_hidden + 1;
    small_runs(C, methods, 2, &other, rc, 0);
    assert_refused(C, 2, path, "another --g-hidden");
    gan_free(C[0]);
    gan_free(C[1]);
    other = small_config(M_VANILLA, MBSTD_INPUT, "bimodal");
    small_runs(C, methods, 2, &other, rc, 0);
    assert_refused(C, 2, path, "another --target");
    gan_free(C[0]);
    gan_free(C[1]);
    other = small_config(M_VANILLA, MBSTD_FEATURES, "ring");
    small_runs(C, methods, 2, &other, rc, 0);
    assert_refused(C, 2, path, "another --mbstd-at");
    gan_free(C[0]);
    gan_free(C[1]);
    small_runs(C, &methods[1], 1, &base, rc, 0);
    assert_refused(C, 1, path, "another --method");
    gan_free(C[0]);

    unlink(path);
    for (size_t i = 0; i < 2; i++) {
        gan_free(A[i]);
        gan_free(B[i]);
    }
    gsl_matrix_free(z);
    gsl_matrix_free(xa);
    gsl_rng_free(ra);
    gsl_rng_free(rb);
    gsl_rng_free(rc);
    gsl_rng_free(rz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mbstd_alone),
        cmocka_unit_test(test_d_plain),
        cmocka_unit_test(test_d_mbstd_input),
        cmocka_unit_test(test_d_mbstd_features),
        cmocka_unit_test(test_g_vanilla),
        cmocka_unit_test(test_g_featmatch),
        cmocka_unit_test(test_g_mbstd_input),
        cmocka_unit_test(test_g_mbstd_features),
        cmocka_unit_test(test_g_step_leaves_d_alone),
        cmocka_unit_test(test_evaluate),
        cmocka_unit_test(test_checkpoint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
