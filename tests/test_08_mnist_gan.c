/* test_08_mnist_gan.c -- chapter 08: gradient checks of D's loss and of G's
 * gradient through a frozen D (GAN and cGAN), proof that the check catches
 * the classic slips (the wrong slice of dL/d[x | c], gradients not zeroed),
 * and exact resume: N steps, save, load, M steps == N + M steps, bit for bit.
 *
 * The networks are small and the "images" random, so that this runs in well
 * under a second; the code paths are the chapter's own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <unistd.h>

#define GENLAB_TESTING
#include "../chapters/08-mnist-gan/mnist-gan.c"

#define TOL 1e-6

#include "testlib.h"

static gan_config small_config(model_kind kind, d_update_kind upd, act_kind act)
{
    gan_config c = {.kind = kind, .steps = 30, .batch = 5, .noise_dim = 6, .hidden = 7,
                    .digit = 2, .lr_d = 1e-3, .lr_g = 2e-3, .beta1 = 0.9,
                    .d_update = upd, .d_act = act};
    return c;
}

/* ---- gradient checks ------------------------------------------------------
 * gradcheck() divides |analytic - numeric| by max(|analytic| + |numeric|,
 * 1e-6). Our losses are of size 1 and known to one ulp, 2e-16; divided by
 * 2h = 2e-5 that leaves about 1e-11 of rounding noise in every numeric
 * derivative. For an entry of size 1e-5 (there are always some: real and
 * fake terms cancel) that noise alone is a relative error of 1e-6. So we run
 * gradcheck on every fifth entry, one at a time, and require a relative error
 * below 1e-6 where |dL/dtheta| >= 1e-4, and an absolute error below 1e-9
 * (100 times the noise) on the smaller entries. */
#define SMALL 1e-4
#define ABS_TOL 1e-9
#define STRIDE 5      /* every fifth entry: all kinds of weight, in about a second */

typedef struct check {
    double max_rel, max_abs;
    size_t worst, n_rel, n_abs;
} check;

static check check_entries(gradcheck_loss loss, void *ctx, double *x, const double *analytic, size_t n)
{
    check c = {0};
    for (size_t i = 0; i < n; i += STRIDE) {
        gradcheck_result r = gradcheck(loss, ctx, x + i, analytic + i, 1, 1);
        if (fabs(analytic[i]) >= SMALL) {
            if (r.max_rel_err > c.max_rel) {
                c.max_rel = r.max_rel_err;
                c.worst = i;
            }
            c.n_rel++;
        } else {
            c.max_abs = fmax(c.max_abs, fabs(r.analytic - r.numeric));
            c.n_abs++;
        }
    }
    return c;
}

static double d_loss_value(void *ctx) { return d_loss(ctx, 0, NULL, NULL); }
static double g_loss_value(void *ctx) { return g_loss(ctx, 0); }

static void check_d_loss(model_kind kind, act_kind act)
{
    image_set *data = random_images(20, 1, N_CLASSES);
    gan_config cfg = small_config(kind, D_JOINT, act);
    for (unsigned long seed = 1; seed <= 2; seed++) {
        gan *g = gan_new(&cfg, data, seed);
        real_batch(g);
        noise_batch(g, 0);
        d_loss(g, 1, NULL, NULL);
        gsl_vector *analytic = gsl_vector_alloc(g->PD->grad->size);
        gsl_vector_memcpy(analytic, g->PD->grad);
        check c = check_entries(d_loss_value, g, g->PD->value->data, analytic->data, analytic->size);
        if (c.max_rel >= TOL || c.max_abs >= ABS_TOL || c.n_rel < analytic->size / (4 * STRIDE))
            fail_msg("D loss (%s): rel err %g at %zu over %zu entries, abs err %g over %zu",
                     model_tag(kind), c.max_rel, c.worst, c.n_rel, c.max_abs, c.n_abs);
        print_message("D loss (%s, %s): max rel err %.1e over %zu entries, abs %.1e over %zu\n",
                      model_tag(kind), act_name(act), c.max_rel, c.n_rel, c.max_abs, c.n_abs);
        gsl_vector_free(analytic);
        gan_free(g);
    }
    image_set_free(data);
}

static void check_g_loss(model_kind kind, act_kind act)
{
    image_set *data = random_images(20, 2, N_CLASSES);
    gan_config cfg = small_config(kind, D_JOINT, act);
    for (unsigned long seed = 1; seed <= 2; seed++) {
        gan *g = gan_new(&cfg, data, seed);
        noise_batch(g, 1);
        g_loss(g, 1);
        gsl_vector *analytic = gsl_vector_alloc(g->PG->grad->size);
        gsl_vector_memcpy(analytic, g->PG->grad);
        gsl_vector *d_before = gsl_vector_alloc(g->PD->value->size);
        gsl_vector_memcpy(d_before, g->PD->value);
        check c = check_entries(g_loss_value, g, g->PG->value->data, analytic->data, analytic->size);
        if (c.max_rel >= TOL || c.max_abs >= ABS_TOL || c.n_rel < analytic->size / (4 * STRIDE))
            fail_msg("G through D (%s): rel err %g at %zu over %zu entries, abs err %g over %zu",
                     model_tag(kind), c.max_rel, c.worst, c.n_rel, c.max_abs, c.n_abs);
        print_message("G through D (%s, %s): max rel err %.1e over %zu entries, abs %.1e over %zu\n",
                      model_tag(kind), act_name(act), c.max_rel, c.n_rel, c.max_abs, c.n_abs);
        assert_true(gsl_vector_equal(d_before, g->PD->value));   /* D frozen */
        gsl_vector_free(analytic);
        gsl_vector_free(d_before);
        gan_free(g);
    }
    image_set_free(data);
}

static void test_d_loss_gan(void **s) { (void)s; check_d_loss(MODEL_GAN, ACT_RELU); }
static void test_d_loss_cgan(void **s) { (void)s; check_d_loss(MODEL_CGAN, ACT_RELU); }
static void test_d_loss_cgan_leaky(void **s) { (void)s; check_d_loss(MODEL_CGAN, ACT_LEAKY_RELU); }
static void test_g_loss_gan(void **s) { (void)s; check_g_loss(MODEL_GAN, ACT_RELU); }
static void test_g_loss_cgan(void **s) { (void)s; check_g_loss(MODEL_CGAN, ACT_RELU); }
static void test_g_loss_cgan_leaky(void **s) { (void)s; check_g_loss(MODEL_CGAN, ACT_LEAKY_RELU); }

/* The G step with the slice of dL/d[x | c] off by the label width: the
 * columns [10, 794) instead of [0, 784). It compiles, it runs, it trains
 * something; only the gradient check says it is wrong. */
static void g_grad_wrong_slice(gan *g)
{
    make_fakes(g);
    gsl_matrix_view dl = mat_rows(g->dlogit, g->n);
    loss_bce_logits(mlp_forward(g->D, g->fake), NULL, 1.0, &dl.matrix);
    params_zero_grad(g->PG);
    mlp_backward_input(g->D, &dl.matrix, g->dx);
    gsl_matrix_view wrong = gsl_matrix_submatrix(g->dx, 0, g->nc, g->n, IMG);
    mlp_backward(g->G, &wrong.matrix, NULL);
}

static void test_wrong_gradients_are_caught(void **s)
{
    (void)s;
    image_set *data = random_images(20, 3, N_CLASSES);
    gan_config cfg = small_config(MODEL_CGAN, D_JOINT, ACT_RELU);
    gan *g = gan_new(&cfg, data, 4);
    noise_batch(g, 1);
    gsl_vector *analytic = gsl_vector_alloc(g->PG->grad->size);

    g_grad_wrong_slice(g);
    gsl_vector_memcpy(analytic, g->PG->grad);
    check c = check_entries(g_loss_value, g, g->PG->value->data, analytic->data, analytic->size);
    assert_true(c.max_rel > 1e-2);

    /* forgetting params_zero_grad: the second backward adds to the first */
    g_loss(g, 1);
    gsl_matrix_view dl = mat_rows(g->dlogit, g->n);
    mlp_backward_input(g->D, &dl.matrix, g->dx);
    gsl_matrix_view dimg = gsl_matrix_submatrix(g->dx, 0, 0, g->n, IMG);
    mlp_backward(g->G, &dimg.matrix, NULL);
    gsl_vector_memcpy(analytic, g->PG->grad);
    c = check_entries(g_loss_value, g, g->PG->value->data, analytic->data, analytic->size);
    assert_true(c.max_rel > 0.3);             /* twice the gradient: rel err 1/3 */

    gsl_vector_free(analytic);
    gan_free(g);
    image_set_free(data);
}

/* ---- exact resume ---------------------------------------------------------- */
static void check_resume(model_kind kind, d_update_kind upd)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s.ckpt", dir, model_tag(kind));
    image_set *data = random_images(30, 5, N_CLASSES);
    gan_config cfg = small_config(kind, upd, ACT_RELU);

    gan *straight = gan_new(&cfg, data, 21);
    train(straight, 30, NULL);                      /* N + M = 30 in one go     */
    gan *first = gan_new(&cfg, data, 21);
    train(first, 12, NULL);                         /* N = 12, then save        */
    session S = {.save = path, .rng = rng_new(1)};  /* what --save FILE sets up */
    save_model(&S, first);
    gsl_rng_free(S.rng);
    gan *resumed = gan_new(&cfg, data, 999);        /* another start: the file wins */
    S = (session){.resume = path, .rng = rng_new(2)};
    load_model(&S, resumed);                        /* --resume FILE            */
    gsl_rng_free(S.rng);
    assert_int_equal(resumed->step, 12);
    assert_int_equal(resumed->optD->step, upd == D_SPLIT ? 24 : 12);
    train(resumed, 30, NULL);                       /* M = 18 more              */
    assert_true(gsl_vector_equal(straight->PG->value, resumed->PG->value));   /* bit for bit */
    assert_true(gsl_vector_equal(straight->PD->value, resumed->PD->value));
    assert_true(gsl_vector_equal(straight->optG->v, resumed->optG->v));
    assert_true(gsl_vector_equal(straight->optD->m, resumed->optD->m));
    assert_false(gsl_vector_equal(first->PG->value, resumed->PG->value));     /* it did train */

    /* without the generator's state the resumed run draws other batches */
    gan *no_rng = gan_new(&cfg, data, 999);
    checkpoint ck;
    char err[512];
    describe(&ck, no_rng);
    assert_int_equal(checkpoint_load(&ck, path, NULL, err, sizeof err), 0);
    train(no_rng, 30, NULL);
    assert_false(gsl_vector_equal(straight->PG->value, no_rng->PG->value));

    /* a checkpoint of the other model is refused, the model left untouched */
    gan_config other_cfg = small_config(kind == MODEL_GAN ? MODEL_CGAN : MODEL_GAN, upd, ACT_RELU);
    gan *other = gan_new(&other_cfg, data, 3);
    gsl_vector *before = gsl_vector_alloc(other->PG->value->size);
    gsl_vector_memcpy(before, other->PG->value);
    describe(&ck, other);
    assert_int_equal(checkpoint_load(&ck, path, other->r, err, sizeof err), -1);
    assert_int_equal(ck.error, CHECKPOINT_ERR_MODEL);     /* "another model", said so */
    assert_true(gsl_vector_equal(before, other->PG->value));

    gsl_vector_free(before);
    gan_free(other); gan_free(no_rng);
    gan_free(straight); gan_free(first); gan_free(resumed);
    image_set_free(data);
}

static void test_resume_gan(void **s) { (void)s; check_resume(MODEL_GAN, D_JOINT); }
static void test_resume_gan_split(void **s) { (void)s; check_resume(MODEL_GAN, D_SPLIT); }
static void test_resume_cgan(void **s) { (void)s; check_resume(MODEL_CGAN, D_JOINT); }

/* ---- the fixed evaluation noise ---------------------------------------------- */
static void test_cgan_eval_grid(void **s)
{
    (void)s;
    image_set *data = random_images(20, 6, N_CLASSES);
    gan_config cfg = small_config(MODEL_CGAN, D_JOINT, ACT_RELU);
    gan *g = gan_new(&cfg, data, 1);
    sample_set *e = sample_set_new(g, 30, 77), *again = sample_set_new(g, 30, 77);
    for (size_t i = 0; i < 30; i++) {
        assert_int_equal(e->want[i], i % 10);                    /* columns: c = 0..9 */
        gsl_vector_const_view zi = gsl_matrix_const_row(e->z, i);
        gsl_vector_const_view z0 = gsl_matrix_const_row(e->z, i - i % 10);
        assert_true(gsl_vector_equal(&zi.vector, &z0.vector));   /* one z per row of 10 */
    }
    assert_true(gsl_matrix_equal(e->z, again->z));               /* fixed by the seed */
    /* --generate draws in blocks from one generator: 3 x 10 rows == 30 rows */
    sample_set *block = sample_set_new(g, 10, 77);
    for (size_t b = 0; b < 3; b++) {
        if (b > 0)
            sample_set_draw(block, g);
        gsl_matrix_const_view rows = gsl_matrix_const_submatrix(e->z, 10 * b, 0, 10, g->nz);
        assert_true(gsl_matrix_equal(&rows.matrix, block->z));
        assert_memory_equal(e->want + 10 * b, block->want, 10);
    }
    sample_set_free(block);
    sample_set_free(e); sample_set_free(again);
    gan_free(g);
    image_set_free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_d_loss_gan),
        cmocka_unit_test(test_d_loss_cgan),
        cmocka_unit_test(test_d_loss_cgan_leaky),
        cmocka_unit_test(test_g_loss_gan),
        cmocka_unit_test(test_g_loss_cgan),
        cmocka_unit_test(test_g_loss_cgan_leaky),
        cmocka_unit_test(test_wrong_gradients_are_caught),
        cmocka_unit_test(test_resume_gan),
        cmocka_unit_test(test_resume_gan_split),
        cmocka_unit_test(test_resume_cgan),
        cmocka_unit_test(test_cgan_eval_grid),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
