/* test_11_aae.c -- chapter 11: gradient checks of the adversarial autoencoder's
 * three losses (reconstruction, discriminator, the encoder's adversarial
 * loss through a frozen D), for the source's 2-D code and for a code with
 * style numbers, proof that a wrong gradient is caught, the prior's sampler
 * and box test (its style part, and its samples drawn in chunks), style_match,
 * and exact resume: N steps, save, load, M steps == N + M steps, bit for bit;
 * a checkpoint of another --style-dims is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <unistd.h>

#define GENLAB_TESTING
#include "../chapters/11-aae/aae.c"

#define TOL 1e-6
#define ROWS 3
#define XD 6            /* "pixels" of the small copy of the model          */

#define STYLE 3         /* style numbers of the small model with a style    */

static aae *small_model(variant_kind v, recon_kind rk, size_t batch, long style, gsl_rng *r)
{
    aae_config cfg = {.x_dim = XD, .h1 = 7, .h2 = 6, .d_hidden = 5, .variant = v, .recon = rk,
                      .batch = batch, .style = style, .lr = 5e-4, .lr_rec = 5e-4, .lr_dec = 5e-4, .beta1 = 0.9,
                      .lr_drop_at = 0, .noise = 0, .shift = 0, .d_steps = 1,
                      .label_share = 1.0};
    return aae_new(&cfg, r);
}

/* ---- reconstruction ----------------------------------------------------- */
typedef struct rec_probe {
    aae *A;
    gsl_matrix *X;
} rec_probe;

static double rec_value(void *ctx)
{
    rec_probe *p = ctx;
    return recon_loss(p->A, p->X, p->X, 0);
}

static double check_recon(recon_kind rk, double wrong_factor, long style)
{
    /* (with a style, seed 11 draws a decoder weight whose gradient is 1.0e-6,
     * at gradcheck's floor: its central difference is rounding noise, rel err
     * 8e-6 though the two differ by 2e-11; seed 12 has no such entry) */
    gsl_rng *r = rng_new(style ? 12 : 11);
    rec_probe p = {small_model(VARIANT_UNLABELLED, rk, ROWS, style, r), gsl_matrix_alloc(ROWS, XD)};
    rng_fill_uniform(r, p.X, 0.0, 1.0);
    recon_loss(p.A, p.X, p.X, 1);
    gsl_vector_scale(p.A->PE->grad, wrong_factor);
    gradcheck_result e = gradcheck(rec_value, &p, p.A->PE->value->data, p.A->PE->grad->data,
                                   p.A->PE->value->size, 100000);
    gradcheck_result g = gradcheck(rec_value, &p, p.A->PG->value->data, p.A->PG->grad->data,
                                   p.A->PG->value->size, 100000);
    gsl_matrix_free(p.X);
    aae_free(p.A);
    gsl_rng_free(r);
    return fmax(e.max_rel_err, g.max_rel_err);
}

static void test_recon_bce(void **s)
{
    (void)s;
    double err = check_recon(RECON_BCE, 1.0, 0);
    if (err >= TOL)
        fail_msg("BCE reconstruction gradient: rel err %g", err);
}

static void test_recon_bce_style(void **s)
{
    (void)s;
    double err = check_recon(RECON_BCE, 1.0, STYLE);
    if (err >= TOL)
        fail_msg("BCE reconstruction gradient, %d style numbers: rel err %g", STYLE, err);
}

static void test_recon_mse(void **s)
{
    (void)s;
    double err = check_recon(RECON_MSE, 1.0, 0);
    if (err >= TOL)
        fail_msg("MSE reconstruction gradient: rel err %g", err);
}

/* a gradient off by a factor (here 1.01) must not pass */
static void test_wrong_gradient_is_caught(void **s)
{
    (void)s;
    double err = check_recon(RECON_BCE, 1.01, STYLE);
    if (err < 1e-3)
        fail_msg("a gradient 1 %% too large passed the check (rel err %g)", err);
}

/* ---- the discriminator -------------------------------------------------- */
typedef struct disc_probe {
    aae *A;
    gsl_matrix *real, *real2, *fake;
} disc_probe;

static double disc_value(void *ctx)
{
    disc_probe *p = ctx;
    return disc_loss(p->A, p->real, p->real2, p->fake, 0);
}

static void check_disc(variant_kind v, long style)
{
    gsl_rng *r = rng_new(12);
    disc_probe p = {small_model(v, RECON_BCE, ROWS, style, r), NULL, NULL, NULL};
    const size_t d = p.A->d_in, c = p.A->code;
    assert_int_equal(c, 2 + style);
    assert_int_equal(d, v == VARIANT_UNLABELLED ? c : c + ONEHOT);
    p.real = gsl_matrix_alloc(ROWS, d);
    p.fake = gsl_matrix_alloc(ROWS, d);
    for (size_t i = 0; i < ROWS; i++) {
        double z[2 + STYLE], f[2 + STYLE];
        prior_sample(r, i % N_CLASSES, z, c);
        for (size_t j = 0; j < c; j++)
            f[j] = gsl_ran_gaussian(r, 1.0);
        set_din(p.A, p.real, i, z, (unsigned)(i % N_CLASSES));
        set_din(p.A, p.fake, i, f, (unsigned)((i + 1) % ONEHOT));
        /* the code first, then the one-hot (labels) */
        for (size_t j = 0; j < d; j++)
            assert_true(gsl_matrix_get(p.real, i, j) ==
                        (j < c ? z[j] : j - c == i % N_CLASSES ? 1.0 : 0.0));
    }
    if (v == VARIANT_SOURCE) {
        p.real2 = gsl_matrix_alloc(ROWS, d);
        for (size_t i = 0; i < ROWS; i++) {
            double z[2 + STYLE];
            prior_sample(r, (i + 2) % N_CLASSES, z, c);
            set_din(p.A, p.real2, i, z, NO_LABEL);
        }
    }
    disc_loss(p.A, p.real, p.real2, p.fake, 1);
    gradcheck_result res = gradcheck(disc_value, &p, p.A->PD->value->data, p.A->PD->grad->data,
                                     p.A->PD->value->size, 100000);
    if (res.max_rel_err >= TOL)
        fail_msg("%s discriminator gradient: rel err %g", VARIANT_NAME[v], res.max_rel_err);
    gsl_matrix_free(p.real);
    gsl_matrix_free(p.fake);
    if (p.real2)
        gsl_matrix_free(p.real2);
    aae_free(p.A);
    gsl_rng_free(r);
}

static void test_disc_unlabelled(void **s) { (void)s; check_disc(VARIANT_UNLABELLED, 0); }
static void test_disc_labels(void **s) { (void)s; check_disc(VARIANT_LABELS, 0); }
static void test_disc_source(void **s) { (void)s; check_disc(VARIANT_SOURCE, 0); }
static void test_disc_unlabelled_style(void **s) { (void)s; check_disc(VARIANT_UNLABELLED, STYLE); }
static void test_disc_labels_style(void **s) { (void)s; check_disc(VARIANT_LABELS, STYLE); }

/* ---- the encoder against a frozen D ------------------------------------- */
typedef struct adv_probe {
    aae *A;
    gsl_matrix *X;
    unsigned char slot[ROWS];
} adv_probe;

static double adv_value(void *ctx)
{
    adv_probe *p = ctx;
    return adv_loss(p->A, p->X, p->slot, 0);
}

static void check_adv(variant_kind v, long style)
{
    gsl_rng *r = rng_new(13);
    adv_probe p = {small_model(v, RECON_BCE, ROWS, style, r), gsl_matrix_alloc(ROWS, XD), {0}};
    rng_fill_uniform(r, p.X, 0.0, 1.0);
    for (size_t i = 0; i < ROWS; i++)
        p.slot[i] = (unsigned char)(i % ONEHOT);
    params_zero_grad(p.A->PD);
    adv_loss(p.A, p.X, p.slot, 1);
    /* D is frozen: the encoder's step must leave no gradient in D */
    for (size_t i = 0; i < p.A->PD->grad->size; i++)
        if (gsl_vector_get(p.A->PD->grad, i) != 0.0)
            fail_msg("the adversarial step wrote a gradient into D (entry %zu)", i);
    gradcheck_result res = gradcheck(adv_value, &p, p.A->PE->value->data, p.A->PE->grad->data,
                                     p.A->PE->value->size, 100000);
    if (res.max_rel_err >= TOL)
        fail_msg("%s encoder adversarial gradient: rel err %g", VARIANT_NAME[v], res.max_rel_err);
    gsl_matrix_free(p.X);
    aae_free(p.A);
    gsl_rng_free(r);
}

static void test_adv_unlabelled(void **s) { (void)s; check_adv(VARIANT_UNLABELLED, 0); }
static void test_adv_labels(void **s) { (void)s; check_adv(VARIANT_LABELS, 0); }
static void test_adv_unlabelled_style(void **s) { (void)s; check_adv(VARIANT_UNLABELLED, STYLE); }
static void test_adv_labels_style(void **s) { (void)s; check_adv(VARIANT_LABELS, STYLE); }

/* ---- the prior ---------------------------------------------------------- */
static void test_prior(void **s)
{
    (void)s;
    gsl_rng *r = rng_new(14);
    enum { N = 20000 };
    for (size_t k = 0; k < N_CLASSES; k++) {
        double sa = 0, saa = 0, scc = 0;
        size_t inside = 0;
        const double t = ANGLE(k);
        for (size_t i = 0; i < N; i++) {
            double z[2];
            prior_sample(r, k, z, 2);
            const double x = z[0], y = z[1];
            const double a = x * cos(t) + y * sin(t) - PRIOR_SHIFT, c = -x * sin(t) + y * cos(t);
            sa += a;
            saa += a * a;
            scc += c * c;
            inside += component_of(x, y) == (int)k;
        }
        assert_true(fabs(sa / N) < 0.01);
        assert_true(fabs(sqrt(saa / N) - PRIOR_SD_ALONG) < 0.01);
        assert_true(fabs(sqrt(scc / N) - PRIOR_SD_ACROSS) < 0.002);
        /* the box holds 0.9973^2 = 99.46 % of a component */
        assert_true(fabs((double)inside / N - 0.9946) < 0.003);
    }
    assert_int_equal(component_of(0.0, 0.0), -1);
    assert_int_equal(component_of(1.4, 0.0), 0);
    assert_int_equal(component_of(1.4 * cos(2 * M_PI / 3), 1.4 * sin(2 * M_PI / 3)), 2);
    gsl_rng_free(r);
}

/* --generate draws its samples a chunk at a time: the same numbers as
 * drawing them all at once (sample j is always from component j % 6) */
static void test_prior_batch_in_chunks(void **s)
{
    (void)s;
    enum { N = 23, CHUNK = 5 };
    gsl_rng *r1 = rng_new(15), *r2 = rng_new(15);
    gsl_matrix *all = gsl_matrix_alloc(N, 2 + STYLE), *part = gsl_matrix_alloc(CHUNK, 2 + STYLE);
    prior_batch(r1, 0, all);
    for (size_t off = 0; off < N; off += CHUNK) {
        const size_t rows = N - off < CHUNK ? N - off : CHUNK;
        gsl_matrix_view z = mat_rows(part, rows);
        prior_batch(r2, off, &z.matrix);
        for (size_t i = 0; i < rows; i++) {
            for (size_t j = 0; j < 2 + STYLE; j++)
                assert_true(gsl_matrix_get(&z.matrix, i, j) == gsl_matrix_get(all, off + i, j));
            /* on the ray of component (off + i) % 6: in front, 6 sd across at most */
            const double t = ANGLE((off + i) % N_CLASSES);
            const double x = gsl_matrix_get(&z.matrix, i, 0), y = gsl_matrix_get(&z.matrix, i, 1);
            assert_true(x * cos(t) + y * sin(t) > 0 && fabs(-x * sin(t) + y * cos(t)) < 6 * PRIOR_SD_ACROSS);
        }
    }
    gsl_matrix_free(all);
    gsl_matrix_free(part);
    gsl_rng_free(r1);
    gsl_rng_free(r2);
}

/* the style part of a code: N(0, 1) in each direction, independent of the
 * petal; the petal part draws the same numbers as with no style at all */
static void test_prior_style(void **s)
{
    (void)s;
    enum { N = 20000, W = 2 + STYLE };
    gsl_rng *r = rng_new(16);
    double sum[W] = {0}, sq[W] = {0};
    for (size_t i = 0; i < N; i++) {
        double z[W];
        prior_sample(r, i % N_CLASSES, z, W);
        for (size_t j = 2; j < W; j++)
            sum[j] += z[j], sq[j] += z[j] * z[j];
    }
    for (size_t j = 2; j < W; j++) {
        assert_true(fabs(sum[j] / N) < 0.03);
        assert_true(fabs(sqrt(sq[j] / N) - 1.0) < 0.02);
    }
    gsl_rng *a = rng_new(17), *b = rng_new(17);
    double za[2], zb[W];
    prior_sample(a, 4, za, 2);
    prior_sample(b, 4, zb, W);
    assert_true(za[0] == zb[0] && za[1] == zb[1]);
    gsl_rng_free(r);
    gsl_rng_free(a);
    gsl_rng_free(b);
}

/* style_match: an encoder whose codes are prior samples would score about
 * 0.995; here we set E's last layer so that every code is a fixed point, its
 * style inside the chi^2 ball or far outside it */
static void test_style_match(void **s)
{
    (void)s;
    gsl_rng *r = rng_new(18);
    aae *A = small_model(VARIANT_UNLABELLED, RECON_BCE, ROWS, STYLE, r);
    gsl_rng *rd = rng_new(19);
    image_set *set = calloc(1, sizeof *set);
    set->images = gsl_matrix_alloc(10, XD), set->labels = calloc(10, 1), set->n = 10;
    rng_fill_uniform(rd, set->images, 0.0, 1.0);
    for (int far = 0; far < 2; far++) {
        /* E's output = its last bias: W = 0, b = (1.4, 0, s, s, s) */
        dense *last = &A->E->layer[A->E->n_layers - 1];
        gsl_matrix_set_zero(&last->W.matrix);
        for (size_t j = 0; j < A->code; j++)
            gsl_vector_set(&last->b.vector, j, j == 0 ? 1.4 : j == 1 ? 0.0 : far ? 3.0 : 0.5);
        const evaluation e = evaluate(A, set, NULL);
        assert_true(e.prior_match == 1.0);       /* (1.4, 0): petal 0's centre */
        assert_true(e.style_match == (far ? 0.0 : 1.0));   /* 3 * 3^2 = 27 > 12.8 */
    }
    image_set_free(set);
    aae_free(A);
    gsl_rng_free(r);
    gsl_rng_free(rd);
}

/* ---- exact resume ------------------------------------------------------- */
static image_set *fake_set(gsl_rng *r, size_t n)
{
    image_set *s = calloc(1, sizeof *s);
    s->images = gsl_matrix_alloc(n, XD);
    s->labels = malloc(n);
    s->n = n;
    s->rows = 3;
    s->cols = 4;
    rng_fill_uniform(r, s->images, 0.0, 1.0);
    for (size_t i = 0; i < n; i++)
        s->labels[i] = (unsigned char)(i % N_CLASSES);
    return s;
}

/* the three variants of a run, with `style` style numbers each */
static void resume_configs(aae_config cfgs[3], long style)
{
    const aae_config base = {.x_dim = XD, .h1 = 7, .h2 = 6, .d_hidden = 5, .variant = VARIANT_UNLABELLED,
                             .recon = RECON_BCE, .batch = 8, .style = style, .lr = 5e-4, .lr_rec = 3e-4,
                             .lr_dec = 2e-3, .beta1 = 0.9, .lr_drop_at = 6, .noise = 0.1, .shift = 0, .d_steps = 2,
                             .label_share = 1.0};
    cfgs[0] = cfgs[1] = cfgs[2] = base;
    cfgs[1].variant = VARIANT_LABELS, cfgs[1].noise = 0.0, cfgs[1].d_steps = 1, cfgs[1].label_share = 0.5;
    cfgs[2].variant = VARIANT_SOURCE, cfgs[2].recon = RECON_MSE;
}

static void new_run(run *R, gsl_rng **r, const image_set *test, long steps)
{
    aae_config cfgs[3];
    resume_configs(cfgs, STYLE);
    *r = rng_new(7);
    run_init(R, cfgs, 3, steps, test, *r);
}

static void test_resume_is_exact(void **s)
{
    (void)s;
    enum { N = 5, M = 4 };
    gsl_rng *rd = rng_new(99);
    image_set *train_s = fake_set(rd, 40), *test_s = fake_set(rd, 12);
    unsigned char known[40];
    for (size_t i = 0; i < 40; i++)
        known[i] = i % 3 != 0;
    const train_data T = {train_s, known};
    char path[] = "/tmp/test_11_aae_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[512];

    /* one run of N + M steps */
    run A;
    gsl_rng *ra;
    new_run(&A, &ra, test_s, N + M);
    train(&A, &T, ra, N + M, 1, NULL);

    /* N steps, save */
    run B;
    gsl_rng *rb;
    new_run(&B, &rb, test_s, N + M);
    train(&B, &T, rb, N, 1, NULL);
    checkpoint ckb;
    run_checkpoint(&B, &ckb);
    if (checkpoint_save(&ckb, path, rb, err, sizeof err) != 0)
        fail_msg("%s", err);

    /* a fresh process-like start (different seed), load, M more steps */
    run C;
    gsl_rng *rc = rng_new(12345);
    aae_config cfgs[3];
    resume_configs(cfgs, STYLE);
    run_init(&C, cfgs, 3, N + M, test_s, rc);
    checkpoint ckc;
    run_checkpoint(&C, &ckc);
    if (checkpoint_load(&ckc, path, rc, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(C.step, N);
    train(&C, &T, rc, N + M, 1, NULL);
    assert_int_equal(C.step, N + M);

    for (size_t i = 0; i < 3; i++) {
        aae *a = A.m[i].A, *c = C.m[i].A;
        assert_true(gsl_vector_equal(a->PE->value, c->PE->value));
        assert_true(gsl_vector_equal(a->PG->value, c->PG->value));
        assert_true(gsl_vector_equal(a->PD->value, c->PD->value));
        assert_true(gsl_vector_equal(a->optE_adv->m, c->optE_adv->m));
        assert_true(gsl_vector_equal(a->optD->v, c->optD->v));
        assert_int_equal(a->optE_rec->step, c->optE_rec->step);
    }
    /* ... and training did move the weights */
    assert_false(gsl_vector_equal(A.m[0].A->PE->value, B.m[0].A->PE->value));

    /* a checkpoint of one variant does not load into another */
    run D;
    gsl_rng *rdd = rng_new(1);
    run_init(&D, &cfgs[1], 1, 10, test_s, rdd);
    checkpoint ckd;
    run_checkpoint(&D, &ckd);
    assert_int_not_equal(checkpoint_load(&ckd, path, rdd, err, sizeof err), 0);

    /* nor one of another code width, and the error names the flag */
    run E;
    gsl_rng *re = rng_new(1);
    aae_config other[3];
    resume_configs(other, STYLE + 1);
    run_init(&E, other, 3, 10, test_s, re);
    checkpoint cke;
    run_checkpoint(&E, &cke);
    assert_int_not_equal(checkpoint_load(&cke, path, re, err, sizeof err), 0);
    if (!strstr(err, "--style-dims 3") || !strstr(err, "--style-dims 4") || strchr(err, '\n'))
        fail_msg("the refusal should name both --style-dims on one line: %s", err);
    run_free(&E);
    gsl_rng_free(re);

    remove(path);
    run_free(&A);
    run_free(&B);
    run_free(&C);
    run_free(&D);
    gsl_rng_free(ra);
    gsl_rng_free(rb);
    gsl_rng_free(rc);
    gsl_rng_free(rdd);
    gsl_rng_free(rd);
    image_set_free(train_s);
    image_set_free(test_s);
}

/* each Adam of an iteration runs at its own rate: D and E's adversarial step
 * at lr, E's reconstruction step at lr_rec, the decoder at lr_dec; all / 10
 * from lr_drop_at on */
static void test_learning_rates(void **s)
{
    (void)s;
    gsl_rng *r = rng_new(5);
    aae_config cfgs[3];
    resume_configs(cfgs, STYLE);
    aae *A = aae_new(&cfgs[0], r);
    image_set *train_s = fake_set(r, 20);
    unsigned char known[20] = {0};
    const train_data T = {train_s, known};
    step_losses l;
    for (long step = 0; step <= cfgs[0].lr_drop_at; step += cfgs[0].lr_drop_at) {
        aae_step(A, &T, r, step, &l);
        const double f = step >= cfgs[0].lr_drop_at ? 0.1 : 1.0;
        assert_float_equal(A->optD->lr, f * cfgs[0].lr, 1e-15);
        assert_float_equal(A->optE_adv->lr, f * cfgs[0].lr, 1e-15);
        assert_float_equal(A->optE_rec->lr, f * cfgs[0].lr_rec, 1e-15);
        assert_float_equal(A->optG->lr, f * cfgs[0].lr_dec, 1e-15);
    }
    aae_free(A);
    image_set_free(train_s);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recon_bce),
        cmocka_unit_test(test_recon_bce_style),
        cmocka_unit_test(test_recon_mse),
        cmocka_unit_test(test_wrong_gradient_is_caught),
        cmocka_unit_test(test_disc_unlabelled),
        cmocka_unit_test(test_disc_labels),
        cmocka_unit_test(test_disc_source),
        cmocka_unit_test(test_disc_unlabelled_style),
        cmocka_unit_test(test_disc_labels_style),
        cmocka_unit_test(test_adv_unlabelled),
        cmocka_unit_test(test_adv_labels),
        cmocka_unit_test(test_adv_unlabelled_style),
        cmocka_unit_test(test_adv_labels_style),
        cmocka_unit_test(test_prior_style),
        cmocka_unit_test(test_style_match),
        cmocka_unit_test(test_prior),
        cmocka_unit_test(test_prior_batch_in_chunks),
        cmocka_unit_test(test_resume_is_exact),
        cmocka_unit_test(test_learning_rates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
