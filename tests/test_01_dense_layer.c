/* test_01_dense_layer.c -- gradient checks of every layer, activation and loss
 * in common/, through chapter 01's own probes (the chapter is included with
 * its main() left out), and proof that the checker catches a wrong one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define GENLAB_TESTING
#include "../chapters/01-dense-layer/dense-layer.c"

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
        cmocka_unit_test(test_identity),   cmocka_unit_test(test_relu),
        cmocka_unit_test(test_leaky_relu), cmocka_unit_test(test_sigmoid),
        cmocka_unit_test(test_tanh),       cmocka_unit_test(test_softmax),
        cmocka_unit_test(test_bce_logits), cmocka_unit_test(test_softmax_xent),
        cmocka_unit_test(test_kl_normal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
