/* test_05_gan.c -- gradient checks of chapter 05's two backward paths:
 *
 *   the generator's: dL_G/dtheta_G, backpropagated THROUGH a frozen D
 *                    (mlp_backward_input), for both G losses and every
 *                    hidden activation the chapter offers;
 *   the discriminator's: dL_D/dtheta_D for the summed real + fake BCE.
 *
 * Plus: the G path leaves D's gradients and weights alone, the D path leaves
 * G's alone, and the checker catches the classic mistake of skipping D in
 * the chain rule (using dL/dl as if it were dL/dx). Last, --save / --load:
 * a loaded G is the saved G bit for bit, and a checkpoint does not load into
 * a GAN of another shape, activation or loss. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <unistd.h>

#define GENLAB_TESTING
#include "../chapters/05-gan/gan.c"

typedef struct ctx {
    gan *g;
    gsl_matrix *z, *real;
    gloss_kind kind;
} ctx;

static double g_loss_only(void *p)
{
    ctx *c = p;
    return g_loss_and_grad(c->g, c->z, c->kind, 0, NULL);
}

static double d_loss_only(void *p)
{
    ctx *c = p;
    /* d_loss_and_grad also writes D's gradient; the checker keeps its own copy */
    return d_loss_and_grad(c->g, c->real, c->z, NULL);
}

/* A small GAN with every parameter drawn from N(0, 0.7^2), biases included,
 * so that no unit sits at a special point (zero biases would put every
 * first-layer kink of D at x = 0). */
static ctx make_ctx(gsl_rng *r, act_kind act, gloss_kind kind)
{
    gan_setup cfg = {.target = TARGET_BIMODAL, .gloss = kind, .steps = 1, .batch = 7,
                     .d_steps = 1, .noise_dim = 3, .hidden = 5, .g_hidden = 4,
                     .lr_d = 1e-3, .lr_g = 1e-3, .act = act};
    ctx c = {gan_new(&cfg, "bimodal", r), gsl_matrix_alloc(7, 3), gsl_matrix_alloc(7, 1), kind};
    for (size_t i = 0; i < c.g->PG->value->size; i++)
        gsl_vector_set(c.g->PG->value, i, gsl_ran_gaussian(r, 0.7));
    for (size_t i = 0; i < c.g->PD->value->size; i++)
        gsl_vector_set(c.g->PD->value, i, gsl_ran_gaussian(r, 0.7));
    rng_fill_gaussian(r, c.z, 0.0, 1.0);
    real_batch(TARGET_BIMODAL, r, c.real);
    return c;
}

static void free_ctx(ctx *c)
{
    gan_free(c->g);
    gsl_matrix_free(c->z);
    gsl_matrix_free(c->real);
}

static void check_g_path(act_kind act, gloss_kind kind)
{
    gsl_rng *r = rng_new(5);
    for (int trial = 0; trial < 3; trial++) {
        ctx c = make_ctx(r, act, kind);
        const size_t nd = c.g->PD->value->size;
        gsl_vector *d_before = gsl_vector_alloc(nd);
        gsl_vector_memcpy(d_before, c.g->PD->value);
        gsl_vector_set_all(c.g->PD->grad, 7.0);              /* a sentinel */

        g_loss_and_grad(c.g, c.z, kind, 1, NULL);
        gradcheck_result res = gradcheck(g_loss_only, &c, c.g->PG->value->data,
                                         c.g->PG->grad->data, c.g->PG->value->size, 1000);
        if (res.max_rel_err >= 1e-6)
            fail_msg("%s, %s: rel err %g at %zu (analytic %g, numeric %g)", act_name(act),
                     gloss_name(kind), res.max_rel_err, res.worst, res.analytic, res.numeric);
        if (trial == 0)
            print_message("G through frozen D, %s, %s: max rel err %.1e over %zu parameters\n",
                          act_name(act), gloss_name(kind), res.max_rel_err, res.checked);

        /* D was used, not changed: its gradient and weights are untouched */
        for (size_t i = 0; i < nd; i++) {
            assert_true(gsl_vector_get(c.g->PD->grad, i) == 7.0);
            assert_true(gsl_vector_get(c.g->PD->value, i) == gsl_vector_get(d_before, i));
        }
        /* ... and stepping G's optimiser moves G only */
        optim_step(c.g->optG);
        for (size_t i = 0; i < nd; i++)
            assert_true(gsl_vector_get(c.g->PD->value, i) == gsl_vector_get(d_before, i));
        gsl_vector_free(d_before);
        free_ctx(&c);
    }
    gsl_rng_free(r);
}

static void test_g_non_saturating_tanh(void **s) { (void)s; check_g_path(ACT_TANH, GLOSS_NON_SATURATING); }
static void test_g_saturating_tanh(void **s) { (void)s; check_g_path(ACT_TANH, GLOSS_SATURATING); }
static void test_g_non_saturating_leaky(void **s) { (void)s; check_g_path(ACT_LEAKY_RELU, GLOSS_NON_SATURATING); }
static void test_g_saturating_relu(void **s) { (void)s; check_g_path(ACT_RELU, GLOSS_SATURATING); }

static void test_d_path(void **s)
{
    (void)s;
    gsl_rng *r = rng_new(6);
    const act_kind acts[] = {ACT_TANH, ACT_LEAKY_RELU, ACT_RELU};
    for (int a = 0; a < 3; a++) {
        ctx c = make_ctx(r, acts[a], GLOSS_NON_SATURATING);
        gsl_vector_set_all(c.g->PG->grad, 7.0);
        d_loss_and_grad(c.g, c.real, c.z, NULL);
        gradcheck_result res = gradcheck(d_loss_only, &c, c.g->PD->value->data,
                                         c.g->PD->grad->data, c.g->PD->value->size, 1000);
        if (res.max_rel_err >= 1e-6)
            fail_msg("D, %s: rel err %g", act_name(acts[a]), res.max_rel_err);
        print_message("D, %s: max rel err %.1e over %zu parameters\n", act_name(acts[a]),
                      res.max_rel_err, res.checked);
        for (size_t i = 0; i < c.g->PG->grad->size; i++)   /* G only evaluated */
            assert_true(gsl_vector_get(c.g->PG->grad, i) == 7.0);
        free_ctx(&c);
    }
    gsl_rng_free(r);
}

/* The classic slip: hand G the loss's dL/dl as if it were dL/dx, i.e. leave
 * D out of the chain rule. The check must catch it (and a 1 % error too). */
static void test_wrong_gradient_is_caught(void **s)
{
    (void)s;
    gsl_rng *r = rng_new(7);
    ctx c = make_ctx(r, ACT_TANH, GLOSS_NON_SATURATING);
    const size_t n = c.z->size1;

    const gsl_matrix *fake = mlp_forward(c.g->G, c.z);
    const gsl_matrix *logit = mlp_forward(c.g->D, fake);
    ws_rows(c.g->ws, n);
    loss_bce_logits(logit, NULL, 1.0, c.g->dlogit);
    params_zero_grad(c.g->PG);
    mlp_backward(c.g->G, c.g->dlogit, NULL);                /* D skipped: wrong */
    gradcheck_result res = gradcheck(g_loss_only, &c, c.g->PG->value->data,
                                     c.g->PG->grad->data, c.g->PG->value->size, 1000);
    assert_true(res.max_rel_err > 1e-3);

    g_loss_and_grad(c.g, c.z, GLOSS_NON_SATURATING, 1, NULL);   /* right ... */
    c.g->PG->grad->data[2] *= 1.01;                             /* ... but 1 % off */
    res = gradcheck(g_loss_only, &c, c.g->PG->value->data, c.g->PG->grad->data,
                    c.g->PG->value->size, 1000);
    assert_true(res.max_rel_err > 1e-3);
    free_ctx(&c);
    gsl_rng_free(r);
}

/* The equilibrium levels the loss figures mark: with D(x) = 1/2 everywhere
 * (every logit 0), L_D = 2 ln 2, non-saturating L_G = ln 2, saturating -ln 2. */
static void test_equilibrium_levels(void **s)
{
    (void)s;
    gsl_rng *r = rng_new(8);
    ctx c = make_ctx(r, ACT_TANH, GLOSS_NON_SATURATING);
    gsl_vector_set_zero(c.g->PD->value);                    /* D outputs logit 0 */
    double ld = d_loss_and_grad(c.g, c.real, c.z, NULL);
    double lns = g_loss_and_grad(c.g, c.z, GLOSS_NON_SATURATING, 0, NULL);
    double ls = g_loss_and_grad(c.g, c.z, GLOSS_SATURATING, 0, NULL);
    assert_true(fabs(ld - 2.0 * M_LN2) < 1e-12);
    assert_true(fabs(lns - M_LN2) < 1e-12);
    assert_true(fabs(ls + M_LN2) < 1e-12);
    free_ctx(&c);
    gsl_rng_free(r);
}

/* --save / --load (Appendix C). Two GANs (a main run and an SGD run of the
 * experiment) train a few steps and are saved to a temporary file; fresh
 * GANs with other initial weights load it. Then G gives the same x for the
 * same z, bit for bit, and D, the optimisers, the step and the random
 * generator are restored too. */
static const gan_setup tiny = {.target = TARGET_BIMODAL, .gloss = GLOSS_NON_SATURATING,
                               .steps = 5, .batch = 7, .d_steps = 1, .noise_dim = 3,
                               .hidden = 5, .g_hidden = 4, .lr_d = 1e-3, .lr_g = 1e-3,
                               .act = ACT_TANH};

static void tiny_models(model_set *S, const gan_setup *cfg, gsl_rng *r)
{
    gan_setup sgd_sat = *cfg;               /* as recipe() sets up section 10's run */
    sgd_sat.gloss = GLOSS_SATURATING;
    sgd_sat.sgd = 1;
    sgd_sat.lr_d = sgd_sat.lr_g = COMPARE_SGD_LR;
    S->g[S->n++] = gan_new(cfg, "bimodal", r);
    S->g[S->n++] = gan_new(&sgd_sat, cmp_name[CMP_SGD_SAT], r);
}

static void free_models(model_set *S)
{
    for (size_t i = 0; i < S->n; i++)
        gan_free(S->g[i]);
    S->n = 0;
}

static int vectors_equal(const gsl_vector *a, const gsl_vector *b)
{
    return a->size == b->size && memcmp(a->data, b->data, a->size * sizeof(double)) == 0;
}

static void test_save_load(void **s)
{
    (void)s;
    char path[] = "/tmp/test_05_gan_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[1024];
    checkpoint ck;

    gsl_rng *ra = rng_new(9);
    model_set A = {0};
    tiny_models(&A, &tiny, ra);
    step_stats st;
    for (size_t i = 0; i < A.n; i++)
        for (long k = 0; k < 5; k++) {
            train_step(A.g[i], ra, &st);
            A.g[i]->step = k + 1;
        }
    describe_models(&ck, &A);
    assert_int_equal(ck.n, 18);                       /* 9 blocks per GAN */
    if (checkpoint_save(&ck, path, ra, err, sizeof err) != 0)
        fail_msg("%s", err);

    gsl_rng *rb = rng_new(10);
    model_set B = {0};
    tiny_models(&B, &tiny, rb);
    assert_false(vectors_equal(A.g[0]->PG->value, B.g[0]->PG->value));   /* other init */
    describe_models(&ck, &B);
    if (checkpoint_load(&ck, path, rb, err, sizeof err) != 0)
        fail_msg("%s", err);

    assert_true(gsl_rng_get(ra) == gsl_rng_get(rb));  /* the generator, restored */

    gsl_rng *rz = rng_new(11);
    gsl_matrix *z = gsl_matrix_alloc(6, 3), *xa = gsl_matrix_alloc(6, 1);
    rng_fill_gaussian(rz, z, 0.0, 1.0);
    gsl_rng_free(rz);
    for (size_t i = 0; i < A.n; i++) {
        gan *a = A.g[i], *b = B.g[i];
        gsl_matrix_view zi = gsl_matrix_submatrix(z, 0, 0, 6, (size_t)a->setup.noise_dim);
        gsl_matrix_memcpy(xa, mlp_forward(a->G, &zi.matrix));
        const gsl_matrix *xb = mlp_forward(b->G, &zi.matrix);
        for (size_t k = 0; k < 6; k++)
            assert_true(memcmp(gsl_matrix_const_ptr(xa, k, 0), gsl_matrix_const_ptr(xb, k, 0),
                               sizeof(double)) == 0);
        assert_true(vectors_equal(a->PD->value, b->PD->value));
        assert_true(vectors_equal(a->optG->m, b->optG->m));
        assert_true(vectors_equal(a->optD->v, b->optD->v));
        assert_int_equal(a->optG->step, b->optG->step);
        assert_int_equal(b->step, 5);
    }

    /* Another size, activation, optimiser or G loss: refused with a message,
     * and the model keeps the weights it had. */
    gan_setup other[4] = {tiny, tiny, tiny, tiny};
    other[0].hidden = 6;
    other[1].g_hidden = 3;
    other[2].act = ACT_RELU;
    other[3].gloss = GLOSS_SATURATING;
    for (int k = 0; k < 4; k++) {
        model_set C = {0};
        tiny_models(&C, &other[k], rb);
        gsl_vector *before = gsl_vector_alloc(C.g[0]->PG->value->size);
        gsl_vector_memcpy(before, C.g[0]->PG->value);
        describe_models(&ck, &C);
        err[0] = '\0';
        assert_int_equal(checkpoint_load(&ck, path, rb, err, sizeof err), -1);
        assert_true(strstr(err, "this model expects") != NULL);
        print_message("refused: %s\n", err);
        assert_true(vectors_equal(before, C.g[0]->PG->value));
        gsl_vector_free(before);
        free_models(&C);
    }
    /* ... and so is a file with fewer GANs than the run has */
    model_set D = {0};
    tiny_models(&D, &tiny, rb);
    D.g[D.n++] = gan_new(&tiny, "bimodal", rb);
    describe_models(&ck, &D);
    assert_int_equal(checkpoint_load(&ck, path, rb, err, sizeof err), -1);
    assert_int_equal(ck.error, CHECKPOINT_ERR_MODEL);  /* what load_models tells apart: */
    assert_int_equal(ck.file_blocks, 18);               /* 2 GANs' blocks, not 3 */
    free_models(&D);

    gsl_matrix_free(z);
    gsl_matrix_free(xa);
    free_models(&A);
    free_models(&B);
    gsl_rng_free(ra);
    gsl_rng_free(rb);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_g_non_saturating_tanh),
        cmocka_unit_test(test_g_saturating_tanh),
        cmocka_unit_test(test_g_non_saturating_leaky),
        cmocka_unit_test(test_g_saturating_relu),
        cmocka_unit_test(test_d_path),
        cmocka_unit_test(test_wrong_gradient_is_caught),
        cmocka_unit_test(test_equilibrium_levels),
        cmocka_unit_test(test_save_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
