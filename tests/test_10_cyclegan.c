/* test_10_cyclegan.c -- chapter 10: finite-difference checks of every
 * backward pass the chapter writes (the layer list's, each generator's and
 * each discriminator's, the cycle, identity and least-squares losses, for
 * all three generators, two-sided and one-sided), the measuring helpers on
 * cases with a known answer (the dilation, the 2-D map, spread and
 * distances, the history buffer), exact resume: N steps, save, load, M
 * steps == N + M steps, bit for bit, and that measuring (fjd_start, the fjd
 * curve, its yardsticks) leaves training bit for bit as it was.
 *
 * The networks are tiny (width 2, code 4, D 6 units, batch 3) and the
 * "images" random, so that this runs in seconds; the code paths are the
 * chapter's own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <unistd.h>

#define GENLAB_TESTING
#include "../chapters/10-cyclegan/cyclegan.c"

#include "kinkcheck.h"
#include "testlib.h"

#define assert_double_equal(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

static cg_config small_config(gen_kind g, double lambda, double identity, int one_sided)
{
    return (cg_config){.gen = g, .steps = 30, .batch = 3, .width = g == GEN_MLP ? 5 : g == GEN_GLOBAL ? 4 : 2, .code = 4, .d_hidden = 6,
                       .pool = 4, .lambda = lambda, .identity = identity, .lr_g = 1e-2, .lr_d = 2e-3, .beta1 = 0.5,
                       .one_sided = one_sided};
}

/* ---- gradient checks --------------------------------------------------------
 * As in test_09, with the kink-tolerant check of kinkcheck.h: relative error
 * below 1e-6 where |dL/dtheta| >= 1e-4, absolute error below 1e-9 on the
 * smaller entries. Leaky ReLUs, the clamp at 0 and 1 and the L1 losses all
 * have kinks; a few are allowed. */
static double rel_tol = REL_TOL;
static void expect_good(check c, size_t n, const char *what)
{
    if (!(c.max_rel < rel_tol && c.max_abs < ABS_TOL && c.n_rel >= n / (8 * STRIDE) && c.kinks <= n / (20 * STRIDE) + 2))
        fail_msg("%s: rel err %g over %zu entries, abs err %g over %zu, %zu kinks", what, c.max_rel, c.n_rel,
                 c.max_abs, c.n_abs, c.kinks);
    print_message("%-44s max rel err %.1e over %4zu entries, abs %.1e over %zu, %zu at a kink\n", what, c.max_rel,
                  c.n_rel, c.max_abs, c.n_abs, c.kinks);
}

static double g_loss_value(void *ctx) { double v[4]; return g_loss(ctx, 0, v); }
static double d_loss_value(void *ctx) { return d_loss(ctx, 0); }

static gsl_vector *copy_of(const gsl_vector *v)
{
    gsl_vector *c = gsl_vector_alloc(v->size);
    gsl_vector_memcpy(c, v);
    return c;
}

/* random domains: images (dim 784) from random pictures, or the 2-D data */
static domains test_domains(gen_kind g, unsigned long seed)
{
    if (g == GEN_MLP) {
        gsl_rng *r = rng_new(seed);
        domains d = toy_new(r, 40, 10);
        gsl_rng_free(r);
        return d;
    }
    image_set *train_set = random_images(12, seed, 10), *test_set = random_images(10, seed + 1, 10);
    domains d = digits_new(train_set, test_set, 6);
    image_set_free(train_set); image_set_free(test_set);
    return d;
}

/* The clamp's kinks at 0 and 1: with hundreds of output pixels near 0, a
 * difference quotient of a weight that moves them all straddles a kink.
 * Outputs kept inside (0, 1) for the check (the last layer's weights / 2,
 * its bias 1/2); the clamp's cut-off gradient is tested in test_seqnet. */
static void smooth_outputs(cyclegan *m, double slope)
{
    seqnet *gens[] = {m->gxy, m->gyx}, *all[] = {m->gxy, m->gyx, m->dx, m->dy};
    for (int k = 0; k < 4; k++)
        if (all[k])
            all[k]->slope = slope;
    for (int k = 0; k < 2 && m->dom->dim == IMG; k++) {
        seq_layer *L = &gens[k]->L[gens[k]->n_layers - 2];
        gsl_matrix_scale(&L->c.W.matrix, 0.5);
        gsl_vector_set_all(&L->c.b.vector, 0.5);
    }
}

static void check_model(gen_kind g, double lambda, double identity, int one_sided, double slope)
{
    char what[96];
    domains d = test_domains(g, 3);
    cg_config cfg = small_config(g, lambda, identity, one_sided);
    rel_tol = g == GEN_GLOBAL ? 1e-5 : REL_TOL;     /* thousands of L1 and clamp kinks */
    for (unsigned long seed = 1; seed <= (g == GEN_GLOBAL ? 1u : 2u); seed++) {
        cyclegan *m = cyclegan_new(&cfg, &d, seed);
        train(m, 3, NULL);                         /* off the initial symmetry */
        smooth_outputs(m, slope);
        size_t rows[3];
        batch_draw(m->r, d.X, rows, m->x); batch_draw(m->r, d.Y, rows, m->y);
        double v[4];
        g_loss(m, 1, v);                           /* the generators' gradients */
        seqnet *gens[] = {m->gxy, m->gyx};
        for (int k = 0; k < 2; k++) {
            gsl_vector *grad = copy_of(gens[k]->P->grad);
            snprintf(what, sizeof what, "%s G_%s, lambda %g, id %g%s, slope %g", GEN_NAME[g], k ? "YX" : "XY", lambda,
                     identity, one_sided ? ", one-sided" : "", slope);
            expect_good(check_entries(g_loss_value, m, gens[k]->P->value->data, grad->data, grad->size), grad->size, what);
            gsl_vector_free(grad);
        }
        gsl_matrix_memcpy(m->px, m->fx); gsl_matrix_memcpy(m->py, m->fy);
        d_loss(m, 1);                              /* the discriminators' gradients */
        seqnet *ds[] = {m->dx, m->dy};
        for (int k = 0; k < 2; k++) {
            if (!ds[k]) {
                assert_true(one_sided);
                continue;
            }
            gsl_vector *grad = copy_of(ds[k]->P->grad);
            snprintf(what, sizeof what, "%s D_%s%s", GEN_NAME[g], k ? "Y" : "X", one_sided ? ", one-sided" : "");
            expect_good(check_entries(d_loss_value, m, ds[k]->P->value->data, grad->data, grad->size), grad->size, what);
            gsl_vector_free(grad);
        }
        cyclegan_free(m);
    }
    rel_tol = REL_TOL;
    domains_free(&d);
}

/* The global generator has thousands of LeakyReLUs between a weight of its
 * code layer and the loss: at slope 0.2 dozens of them sit within h of their
 * kink. Its check runs at slope 1 (the same code, no kinks; the LeakyReLU's
 * own backward is tested in test_common, whole networks at 0.2 in test_seqnet);
 * the others at the chapter's 0.2 too. */
static void test_grad_toy(void **s) { (void)s; check_model(GEN_MLP, 10, 0, 0, 0.2); check_model(GEN_MLP, 0, 0, 0, 0.2); }
static void test_grad_local(void **s) { (void)s; check_model(GEN_LOCAL, 10, 0, 0, 0.2); check_model(GEN_LOCAL, 0, 0, 0, 1); }
static void test_grad_global(void **s) { (void)s; check_model(GEN_GLOBAL, 10, 0.5, 0, 1); check_model(GEN_GLOBAL, 0, 0, 0, 1); }
static void test_grad_identity_one_sided(void **s) { (void)s; check_model(GEN_LOCAL, 3, 0.7, 1, 1); check_model(GEN_GLOBAL, 10, 0.5, 1, 1); }

/* the losses alone, against finite differences, and their values on a case
 * worked by hand */
static double l1_value(void *ctx) { gsl_matrix **ab = ctx; return 2.5 * l1(ab[0], ab[1], NULL, 0.0); }
static double lsgan_value(void *ctx) { gsl_matrix **ab = ctx; return lsgan(ab[0], 0.3, NULL); }

static void test_losses(void **s)
{
    (void)s;
    gsl_rng *r = rng_new(4);
    gsl_matrix *A = gsl_matrix_alloc(5, 7), *B = gsl_matrix_alloc(5, 7), *dA = gsl_matrix_alloc(5, 7);
    rng_fill_uniform(r, A, 0, 1); rng_fill_uniform(r, B, 0, 1);
    gsl_matrix *ab[] = {A, B};
    l1(A, B, dA, 2.5);
    expect_good(check_entries(l1_value, ab, A->data, dA->data, 35), 35, "2.5 mean |A - B|");
    gsl_matrix *S = gsl_matrix_alloc(6, 1), *dS = gsl_matrix_alloc(6, 1);
    rng_fill_gaussian(r, S, 0, 1);
    gsl_matrix *sb[] = {S, NULL};
    lsgan(S, 0.3, dS);
    expect_good(check_entries(lsgan_value, sb, S->data, dS->data, 6), 6, "mean (s - 0.3)^2");
    double a[] = {0, 1, 0.5, 0.25}, b[] = {1, 1, 0, 0};         /* |.| = 1, 0, 0.5, 0.25 */
    gsl_matrix_view av = gsl_matrix_view_array(a, 2, 2), bv = gsl_matrix_view_array(b, 2, 2), sv = gsl_matrix_view_array(a, 4, 1);
    assert_double_equal(l1(&av.matrix, &bv.matrix, NULL, 0), 1.75 / 4, 1e-15);
    assert_double_equal(lsgan(&sv.matrix, 1.0, NULL), (1 + 0 + 0.25 + 0.5625) / 4, 1e-15);
    gsl_matrix_free(A); gsl_matrix_free(B); gsl_matrix_free(dA); gsl_matrix_free(S); gsl_matrix_free(dS);
    gsl_rng_free(r);
}

/* ---- the truths and the measures ---------------------------------------------- */
static void test_dilation(void **s)
{
    (void)s;
    double x[IMG] = {0}, y[IMG];
    x[5 * SIDE + 7] = 0.8;                           /* one pixel inside ...      */
    x[0] = 0.3;                                      /* ... and one in a corner  */
    x[5 * SIDE + 8] = 0.9;                           /* its neighbour, brighter  */
    dilate(x, y);
    double ink = 0.0;
    for (size_t p = 0; p < IMG; p++)
        ink += y[p] > 0;
    assert_double_equal(ink, 5 + 3 + 3, 0);          /* plus of (5,7) and (5,8) overlap: 8 pixels; corner: 3 */
    assert_double_equal(y[5 * SIDE + 7], 0.9, 0);    /* the max of itself and its neighbours */
    assert_double_equal(y[4 * SIDE + 7], 0.8, 0);
    assert_double_equal(y[5 * SIDE + 6], 0.8, 0);
    assert_double_equal(y[4 * SIDE + 6], 0.0, 0);    /* not the diagonal        */
    assert_double_equal(y[1], 0.3, 0); assert_double_equal(y[SIDE], 0.3, 0);
}

/* dilate in place (y == x) gives what it gives into another image */
static void test_dilation_in_place(void **s)
{
    (void)s;
    gsl_rng *r = rng_new(5);
    double x[IMG], y[IMG];
    for (size_t p = 0; p < IMG; p++)
        x[p] = gsl_rng_uniform(r) < 0.2 ? gsl_rng_uniform(r) : 0.0;
    dilate(x, y);
    dilate(x, x);
    assert_memory_equal(x, y, sizeof x);
    gsl_rng_free(r);
}

/* the bags are the training set's own rows: X its first half as they are, Y
 * the second half dilated; the set no longer holds them (freed with d) */
static void test_domains_take_the_pixels(void **s)
{
    (void)s;
    image_set *train = random_images(13, 3, 10), *test = random_images(10, 4, 10);
    gsl_matrix *before = gsl_matrix_alloc(13, IMG);
    gsl_matrix_memcpy(before, train->images);
    domains d = digits_new(train, test, 6);
    assert_null(train->images);
    assert_int_equal(d.X->size1, 6);
    assert_int_equal(d.Y->size1, 7);
    double y[IMG];
    for (size_t i = 0; i < 13; i++) {
        const double *want = gsl_matrix_const_ptr(before, i, 0);
        if (i >= 6)
            dilate(want, y), want = y;
        assert_memory_equal(gsl_matrix_const_ptr(i < 6 ? d.X : d.Y, i < 6 ? i : i - 6, 0), want, sizeof y);
    }
    domains_free(&d);                                /* (ASan and valgrind: no double free, no leak) */
    image_set_free(train); image_set_free(test);
    gsl_matrix_free(before);
}

static void test_toy_map(void **s)
{
    (void)s;
    gsl_matrix *X = gsl_matrix_alloc(3, 2), *Y = gsl_matrix_alloc(3, 2), *Z = gsl_matrix_alloc(3, 2);
    const double x[] = {1, 0, 0, 1, 0.3, -2};
    for (int k = 0; k < 6; k++)
        X->data[k] = x[k];
    toy_map(X, Y, 0);
    assert_double_equal(gsl_matrix_get(Y, 0, 0), M_SQRT2, 1e-15);        /* A e1 = (2c, s) */
    assert_double_equal(gsl_matrix_get(Y, 0, 1), M_SQRT1_2, 1e-15);
    assert_double_equal(gsl_matrix_get(Y, 1, 0), -M_SQRT2, 1e-15);       /* A e2 = (-2s, c) */
    toy_map(Y, Z, 1);                                                    /* A^-1 A = I */
    for (int k = 0; k < 6; k++)
        assert_double_equal(Z->data[k], x[k], 1e-14);
    gsl_matrix_free(X); gsl_matrix_free(Y); gsl_matrix_free(Z);
}

static void test_spread_and_distance(void **s)
{
    (void)s;
    double a[] = {0, 0, 2, 0, 0, 2, 2, 2}, b[] = {3, 4, 2, 0, 0, 2, 2, 2};     /* a square, side 2 */
    gsl_matrix_view A = gsl_matrix_view_array(a, 4, 2), B = gsl_matrix_view_array(b, 4, 2);
    /* each coordinate: values 0, 2, 0, 2, sample variance 4/3; spread sqrt(8/3) */
    assert_double_equal(spread(&A.matrix), sqrt(8.0 / 3.0), 1e-14);
    assert_double_equal(mean_distance(&A.matrix, &B.matrix), 5.0 / 4, 1e-15);   /* one row 5 apart */
}

/* the history buffer: filled first, then each fake is shown or swapped */
static void test_pool(void **s)
{
    (void)s;
    domains d = test_domains(GEN_MLP, 5);
    cg_config cfg = small_config(GEN_MLP, 10, 0, 0);
    cfg.pool = 4;
    cyclegan *m = cyclegan_new(&cfg, &d, 1);
    gsl_matrix *fresh = gsl_matrix_alloc(3, 2), *shown = gsl_matrix_alloc(3, 2);
    int n_old = 0;
    for (int step = 0; step < 20; step++) {
        for (size_t k = 0; k < 6; k++)
            fresh->data[k] = 100 * step + (double)k;
        pool_query(m, fresh, m->pool_x, shown, m->pool_n);
        for (size_t i = 0; i < 3; i++) {
            const double v = gsl_matrix_get(shown, i, 0);
            if (m->pool_n + (long)i < cfg.pool)                /* not yet full: the new one */
                assert_double_equal(v, gsl_matrix_get(fresh, i, 0), 0);
            else                                               /* a whole fake seen before */
                assert_true(v <= gsl_matrix_get(fresh, i, 0) && gsl_matrix_get(shown, i, 1) == v + 1);
            if (v != gsl_matrix_get(fresh, i, 0))
                n_old++;
        }
        m->pool_n = GSL_MIN(cfg.pool, m->pool_n + 3);
    }
    assert_true(n_old > 10 && n_old < 50);       /* about half of the 58 after the pool filled */
    cyclegan_free(m);
    gsl_matrix_free(fresh); gsl_matrix_free(shown);
    domains_free(&d);
}

/* a generator that IS the truth scores 0 against the truth, and the judge-free
 * measures of an identity map on the images are |x - T(x)| */
static void test_evaluate_known(void **s)
{
    (void)s;
    domains d = test_domains(GEN_LOCAL, 7);
    cg_config cfg = small_config(GEN_LOCAL, 10, 0, 0);
    cyclegan *m = cyclegan_new(&cfg, &d, 1);
    for (int k = 0; k < 2; k++) {                     /* both generators: y = clamp(x) = x */
        seqnet *G = k ? m->gyx : m->gxy;
        gsl_vector_set_zero(G->P->value);
        for (size_t l = 0; l < 5; l += 2)             /* channel 0 to channel 0, centre tap 1 */
            gsl_matrix_set(&G->L[l].c.W.matrix, 0, 4, 1.0);
    }
    const evaluation e = evaluate(m, d.tx->size1, NULL, NULL);
    gsl_matrix *t = rows_of(d.tx, 0, d.tx->size1, 1, 0);
    assert_double_equal(e.truth[0], l1(d.tx, t, NULL, 0), 1e-12);    /* identity's translation error */
    assert_double_equal(e.cycle[0], 0.0, 1e-12);                     /* and a perfect cycle */
    assert_double_equal(e.cycle[1], 0.0, 1e-12);
    gsl_matrix_free(t);
    cyclegan_free(m);
    domains_free(&d);
}

/* ---- exact resume ------------------------------------------------------------------ */
static void check_resume(gen_kind g, int one_sided)
{
    char path[128];
    snprintf(path, sizeof path, "%s/m.ckpt", dir);
    domains d = test_domains(g, 9);
    cg_config cfg = small_config(g, 10, 0.5, one_sided);
    cyclegan *straight = cyclegan_new(&cfg, &d, 21), *first = cyclegan_new(&cfg, &d, 21);
    train(straight, 30, NULL);                      /* N + M = 30 in one go     */
    train(first, 12, NULL);                         /* N = 12, then save        */
    session S = {.save = path, .rng = rng_new(1)};
    save_or_load(&S, first, 1);
    gsl_rng_free(S.rng);
    cyclegan *resumed = cyclegan_new(&cfg, &d, 999);    /* another start: the file wins */
    S = (session){.resume = path, .rng = rng_new(2)};
    save_or_load(&S, resumed, 0);
    gsl_rng_free(S.rng);
    assert_int_equal(resumed->step, 12);
    train(resumed, 30, NULL);                       /* M = 18 more              */
    seqnet *a[] = {straight->gxy, straight->gyx, straight->dx, straight->dy}, *b[] = {resumed->gxy, resumed->gyx, resumed->dx, resumed->dy};
    for (int k = 0; k < 4; k++) {
        if (!a[k])
            continue;
        assert_true(gsl_vector_equal(a[k]->P->value, b[k]->P->value));         /* bit for bit */
        assert_true(gsl_vector_equal(a[k]->opt->v, b[k]->opt->v));
    }
    assert_true(gsl_matrix_equal(straight->pool_y, resumed->pool_y));
    assert_false(gsl_vector_equal(first->gxy->P->value, resumed->gxy->P->value));   /* it did train */
    cyclegan_free(straight); cyclegan_free(first); cyclegan_free(resumed);
    domains_free(&d);
}

/* ---- measuring never touches training -----------------------------------------------
 * What run_images measures around training: fjd_start of the untrained
 * generators (before a checkpoint loads), a point of the fjd curve at the
 * start and ten times a run, fjd's yardsticks (whose noise images come from a
 * generator of their own). With all of it, and a save and resume halfway,
 * training ends bit for bit where training alone does. */
static void test_measuring_leaves_training_alone(void **s)
{
    (void)s;
    char path[128];
    snprintf(path, sizeof path, "%s/measured.ckpt", dir);
    domains d = test_domains(GEN_LOCAL, 11);
    cg_config cfg = small_config(GEN_LOCAL, 10, 0, 0);
    judge *j = judge_new();                         /* a random judge: features that vary */
    gsl_rng *r = rng_new(5);
    for (size_t i = 0; i < j->P->value->size; i++)
        gsl_vector_set(j->P->value, i, gsl_ran_gaussian(r, 0.1));
    fjd_reference ref[2];
    ref[0] = fjd_reference_new(j, d.ref_y, d.Y, d.tx->size1, r);
    ref[1] = fjd_reference_new(j, d.ref_x, d.X, d.tx->size1, r);
    cyclegan *plain = cyclegan_new(&cfg, &d, 21), *first = cyclegan_new(&cfg, &d, 21), *second = cyclegan_new(&cfg, &d, 21);
    train(plain, 20, NULL);
    const evaluation e0 = evaluate(first, d.tx->size1, j, ref);         /* fjd_start */
    assert_true(e0.fjd[0] > 0 && e0.fjd[1] > 0 && isfinite(e0.fjd[0]) && isfinite(e0.fjd[1]));
    recorder rec;
    recorder_init(&rec, first, 10, j, ref, 1);
    train(first, 10, &rec);
    assert_int_equal(rec.fjd->n, 1 + 10);             /* the start, then every step */
    history_free(rec.loss); history_free(rec.fjd);
    session S = {.save = path, .rng = rng_new(1)};
    save_or_load(&S, first, 1);
    gsl_rng_free(S.rng);
    evaluate(second, d.tx->size1, j, ref);            /* as run_images: before the load */
    S = (session){.resume = path, .rng = rng_new(2)};
    save_or_load(&S, second, 0);
    gsl_rng_free(S.rng);
    recorder_init(&rec, second, 20, j, ref, 1);
    train(second, 20, &rec);
    assert_int_equal(rec.fjd->n, 1 + 10);
    for (size_t i = 0; i < rec.fjd->n; i++)
        assert_true(gsl_matrix_get(rec.fjd->rows, i, 1) > 0 && isfinite(gsl_matrix_get(rec.fjd->rows, i, 2)));
    history_free(rec.loss); history_free(rec.fjd);
    seqnet *a[] = {plain->gxy, plain->gyx, plain->dx, plain->dy}, *b[] = {second->gxy, second->gyx, second->dx, second->dy};
    for (int k = 0; k < 4; k++) {
        assert_true(gsl_vector_equal(a[k]->P->value, b[k]->P->value));         /* bit for bit */
        assert_true(gsl_vector_equal(a[k]->opt->v, b[k]->opt->v));
    }
    assert_true(gsl_matrix_equal(plain->pool_x, second->pool_x));
    assert_true(gsl_rng_get(plain->r) == gsl_rng_get(second->r));            /* the same next draw */
    cyclegan_free(plain); cyclegan_free(first); cyclegan_free(second);
    fjd_reference_free(&ref[0]); fjd_reference_free(&ref[1]);
    judge_free(j);
    gsl_rng_free(r);
    domains_free(&d);
}

static void test_resume_local(void **s) { (void)s; check_resume(GEN_LOCAL, 0); }
static void test_resume_global_one_sided(void **s) { (void)s; check_resume(GEN_GLOBAL, 1); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grad_toy),
        cmocka_unit_test(test_grad_local),
        cmocka_unit_test(test_grad_global),
        cmocka_unit_test(test_grad_identity_one_sided),
        cmocka_unit_test(test_losses),
        cmocka_unit_test(test_dilation),
        cmocka_unit_test(test_toy_map),
        cmocka_unit_test(test_spread_and_distance),
        cmocka_unit_test(test_pool),
        cmocka_unit_test(test_evaluate_known),
        cmocka_unit_test(test_dilation_in_place),
        cmocka_unit_test(test_domains_take_the_pixels),
        cmocka_unit_test(test_resume_local),
        cmocka_unit_test(test_resume_global_one_sided),
        cmocka_unit_test(test_measuring_leaves_training_alone),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
