/* test_01_dense_layer.c -- the test machinery of chapter 01 (the chapter is
 * included with its main() left out):
 *   - the gradient check of the chapter's own backward pass, layer_backward,
 *     on several shapes, and proof that it fails on a wrong gradient;
 *   - the chapter's layer_forward / layer_backward against common/dense.c
 *     (the copy later chapters call), to the last bit, on shapes other than
 *     the chapter's demo and with gradients already accumulated;
 *   - gradient checks of every layer, activation and loss in common/ through
 *     the chapter's probes, over several draws, and proof that the checker
 *     catches a wrong one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define GENLAB_TESTING
#include "../chapters/01-dense-layer/dense-layer.c"

/* ---- the chapter's own layer, alone: L = MSE(layer_forward(X), T) ------- */
typedef struct layer_case {
    params *P;
    dense L;
    gsl_matrix *X, *dX;         /* (n, in)  */
    gsl_matrix *Y, *dY, *T;     /* (n, out) */
} layer_case;

static layer_case *layer_case_new(gsl_rng *r, size_t n, size_t in, size_t out)
{
    layer_case *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->P = params_alloc(dense_size(in, out));
    dense_bind(&c->L, c->P, in, out);
    for (size_t i = 0; i < c->P->value->size; i++)      /* random W AND b */
        gsl_vector_set(c->P->value, i, gsl_ran_gaussian(r, 0.7));
    c->X = gsl_matrix_alloc(n, in);
    c->dX = gsl_matrix_alloc(n, in);
    c->Y = gsl_matrix_alloc(n, out);
    c->dY = gsl_matrix_alloc(n, out);
    c->T = gsl_matrix_alloc(n, out);
    rng_fill_gaussian(r, c->X, 0.0, 1.0);
    rng_fill_gaussian(r, c->T, 0.0, 1.0);
    return c;
}

static void layer_case_free(layer_case *c)
{
    gsl_matrix *all[] = {c->X, c->dX, c->Y, c->dY, c->T};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        gsl_matrix_free(all[i]);
    params_free(c->P);
    free(c);
}

static double layer_case_loss(void *ctx)
{
    layer_case *c = ctx;
    layer_forward(&c->L, c->X, c->Y);
    return loss_mse(c->Y, c->T, NULL);
}

/* zero the gradients, forward, loss, the chapter's backward */
static void layer_case_backward(layer_case *c)
{
    params_zero_grad(c->P);
    layer_forward(&c->L, c->X, c->Y);
    loss_mse(c->Y, c->T, c->dY);
    layer_backward(&c->L, c->X, c->dY, c->dX);
}

static double layer_case_params_err(layer_case *c)
{
    return gradcheck(layer_case_loss, c, c->P->value->data, c->P->grad->data,
                     c->P->value->size, 1000).max_rel_err;
}

static double layer_case_input_err(layer_case *c)
{
    return gradcheck(layer_case_loss, c, c->X->data, c->dX->data,
                     c->X->size1 * c->X->size2, 1000).max_rel_err;
}

static const size_t layer_shapes[][3] = {  /* n, in, out */
    {3, 4, 2}, {6, 5, 4}, {1, 7, 3}, {8, 1, 1}, {5, 3, 6},
};
#define N_LAYER_SHAPES (sizeof layer_shapes / sizeof layer_shapes[0])

/* layer_backward's dW, db and dX agree with central differences ... */
static void test_chapter_backward_gradcheck(void **s)
{
    (void)s;
    gsl_rng *r = rng_new(5);
    for (size_t k = 0; k < N_LAYER_SHAPES; k++) {
        layer_case *c = layer_case_new(r, layer_shapes[k][0], layer_shapes[k][1],
                                       layer_shapes[k][2]);
        layer_case_backward(c);
        double ep = layer_case_params_err(c), ex = layer_case_input_err(c);
        if (ep >= 1e-6 || ex >= 1e-6)
            fail_msg("layer_backward, shape %zu: rel err params %g, input %g", k, ep, ex);
        layer_case_free(c);
    }
    gsl_rng_free(r);
}

/* ... and the same check fails when the gradient is wrong. */
static void test_chapter_backward_gradcheck_can_fail(void **s)
{
    (void)s;
    gsl_rng *r = rng_new(6);
    layer_case *c = layer_case_new(r, 6, 5, 4);

    layer_case_backward(c);                     /* a 1 % error in one dW entry */
    gsl_matrix_set(&c->L.dW.matrix, 2, 1, 1.01 * gsl_matrix_get(&c->L.dW.matrix, 2, 1));
    assert_true(layer_case_params_err(c) > 1e-3);

    layer_case_backward(c);                     /* db forgotten */
    gsl_vector_set_zero(&c->L.db.vector);
    assert_true(layer_case_params_err(c) > 0.5);

    layer_case_backward(c);                     /* dX = dY W (no transpose): W^T's */
    for (size_t i = 0; i < c->dX->size1; i++)   /* entries in the wrong places     */
        for (size_t j = 0; j < c->dX->size2; j++)
            gsl_matrix_set(c->dX, i, j, gsl_matrix_get(c->dX, i, (j + 1) % c->dX->size2));
    assert_true(layer_case_input_err(c) > 1e-3);

    layer_case_backward(c);                     /* params_zero_grad forgotten: */
    loss_mse(c->Y, c->T, c->dY);                /* backward run twice adds up  */
    layer_backward(&c->L, c->X, c->dY, NULL);
    assert_true(layer_case_params_err(c) > 0.3);

    layer_case_free(c);
    gsl_rng_free(r);
}

/* The chapter's layer is common/dense.c's, to the last bit: forward, and a
 * backward that ADDS into gradients already holding something. */
static void test_chapter_layer_equals_common(void **s)
{
    (void)s;
    gsl_rng *r = rng_new(7);
    for (size_t k = 0; k < N_LAYER_SHAPES; k++) {
        const size_t n = layer_shapes[k][0], in = layer_shapes[k][1], out = layer_shapes[k][2];
        layer_case *c = layer_case_new(r, n, in, out);
        gsl_matrix *Y2 = gsl_matrix_alloc(n, out), *dX2 = gsl_matrix_alloc(n, in);
        gsl_vector *start = gsl_vector_alloc(c->P->grad->size);
        gsl_vector *ours = gsl_vector_alloc(c->P->grad->size);
        for (size_t i = 0; i < start->size; i++)
            gsl_vector_set(start, i, gsl_ran_gaussian(r, 1.0));
        rng_fill_gaussian(r, c->dY, 0.0, 1.0);

        layer_forward(&c->L, c->X, c->Y);
        dense_forward(&c->L, c->X, Y2);
        gsl_vector_memcpy(c->P->grad, start);
        layer_backward(&c->L, c->X, c->dY, c->dX);
        gsl_vector_memcpy(ours, c->P->grad);
        gsl_vector_memcpy(c->P->grad, start);
        dense_backward(&c->L, c->X, c->dY, dX2);

        double diff = max_abs_diff(c->Y->data, Y2->data, n * out);
        diff = fmax(diff, max_abs_diff(c->dX->data, dX2->data, n * in));
        diff = fmax(diff, max_abs_diff(ours->data, c->P->grad->data, ours->size));
        if (diff > 1e-15)
            fail_msg("shape %zu: chapter vs common/dense.c differ by %g", k, diff);

        gsl_matrix_free(Y2);
        gsl_matrix_free(dX2);
        gsl_vector_free(start);
        gsl_vector_free(ours);
        layer_case_free(c);
    }
    gsl_rng_free(r);
}

/* ---- every piece of common/, through the chapter's probes ----------------- */
static void check_probe(probe_kind kind, act_kind act)
{
    gsl_rng *r = rng_new(11);
    for (int trial = 0; trial < 3; trial++) {
        probe *p = probe_new(r, kind, act, 6, 5, 4);
        probe_backward(p);
        gradcheck_result gp = gradcheck(probe_loss, p, p->P->value->data, p->P->grad->data,
                                        p->P->value->size, 1000);
        gradcheck_result gx = gradcheck(probe_loss, p, p->X->data, p->dX->data, 30, 1000);
        if (gp.max_rel_err >= 1e-6 || gx.max_rel_err >= 1e-6)
            fail_msg("%s: rel err params %g, input %g", act_name(act), gp.max_rel_err, gx.max_rel_err);
        if (kind == PROBE_KL) {
            gradcheck_result gv = gradcheck(probe_loss, p, p->V->data, p->dV->data, 24, 1000);
            assert_true(gv.max_rel_err < 1e-6);
        }
        /* a 1 % error in one gradient entry must be caught */
        p->P->grad->data[3] *= 1.01;
        gp = gradcheck(probe_loss, p, p->P->value->data, p->P->grad->data, p->P->value->size, 1000);
        assert_true(gp.max_rel_err > 1e-3);
        probe_free(p);
    }
    gsl_rng_free(r);
}

static void test_identity(void **s) { (void)s; check_probe(PROBE_ACTIVATION, ACT_IDENTITY); }
static void test_relu(void **s) { (void)s; check_probe(PROBE_ACTIVATION, ACT_RELU); }
static void test_leaky_relu(void **s) { (void)s; check_probe(PROBE_ACTIVATION, ACT_LEAKY_RELU); }
static void test_sigmoid(void **s) { (void)s; check_probe(PROBE_ACTIVATION, ACT_SIGMOID); }
static void test_tanh(void **s) { (void)s; check_probe(PROBE_ACTIVATION, ACT_TANH); }
static void test_softmax(void **s) { (void)s; check_probe(PROBE_SOFTMAX, ACT_IDENTITY); }
static void test_bce_logits(void **s) { (void)s; check_probe(PROBE_BCE, ACT_IDENTITY); }
static void test_softmax_xent(void **s) { (void)s; check_probe(PROBE_XENT, ACT_IDENTITY); }
static void test_kl_normal(void **s) { (void)s; check_probe(PROBE_KL, ACT_IDENTITY); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chapter_backward_gradcheck),
        cmocka_unit_test(test_chapter_backward_gradcheck_can_fail),
        cmocka_unit_test(test_chapter_layer_equals_common),
        cmocka_unit_test(test_identity),   cmocka_unit_test(test_relu),
        cmocka_unit_test(test_leaky_relu), cmocka_unit_test(test_sigmoid),
        cmocka_unit_test(test_tanh),       cmocka_unit_test(test_softmax),
        cmocka_unit_test(test_bce_logits), cmocka_unit_test(test_softmax_xent),
        cmocka_unit_test(test_kl_normal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
