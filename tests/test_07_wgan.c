/* test_07_wgan.c -- gradient checks of chapter 07's critic: its input
 * gradient dD/dx (section 3), its backward pass, the gradient penalty's
 * double backward (section 5), the whole critic loss, and the generator's
 * gradient through the critic; proof that a wrong gradient is caught; and
 * the checkpoint of Appendix B (save, load, the same samples; a model of
 * another shape refused). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <unistd.h>

#define GENLAB_TESTING
#include "../chapters/07-wgan/wgan.c"

#define TOL 1e-6

/* the chapter's check_double_backward, in pieces: a critic of d inputs and
 * `hidden` units with random weights AND biases, n random points x_hat */
static gp_probe gp_probe_new(gsl_rng *r, size_t d, size_t hidden, size_t n, act_kind act)
{
    gp_probe p = {critic_new(d, hidden, act, n), gsl_matrix_alloc(n, d), 10.0, 0};
    for (size_t i = 0; i < p.C->P->value->size; i++)
        gsl_vector_set(p.C->P->value, i, gsl_ran_gaussian(r, 0.7));
    rng_fill_gaussian(r, p.X, 0.0, 1.0);
    return p;
}

static void gp_probe_free(gp_probe *p)
{
    critic_free(p->C);
    gsl_matrix_free(p->X);
}

/* C->P->grad gets the analytic dP/dtheta; checked against central differences */
static gradcheck_result gp_probe_check(gp_probe *p)
{
    params_zero_grad(p->C->P);
    critic_gp(p->C, p->X, p->lambda, p->one_sided, 1, NULL);
    return gradcheck(gp_probe_loss, p, p->C->P->value->data, p->C->P->grad->data, p->C->P->value->size,
                     100000);
}

/* sum_i D(x_i): its gradient with respect to X is exactly g = dD/dx */
static double sum_scores(void *ctx)
{
    gp_probe *p = ctx;
    const gsl_matrix *d = critic_forward(p->C, p->X);
    double s = 0.0;
    for (size_t i = 0; i < d->size1; i++)
        s += gsl_matrix_get(d, i, 0);
    return s;
}

static void check_input_grad(act_kind act, size_t d)
{
    gsl_rng *r = rng_new(3);
    for (int trial = 0; trial < 3; trial++) {
        gp_probe p = gp_probe_new(r, d, 6, 7, act);
        critic_forward(p.C, p.X);
        gsl_matrix *g = gsl_matrix_alloc(7, d);
        gsl_matrix_memcpy(g, critic_input_grad(p.C));
        gradcheck_result res = gradcheck(sum_scores, &p, p.X->data, g->data, 7 * d, 1000);
        if (res.max_rel_err >= TOL)
            fail_msg("input gradient: rel err %g", res.max_rel_err);
        gsl_matrix_free(g);
        gp_probe_free(&p);
    }
    gsl_rng_free(r);
}

static void test_input_grad_leaky_2d(void **s) { (void)s; check_input_grad(ACT_LEAKY_RELU, 2); }
static void test_input_grad_relu_1d(void **s) { (void)s; check_input_grad(ACT_RELU, 1); }

/* the Wasserstein part of the critic's loss on fixed real and fake rows,
 * plus (lambda > 0) the penalty on fixed interpolates */
typedef struct critic_probe {
    gp_probe gp;
    gsl_matrix *real, *fake, *dout;
} critic_probe;

static double critic_loss(critic_probe *c, int want_grad)
{
    critic *C = c->gp.C;
    const size_t n = c->real->size1;
    if (want_grad)
        params_zero_grad(C->P);
    double loss = -mat_mean(critic_forward(C, c->real));
    if (want_grad) {
        gsl_matrix_set_all(c->dout, -1.0 / (double)n);
        mlp_backward(C->net, c->dout, NULL);
    }
    loss += mat_mean(critic_forward(C, c->fake));
    if (want_grad) {
        gsl_matrix_set_all(c->dout, 1.0 / (double)n);
        mlp_backward(C->net, c->dout, NULL);
    }
    if (c->gp.lambda > 0.0)
        loss += critic_gp(C, c->gp.X, c->gp.lambda, c->gp.one_sided, want_grad, NULL);
    return loss;
}

static double critic_loss_value(void *ctx) { return critic_loss(ctx, 0); }

static void check_critic_loss(double lambda, act_kind act)
{
    gsl_rng *r = rng_new(5);
    for (int trial = 0; trial < 3; trial++) {
        critic_probe c = {gp_probe_new(r, 2, 6, 8, act), gsl_matrix_alloc(8, 2),
                          gsl_matrix_alloc(8, 2), gsl_matrix_alloc(8, 1)};
        c.gp.lambda = lambda;
        rng_fill_gaussian(r, c.real, 0.0, 1.0);
        rng_fill_gaussian(r, c.fake, 0.5, 1.0);
        critic_loss(&c, 1);
        params *P = c.gp.C->P;
        /* every parameter but the last, the output bias c, whose gradient
         * is exactly 0 here (see test_critic_backward) */
        gradcheck_result res = gradcheck(critic_loss_value, &c, P->value->data, P->grad->data,
                                         P->value->size - 1, 100000);
        if (res.max_rel_err >= TOL)
            fail_msg("critic loss (lambda %g): rel err %g at %zu (%g vs %g)", lambda, res.max_rel_err,
                     res.worst, res.analytic, res.numeric);
        gsl_matrix_free(c.real);
        gsl_matrix_free(c.fake);
        gsl_matrix_free(c.dout);
        gp_probe_free(&c.gp);
    }
    gsl_rng_free(r);
}

/* The ordinary backward pass on its own, with L = sum_i v_i D(x_i) for random
 * v: the Wasserstein loss alone would not do, since its gradient with
 * respect to the output bias c is exactly 0 (c shifts real and fake scores
 * alike), so rounding noise in the numeric one would be all there is. */
typedef struct weighted_probe {
    gp_probe gp;
    gsl_matrix *v;
} weighted_probe;

static double weighted_scores(void *ctx)
{
    weighted_probe *w = ctx;
    const gsl_matrix *d = critic_forward(w->gp.C, w->gp.X);
    double s = 0.0;
    for (size_t i = 0; i < d->size1; i++)
        s += gsl_matrix_get(w->v, i, 0) * gsl_matrix_get(d, i, 0);
    return s;
}

static void test_critic_backward(void **s)
{
    (void)s;
    gsl_rng *r = rng_new(5);
    act_kind acts[] = {ACT_LEAKY_RELU, ACT_RELU};
    for (int trial = 0; trial < 4; trial++) {
        weighted_probe w = {gp_probe_new(r, 1 + (size_t)trial % 2, 6, 8, acts[trial / 2]),
                            gsl_matrix_alloc(8, 1)};
        rng_fill_gaussian(r, w.v, 0.0, 1.0);
        params_zero_grad(w.gp.C->P);
        critic_forward(w.gp.C, w.gp.X);
        mlp_backward(w.gp.C->net, w.v, NULL);
        params *P = w.gp.C->P;
        gradcheck_result res = gradcheck(weighted_scores, &w, P->value->data, P->grad->data,
                                         P->value->size, 100000);
        if (res.max_rel_err >= TOL)
            fail_msg("critic backward: rel err %g", res.max_rel_err);
        gsl_matrix_free(w.v);
        gp_probe_free(&w.gp);
    }
    gsl_rng_free(r);
}

static void test_critic_loss_with_gp(void **s) { (void)s; check_critic_loss(10.0, ACT_LEAKY_RELU); }
static void test_critic_loss_with_gp_relu(void **s) { (void)s; check_critic_loss(10.0, ACT_RELU); }

/* the penalty alone, as the chapter checks it, in 1D and 2D, two-sided and
 * one-sided (for the one-sided one, some slopes are above 1 and some below
 * with these random weights, so both branches of max(0, |g| - 1) occur) */
static void check_gp(act_kind act, size_t d, int one_sided)
{
    gsl_rng *r = rng_new(7);
    for (int trial = 0; trial < 3; trial++) {
        gp_probe p = gp_probe_new(r, d, 5, 6, act);
        p.one_sided = one_sided;
        gradcheck_result res = gp_probe_check(&p);
        if (res.max_rel_err >= TOL)
            fail_msg("gradient penalty: rel err %g", res.max_rel_err);
        gp_probe_free(&p);
    }
    gsl_rng_free(r);
}

static void test_gp_leaky_2d(void **s) { (void)s; check_gp(ACT_LEAKY_RELU, 2, 0); }
static void test_gp_leaky_1d(void **s) { (void)s; check_gp(ACT_LEAKY_RELU, 1, 0); }
static void test_gp_relu_2d(void **s) { (void)s; check_gp(ACT_RELU, 2, 0); }
static void test_gp_one_sided_2d(void **s) { (void)s; check_gp(ACT_LEAKY_RELU, 2, 1); }
static void test_gp_one_sided_1d(void **s) { (void)s; check_gp(ACT_LEAKY_RELU, 1, 1); }

/* The biases get no gradient from the penalty (section 5): check that the
 * analytic zeros are real zeros, i.e. that moving a bias leaves P unchanged. */
static void test_gp_bias_gradient_is_zero(void **s)
{
    (void)s;
    gsl_rng *r = rng_new(9);
    gp_probe p = gp_probe_new(r, 2, 5, 6, ACT_LEAKY_RELU);
    params_zero_grad(p.C->P);
    critic_gp(p.C, p.X, p.lambda, p.one_sided, 1, NULL);
    for (size_t l = 0; l <= DEPTH; l++) {
        const gsl_vector *db = &p.C->layer[l].db.vector;
        for (size_t j = 0; j < db->size; j++)
            assert_true(gsl_vector_get(db, j) == 0.0);
        double *b0 = gsl_vector_ptr(&p.C->layer[l].b.vector, 0);
        const double before = gp_probe_loss(&p);
        *b0 += 1e-5;
        const double after = gp_probe_loss(&p);
        *b0 -= 1e-5;
        assert_true(fabs(after - before) < 1e-12 * fmax(1.0, fabs(before)));
    }
    gp_probe_free(&p);
    gsl_rng_free(r);
}

/* A wrong double backward must fail the check: (a) one entry off by 1 %,
 * (b) a classic slip, forgetting the slopes M_0 on the way back (what you
 * get if you treat the backward chain as if it had no masks). */
static void test_wrong_gradient_is_caught(void **s)
{
    (void)s;
    gsl_rng *r = rng_new(13);
    gp_probe p = gp_probe_new(r, 2, 5, 6, ACT_LEAKY_RELU);
    gradcheck_result res = gp_probe_check(&p);
    assert_true(res.max_rel_err < TOL);

    p.C->P->grad->data[4] *= 1.01;
    res = gradcheck(gp_probe_loss, &p, p.C->P->value->data, p.C->P->grad->data, p.C->P->value->size, 100000);
    assert_true(res.max_rel_err > 1e-3);

    /* (b): the same steps as critic_gp's double backward, but with the
     * slopes M_0 forgotten (dS = dE instead of dE * M_0) */
    params_zero_grad(p.C->P);
    critic_forward(p.C, p.X);
    critic_input_grad(p.C);
    {
        critic *C = p.C;
        const size_t n = C->n;
        gsl_matrix *U = C->U, *dE = C->dE, *dS = C->dS;
        const gsl_matrix *g = C->grad;
        for (size_t i = 0; i < n; i++) {
            double norm = hypot(gsl_matrix_get(g, i, 0), gsl_matrix_get(g, i, 1));
            double coef = 2.0 * p.lambda / (double)n * (norm - 1.0) / norm;
            for (size_t j = 0; j < 2; j++)
                gsl_matrix_set(U, i, j, coef * gsl_matrix_get(g, i, j));
        }
        gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, U, E(C, 0), 1.0, &C->layer[0].dW.matrix);
        gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, U, &C->layer[0].W.matrix, 0.0, dE);
        for (size_t l = 1; l < DEPTH; l++) {
            if (l == 1)
                gsl_matrix_memcpy(dS, dE);                  /* the slip */
            else
                mask(C, l - 1, dE, dS);
            gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, dS, E(C, l), 1.0, &C->layer[l].dW.matrix);
            gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, dS, &C->layer[l].W.matrix, 0.0, dE);
        }
        mask(C, DEPTH - 1, dE, dS);
        gsl_vector_view dw = gsl_matrix_column(&C->layer[DEPTH].dW.matrix, 0);
        mat_add_col_sums(&dw.vector, dS);
    }
    res = gradcheck(gp_probe_loss, &p, p.C->P->value->data, p.C->P->grad->data, p.C->P->value->size, 100000);
    assert_true(res.max_rel_err > 1e-3);
    gp_probe_free(&p);
    gsl_rng_free(r);
}

/* The generator's gradient: L_G = -mean D(G(z)), through the frozen critic. */
typedef struct gen_probe {
    wgan *W;
    gsl_matrix *z;
} gen_probe;

static double gen_loss(void *ctx)
{
    gen_probe *g = ctx;
    return -mat_mean(critic_forward(g->W->C, mlp_forward(g->W->G, g->z)));
}

static void test_generator_gradient(void **s)
{
    (void)s;
    gsl_rng *r = rng_new(17);
    setting cfg = {.method = METHOD_GP, .target = TARGET_RING, .steps = 1, .batch = 8, .n_critic = 1,
                       .hidden = 6, .g_hidden = 5, .noise_dim = 3, .lr = 1e-4, .g_lr = 1e-4,
                       .clip = 0.01, .lambda = 10.0, .act = ACT_LEAKY_RELU};
    wgan *W = wgan_new(&cfg, EVAL_N(cfg.target), r);
    /* random weights AND biases: with Xavier weights and zero biases a
     * sample whose first-layer units are all off gives the next layer z = 0
     * exactly, a ReLU kink, where a central difference is meaningless */
    for (size_t i = 0; i < W->PG->value->size; i++)
        gsl_vector_set(W->PG->value, i, gsl_ran_gaussian(r, 0.7));
    for (size_t i = 0; i < W->C->P->value->size; i++)
        gsl_vector_set(W->C->P->value, i, gsl_ran_gaussian(r, 0.7));
    gen_probe g = {W, gsl_matrix_alloc(8, 3)};
    rng_fill_gaussian(r, g.z, 0.0, 1.0);
    /* what generator_step computes, without its optimiser step */
    ws_rows(W->ws, 8);
    const gsl_matrix *x = mlp_forward(W->G, g.z);
    critic_forward(W->C, x);
    gsl_matrix_memcpy(W->dx, critic_input_grad(W->C));
    gsl_matrix_scale(W->dx, -1.0 / 8.0);
    params_zero_grad(W->PG);
    mlp_backward(W->G, W->dx, NULL);
    gradcheck_result res = gradcheck(gen_loss, &g, W->PG->value->data, W->PG->grad->data,
                                     W->PG->value->size, 100000);
    if (res.max_rel_err >= TOL)
        fail_msg("generator gradient: rel err %g at %zu (%g vs %g)", res.max_rel_err, res.worst, res.analytic, res.numeric);
    gsl_matrix_free(g.z);
    wgan_free(W);
    gsl_rng_free(r);
}

/* ---- Appendix B: checkpoints ---------------------------------------------- */
static setting tiny_config(method_kind method, target_kind target, long g_hidden, act_kind act)
{
    return (setting){.method = method, .target = target, .steps = 3, .batch = 8, .n_critic = 2,
                         .hidden = 6, .g_hidden = g_hidden, .noise_dim = 2, .lr = 1e-3, .g_lr = 1e-3,
                         .clip = 0.01, .lambda = 10.0, .one_sided = 1, .act = act};
}

/* a clip run on the ring and a gp run on the bimodal target, as main builds them */
static void tiny_runs(wgan **rs, gsl_rng *r, long g_hidden, act_kind act)
{
    setting a = tiny_config(METHOD_CLIP, TARGET_RING, g_hidden, act);
    setting b = tiny_config(METHOD_GP, TARGET_BIMODAL, g_hidden, act);
    rs[0] = wgan_new(&a, EVAL_N(a.target), r);
    rs[1] = wgan_new(&b, EVAL_N(b.target), r);
}

/* what train does, without its log and measurements */
static void tiny_train(wgan *W, gsl_rng *r)
{
    for (long k = 0; k < W->set.steps; k++) {
        for (long c = 0; c < W->set.n_critic; c++)
            critic_step(W, r);
        generator_step(W, r);
        W->slope_at_xhat = W->grad_norm;
    }
    W->step = W->set.steps;
}

static void test_checkpoint_roundtrip(void **s)
{
    (void)s;
    char path[] = "/tmp/test_07_wgan_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);

    gsl_rng *ra = rng_new(21);
    wgan *a[2];
    tiny_runs(a, ra, 5, ACT_LEAKY_RELU);
    for (int i = 0; i < 2; i++)
        tiny_train(a[i], ra);
    checkpoint ck;                       /* what main's --save writes (Appendix B) */
    char err[1024] = "";
    describe_runs(&ck, a, 2);
    assert_int_equal(checkpoint_save(&ck, path, ra, err, sizeof err), 0);

    /* a fresh start from another seed: every number must come from the file */
    gsl_rng *rb = rng_new(999);
    wgan *b[2];
    tiny_runs(b, rb, 5, ACT_LEAKY_RELU);
    assert_false(gsl_vector_equal(a[0]->PG->value, b[0]->PG->value));
    describe_runs(&ck, b, 2);            /* and what --load reads back */
    assert_int_equal(checkpoint_load(&ck, path, rb, err, sizeof err), 0);
    /* the training generator's state came back too */
    assert_true(gsl_rng_get(ra) == gsl_rng_get(rb));
    gsl_rng *rz = rng_new(77);
    gsl_matrix *z = gsl_matrix_alloc(7, 2), *xa = gsl_matrix_alloc(7, 2);   /* (7, dim <= 2) */
    for (int i = 0; i < 2; i++) {
        wgan *A = a[i], *B = b[i];
        assert_int_equal(b[i]->step, 3);
        assert_true(gsl_vector_equal(A->PG->value, B->PG->value));
        assert_true(gsl_vector_equal(A->C->P->value, B->C->P->value));
        assert_true(gsl_vector_equal(A->optG->v, B->optG->v));
        assert_true(gsl_vector_equal(A->optC->m, B->optC->m));
        assert_int_equal(A->optC->step, B->optC->step);
        assert_true(a[i]->slope_at_xhat == b[i]->slope_at_xhat);
        /* the same noise through both generators: bit-identical samples */
        rng_fill_gaussian(rz, z, 0.0, 1.0);
        gsl_matrix_view xa_i = gsl_matrix_submatrix(xa, 0, 0, 7, A->dim);
        gsl_matrix_memcpy(&xa_i.matrix, mlp_forward(A->G, z));
        assert_true(gsl_matrix_equal(&xa_i.matrix, mlp_forward(B->G, z)));
    }
    assert_int_equal(b[1]->slope_at_xhat > 0.0, 1);           /* gp: a real number came back */

    /* another shape, method or activation is refused, and the model is left alone */
    struct { long g_hidden; act_kind act; int swap; } other[] = {
        {7, ACT_LEAKY_RELU, 0},             /* --g-hidden 7: G's block has another size */
        {5, ACT_RELU, 0},                   /* --act relu: same sizes, another name     */
        {5, ACT_LEAKY_RELU, 1},             /* the runs in another order: gp, then clip */
    };
    for (size_t k = 0; k < sizeof other / sizeof other[0]; k++) {
        gsl_rng *rc = rng_new(5);
        wgan *c[2];
        tiny_runs(c, rc, other[k].g_hidden, other[k].act);
        if (other[k].swap) {
            wgan *t = c[0];
            c[0] = c[1];
            c[1] = t;
        }
        gsl_vector *before = gsl_vector_alloc(c[0]->PG->value->size);
        gsl_vector_memcpy(before, c[0]->PG->value);
        err[0] = '\0';
        describe_runs(&ck, c, 2);
        assert_int_equal(checkpoint_load(&ck, path, rc, err, sizeof err), -1);
        assert_int_equal(ck.error, CHECKPOINT_ERR_MODEL); /* session_load: "the flags"   */
        assert_non_null(strstr(err, "this model"));      /* the message says what differs */
        assert_null(strchr(err, '\n'));                  /* in one line                   */
        assert_true(gsl_vector_equal(before, c[0]->PG->value));
        gsl_vector_free(before);
        wgan_free(c[0]);
        wgan_free(c[1]);
        gsl_rng_free(rc);
    }

    remove(path);
    gsl_matrix_free(z);
    gsl_matrix_free(xa);
    for (int i = 0; i < 2; i++) {
        wgan_free(a[i]);
        wgan_free(b[i]);
    }
    gsl_rng_free(ra);
    gsl_rng_free(rb);
    gsl_rng_free(rz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_input_grad_leaky_2d),
        cmocka_unit_test(test_input_grad_relu_1d),
        cmocka_unit_test(test_critic_backward),
        cmocka_unit_test(test_critic_loss_with_gp),
        cmocka_unit_test(test_critic_loss_with_gp_relu),
        cmocka_unit_test(test_gp_leaky_2d),
        cmocka_unit_test(test_gp_leaky_1d),
        cmocka_unit_test(test_gp_relu_2d),
        cmocka_unit_test(test_gp_one_sided_2d),
        cmocka_unit_test(test_gp_one_sided_1d),
        cmocka_unit_test(test_gp_bias_gradient_is_zero),
        cmocka_unit_test(test_wrong_gradient_is_caught),
        cmocka_unit_test(test_generator_gradient),
        cmocka_unit_test(test_checkpoint_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
