/* test_09_infogan.c -- chapter 09: finite-difference checks of every
 * backward pass the chapter writes (D's loss with and without Q's term, G's
 * loss through the trunk and both heads, the source's Q step through a
 * frozen trunk; continuous codes and a categorical one), proof that the
 * check sees the classic slip (the two heads' shares of dL/df not added),
 * the one-to-one matching of code values to classes against brute force,
 * the fixed evaluation codes, fjd over training (training unchanged by it,
 * fjd_start, fjd_vs_start), the learning-rate drop, re-seeding a starved
 * code value, and exact resume: N steps, save, load, M steps == N + M steps,
 * bit for bit, in both wirings (the categorical runs re-seed on the way).
 *
 * The networks are tiny (dense 6, channels 2) and the "images" random, so
 * that this runs in a few seconds; the code paths are the chapter's own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <unistd.h>

#define GENLAB_TESTING
#include "../chapters/09-infogan/infogan.c"

#include "kinkcheck.h"
#include "testlib.h"

static long d_norm = NORM_LAYER;   /* the small models' normalisation in D and Q (--d-norm) */

static ig_config small_config(long ncat, wiring_kind w)
{
    return (ig_config){.steps = 30, .batch = 8, .noise_dim = 3, .ncat = ncat, .dense = 6, .channels = 2,
                       .digit = 2, .d_steps = 2, .lr_d = 2e-3, .lr_g = 1e-2, .lr_q = 2e-3, .beta1 = 0.5,
                       .slope = 0.3, .ln_eps = 1e-3, .info_w = 0.7, .cat_w = 1.3, .wiring = w,
                       .d_norm = d_norm, .lr_drop_at = 20};   /* resume crosses the drop */
}

/* ---- gradient checks --------------------------------------------------------
 * As in test_08, with the kink-tolerant check of kinkcheck.h: relative error
 * below 1e-6 where |dL/dtheta| >= 1e-4, absolute error below 1e-9 on the
 * smaller entries. An error below 1e-9 passes everywhere: at |dL/dtheta| =
 * 1e-4 the noise alone is a relative 1e-6. Thousands of (leaky) ReLUs sit
 * between a conv weight and the loss, so an entry is now and then within h
 * of a kink (seen: fine at h = 1e-6, 0.5 % off at 1e-5); at most one in
 * twenty checked entries may be one. */
static int is_good(check c, size_t n)
{
    return c.max_rel < REL_TOL && c.max_abs < ABS_TOL && c.n_rel >= n / (4 * STRIDE) && c.kinks <= n / (20 * STRIDE);
}

static void expect_good(check c, size_t n, const char *what)
{
    if (!is_good(c, n))
        fail_msg("%s: rel err %g at %zu over %zu entries, abs err %g over %zu", what, c.max_rel, c.worst,
                 c.n_rel, c.max_abs, c.n_abs);
    print_message("%-34s max rel err %.1e (at a gradient of %.1e) over %4zu entries, abs %.1e over %zu, %zu at a kink\n",
                  what, c.max_rel, c.worst_value, c.n_rel, c.max_abs, c.n_abs, c.kinks);
}

static double d_loss_value(void *ctx) { return d_loss(ctx, 0); }
static double g_loss_value(void *ctx) { infogan *m = ctx; double q; return g_loss(m, 1, m->cfg.wiring == WIRE_PAPER, 0, &q); }
static double q_loss_value(void *ctx) { double q; return g_loss(ctx, 0, 1, 0, &q); }

static gsl_vector *copy_of(const gsl_vector *v)
{
    gsl_vector *c = gsl_vector_alloc(v->size);
    gsl_vector_memcpy(c, v);
    return c;
}

/* a model a few steps into training (so that no layer is at its initial
 * symmetry), then a fresh batch of real images and codes */
static infogan *trained_a_little(const ig_config *cfg, const image_set *data, unsigned long seed)
{
    infogan *m = infogan_new(cfg, data, seed);
    train(m, 3, NULL);
    for (size_t i = 0; i < m->n; i++)
        memcpy(gsl_matrix_ptr(m->real, i, 0), gsl_matrix_const_ptr(data->images, i, 0), IMG * sizeof(double));
    draw_codes(m->r, m->in.v, m->nz, m->ncat, 0);
    return m;
}

static void check_all(long ncat, wiring_kind w)
{
    char what[96], tag[32];
    snprintf(tag, sizeof tag, "%s, %s norm", w == WIRE_PAPER ? "paper" : "source", D_NORMS[d_norm]);
    image_set *data = random_images(12, 1, 1);
    ig_config cfg = small_config(ncat, w);
    for (unsigned long seed = 1; seed <= 2; seed++) {
        infogan *m = trained_a_little(&cfg, data, seed);
        /* D's loss: trunk and D head; with --wiring paper Q's head too */
        d_loss(m, 1);
        gsl_vector *gd = copy_of(m->PD->grad), *gq = copy_of(m->PQ->grad);
        snprintf(what, sizeof what, "D loss, D params (%s, ncat %ld)", tag, ncat);
        expect_good(check_entries(d_loss_value, m, m->PD->value->data, gd->data, gd->size), gd->size, what);
        if (w == WIRE_PAPER) {
            snprintf(what, sizeof what, "D loss, Q params (%s, ncat %ld)", tag, ncat);
            expect_good(check_entries(d_loss_value, m, m->PQ->value->data, gq->data, gq->size), gq->size, what);
        } else {
            assert_true(gsl_vector_isnull(gq));                 /* Q is not in D's step */
        }
        /* G's loss through the trunk and the heads; D and Q unchanged */
        double q;
        gsl_vector *d_before = copy_of(m->PD->value);
        g_loss(m, 1, w == WIRE_PAPER, 1, &q);
        gsl_vector *gg = copy_of(m->PG->grad);
        snprintf(what, sizeof what, "G loss, G params (%s, ncat %ld)", tag, ncat);
        expect_good(check_entries(g_loss_value, m, m->PG->value->data, gg->data, gg->size), gg->size, what);
        assert_true(gsl_vector_equal(d_before, m->PD->value));
        if (w == WIRE_SOURCE) {                                 /* the Q step: G and Q's head */
            g_loss(m, 0, 1, 1, &q);
            gsl_vector *qg = copy_of(m->PG->grad), *qq = copy_of(m->PQ->grad);
            snprintf(what, sizeof what, "Q loss, G params (%s, ncat %ld)", tag, ncat);
            expect_good(check_entries(q_loss_value, m, m->PG->value->data, qg->data, qg->size), qg->size, what);
            snprintf(what, sizeof what, "Q loss, Q params (%s, ncat %ld)", tag, ncat);
            expect_good(check_entries(q_loss_value, m, m->PQ->value->data, qq->data, qq->size), qq->size, what);
            gsl_vector_free(qg); gsl_vector_free(qq);
        }
        gsl_vector_free(gd); gsl_vector_free(gq); gsl_vector_free(gg); gsl_vector_free(d_before);
        infogan_free(m);
    }
    image_set_free(data);
}

static void test_grad_paper_continuous(void **s) { (void)s; check_all(0, WIRE_PAPER); }
static void test_grad_paper_categorical(void **s) { (void)s; check_all(4, WIRE_PAPER); }
static void test_grad_source_continuous(void **s) { (void)s; check_all(0, WIRE_SOURCE); }
static void test_grad_source_categorical(void **s) { (void)s; check_all(4, WIRE_SOURCE); }
/* --d-norm batch and conv: the batch statistics of D's real and fake passes, and of G's */
static void test_grad_batchnorm(void **s)
{
    (void)s;
    for (d_norm = NORM_BATCH; d_norm <= NORM_CONV; d_norm++) {
        check_all(4, WIRE_PAPER);
        check_all(0, WIRE_SOURCE);
    }
    d_norm = NORM_LAYER;
}

/* The heads' backward with Q's share of dL/df written over D's instead of
 * added to it: it runs, it trains something; only the check says it is wrong. */
static void g_grad_heads_overwritten(infogan *m)
{
    double q;
    g_loss(m, 1, 1, 0, &q);
    loss_bce_logits(m->logit.v, NULL, 1.0, m->logit.d);
    info_loss(m, m->cfg.info_w, 1);
    params_zero_grad(m->PG);
    dense_backward(&m->dh, m->f.v, m->logit.d, m->f.d);
    dense_backward(&m->q2, m->r1.v, m->qo.d, m->r1.d);
    leaky_relu_backward(m->cfg.slope, m->m1.v, m->r1.d, m->m1.d);
    norm_backward(&m->ql1, m->u1.v, m->m1.d, m->u1.d);
    dense_backward(&m->q1, m->f.v, m->u1.d, m->f.d);           /* = instead of += */
    leaky_relu_backward(m->cfg.slope, m->l3.v, m->f.d, m->l3.d);
    norm_backward(&m->dl3, m->t3.v, m->l3.d, m->t3.d);
    dense_backward(&m->d3, m->s2.v, m->t3.d, m->s2.d);
    leaky_relu_backward(m->cfg.slope, m->l2.v, m->s2.d, m->l2.d);
    norm_backward(&m->dl2, m->t2.v, m->l2.d, m->t2.d);
    conv_backward(&m->d2, m->s1.v, m->t2.d, m->s1.d, m->work);
    leaky_relu_backward(m->cfg.slope, m->t1.v, m->s1.d, m->t1.d);
    conv_backward(&m->d1, m->x.v, m->t1.d, m->x.d, m->work);
    g_backward(m);
}

static void test_wrong_gradient_is_caught(void **s)
{
    (void)s;
    image_set *data = random_images(12, 3, 1);
    ig_config cfg = small_config(0, WIRE_PAPER);
    infogan *m = trained_a_little(&cfg, data, 4);
    g_grad_heads_overwritten(m);
    gsl_vector *wrong = copy_of(m->PG->grad);
    check c = check_entries(g_loss_value, m, m->PG->value->data, wrong->data, wrong->size);
    assert_true(c.max_rel > 1e-2);
    print_message("heads' shares overwritten: max rel err %.2g (caught)\n", c.max_rel);
    gsl_vector_free(wrong);
    infogan_free(m);
    image_set_free(data);
}

/* ---- the matching of code values to classes ---------------------------------- */
static double brute_force(double count[][N_CLASSES], size_t ncat, int *perm, size_t k, unsigned used)
{
    if (k == ncat)
        return 0.0;
    double best = -1.0;
    for (int c = 0; c < N_CLASSES; c++)
        if (!(used >> c & 1))
            best = fmax(best, count[k][c] + brute_force(count, ncat, perm, k + 1, used | 1u << c));
    return best;
}

static void test_best_matching(void **s)
{
    (void)s;
    gsl_rng *r = rng_new(5);
    for (size_t trial = 0; trial < 30; trial++) {
        const size_t ncat = 2 + trial % 5;                     /* 2..6 code values */
        double count[N_CLASSES][N_CLASSES];
        for (size_t k = 0; k < N_CLASSES; k++)
            for (size_t c = 0; c < N_CLASSES; c++)
                count[k][c] = (double)gsl_rng_uniform_int(r, 20);
        int match[N_CLASSES], perm[N_CLASSES];
        const double best = judge_best_matching(count, ncat, match);
        assert_true(best == brute_force(count, ncat, perm, 0, 0));
        double sum = 0.0;
        unsigned used = 0;
        for (size_t k = 0; k < ncat; k++) {                      /* one to one, and it adds up */
            assert_false(used >> match[k] & 1);
            used |= 1u << match[k];
            sum += count[k][match[k]];
        }
        assert_true(sum == best);
    }
    /* where greedy (largest cell first) loses: 9 + 1 against 8 + 8 */
    double count[N_CLASSES][N_CLASSES] = {{9, 8}, {8, 1}};
    int match[N_CLASSES];
    assert_true(judge_best_matching(count, 2, match) == 16.0);
    assert_int_equal(match[0], 1);
    assert_int_equal(match[1], 0);
    gsl_rng_free(r);
}

/* ---- the fixed evaluation codes ------------------------------------------------ */
static void test_sample_codes(void **s)
{
    (void)s;
    image_set *data = random_images(12, 6, 1);
    ig_config cfg = small_config(4, WIRE_PAPER);
    infogan *m = infogan_new(&cfg, data, 1);
    sample_set *e = sample_set_new(m, 12, 77, 0), *again = sample_set_new(m, 12, 77, 0);
    for (size_t i = 0; i < 12; i++) {
        assert_int_equal(e->want[i], i % 4);                   /* code value i mod 4 ... */
        for (size_t j = 0; j < 4; j++)
            assert_true(gsl_matrix_get(e->codes, i, m->nz + j) == (j == i % 4));
        for (size_t j = 0; j < m->nz; j++) {                   /* ... in blocks of one z */
            assert_true(gsl_matrix_get(e->codes, i, j) == gsl_matrix_get(e->codes, i - i % 4, j));
            assert_true(fabs(gsl_matrix_get(e->codes, i, j)) <= 1.0);
        }
    }
    assert_true(gsl_matrix_equal(e->codes, again->codes));     /* fixed by the seed */
    sample_set *block = sample_set_new(m, 4, 77, 0);           /* --generate's blocks */
    for (size_t b = 0; b < 3; b++) {
        if (b > 0)
            sample_set_draw(block, m);
        gsl_matrix_const_view rows = gsl_matrix_const_submatrix(e->codes, 4 * b, 0, 4, m->nin);
        assert_true(gsl_matrix_equal(&rows.matrix, block->codes));
    }
    /* batch norm's running averages draw the samples: one at a time, or in a batch */
    train(m, 2, NULL);
    gsl_matrix *one = gsl_matrix_alloc(12, IMG);
    run_samples(m, e->codes, e->images, NULL);
    for (size_t i = 0; i < 12; i++) {
        gsl_matrix_const_view c = gsl_matrix_const_submatrix(e->codes, i, 0, 1, m->nin);
        gsl_matrix_view x = gsl_matrix_submatrix(one, i, 0, 1, IMG);
        run_samples(m, &c.matrix, &x.matrix, NULL);
    }
    /* equal up to rounding: OpenBLAS may sum a one-row product in another
     * order than a twelve-row one (its SkylakeX kernels do); batch statistics
     * instead of the running averages would differ by far more than 1e-12 */
    gsl_matrix_sub(one, e->images);
    assert_true(gsl_matrix_max(one) < 1e-12 && gsl_matrix_min(one) > -1e-12);
    gsl_matrix_free(one);
    sample_set_free(block); sample_set_free(e); sample_set_free(again);
    infogan_free(m);
    image_set_free(data);
}

/* ---- fjd over training, measured on the side -------------------------------------
 * A recorder with a judge (fresh random weights) and fjd's samples: training is
 * bit for bit what it is without one (no measurement draws a training random
 * number), fjd_start is the untrained G's fjd on fjd's own samples, every
 * evaluation adds an fjd (on its eval_n images) to score.dat's curve, the final
 * fjd is on fjd_start's samples and fjd_vs_start is fjd / fjd_start. A run that
 * starts from a checkpoint reports no fjd_start. */
static recorder small_recorder(infogan *m, judge *j, long to)
{
    recorder rec = {.j = j, .e = sample_set_new(m, 10, 5, 0), .from = m->step, .to = to, .eval_every = 3,
                    .log_every = 6, .snaps = gsl_matrix_calloc(MAX_SNAPS * GRID, IMG),
                    .loss = history_new(30, SMOOTH, "d_loss g_loss q_loss"),
                    .score = history_new(30, 1, "q_code_mse judge_share cat_code_accuracy q_cat_accuracy fjd")};
    progress_start(&rec.prog, to - m->step, 1);
    image_set *test = random_images(30, 7, 10);              /* as recorder_init: 100 samples, 30 "test digits" */
    rec.f = sample_set_new(m, rec.e->n * (FJD_N / EVAL_N), 8, 0);
    rec.ref = fjd_reference_for(j, test->images, m->data->images, rec.f->n, rec.f->r);
    image_set_free(test);
    return rec;
}

static void recorder_done(recorder *rec)
{
    history_free(rec->loss); history_free(rec->score); gsl_matrix_free(rec->snaps); sample_set_free(rec->e);
}

static int has_metric(const metrics *M, const char *name)
{
    for (size_t i = 0; i < M->n; i++)
        if (strcmp(M->name[i], name) == 0)
            return 1;
    return 0;
}

static void test_fjd_record(void **s)
{
    (void)s;
    image_set *data = random_images(20, 5, 1);
    ig_config cfg = small_config(0, WIRE_PAPER);
    infogan *watched = infogan_new(&cfg, data, 21), *alone = infogan_new(&cfg, data, 21),
            *untrained = infogan_new(&cfg, data, 21);
    judge *j = judge_new();
    gsl_rng *r = rng_new(4);
    mlp_init_xavier(j->net, r);
    recorder rec = small_recorder(watched, j, 12);
    assert_int_equal(rec.f->n, 100);                        /* FJD_N / EVAL_N times eval_n */
    train(watched, 12, &rec);
    train(alone, 12, NULL);
    assert_true(gsl_vector_equal(watched->PG->value, alone->PG->value));      /* bit for bit */
    assert_true(gsl_vector_equal(watched->PD->value, alone->PD->value));
    assert_true(gsl_vector_equal(watched->PQ->value, alone->PQ->value));
    assert_true(gsl_vector_equal(watched->gb3->running_mean, alone->gb3->running_mean));
    assert_true(gsl_rng_get(watched->r) == gsl_rng_get(alone->r));          /* the same draws taken */
    /* fjd_start: the untrained G on fjd's samples, against the same reference */
    const double start = judge_fjd(j, rec.ref.test, run_samples(untrained, rec.f->codes, rec.f->images, NULL));
    assert_true(rec.fjd_start > 0.0 && rec.fjd_start == start);
    /* the curve: at steps 0, 3, ..., 12, the last on the last evaluation's images */
    assert_int_equal(rec.score->n, 5);
    for (size_t i = 0; i < 5; i++)
        assert_true(gsl_matrix_get(rec.score->rows, i, 5) > 0.0);
    assert_true(history_last(rec.score, 4) == judge_fjd(j, rec.ref.test, rec.e->images));
    /* measure: the final fjd on the same samples, and the ratio */
    static metrics M;
    measure(watched, &rec, j, 9, &M);
    assert_true(metrics_get(&M, "fjd") == rec.fjd_end && rec.fjd_end > 0.0);
    assert_true(metrics_get(&M, "fjd_start") == start);
    assert_true(fabs(metrics_get(&M, "fjd_vs_start") - rec.fjd_end / start) <= 1e-15);
    assert_null(rec.f);                                     /* fjd's samples freed */
    recorder_done(&rec);
    /* from a checkpoint (here: the model at step 12), no fjd_start */
    recorder later = small_recorder(watched, j, 15);
    train(watched, 15, &later);
    assert_true(later.fjd_start == 0.0);
    assert_int_equal(later.score->n, 2);                    /* steps 12 and 15 */
    static metrics M2;
    measure(watched, &later, j, 9, &M2);
    assert_true(has_metric(&M2, "fjd") && !has_metric(&M2, "fjd_start") && !has_metric(&M2, "fjd_vs_start"));
    recorder_done(&later);
    gsl_rng_free(r); judge_free(j);
    infogan_free(watched); infogan_free(alone); infogan_free(untrained);
    image_set_free(data);
}

/* ---- the learning-rate drop: every Adam at its rate up to lr_drop_at, a tenth
 * of it from there on (both wirings: the source's has G's second Adam) ---- */
static void test_learning_rates(void **s)
{
    (void)s;
    image_set *data = random_images(20, 5, 1);
    for (wiring_kind w = WIRE_PAPER; w <= WIRE_SOURCE; w++) {
        ig_config cfg = small_config(3, w);
        infogan *m = infogan_new(&cfg, data, 4);
        double v[3];
        for (long step = 0; step < 22; step++) {
            iteration(m, v);                        /* the rates of step `step` */
            const double f = step >= cfg.lr_drop_at ? 0.1 : 1.0;
            assert_float_equal(m->optD->lr, f * cfg.lr_d, 1e-15);
            assert_float_equal(m->optG->lr, f * cfg.lr_g, 1e-15);
            assert_float_equal(m->optQ->lr, f * cfg.lr_q, 1e-15);
            if (w == WIRE_SOURCE)
                assert_float_equal(m->optGq->lr, f * cfg.lr_q, 1e-15);
        }
        infogan_free(m);
    }
    image_set_free(data);
}

/* ---- re-seeding: Q reads every real image as value 0, so value 1 (the first
 * idlest) becomes a copy of it, G's input row within the noise and Q's column
 * and bias exactly, and nothing else moves ---- */
static void test_reseed(void **s)
{
    (void)s;
    image_set *data = random_images(20, 5, 1);
    ig_config cfg = small_config(3, WIRE_PAPER);
    infogan *m = infogan_new(&cfg, data, 5);
    gsl_vector_set(&m->q2.b.vector, 0, 100.0);
    gsl_vector *G0 = gsl_vector_alloc(m->PG->value->size), *Q0 = gsl_vector_alloc(m->PQ->value->size);
    gsl_vector_memcpy(G0, m->PG->value); gsl_vector_memcpy(Q0, m->PQ->value);
    m->cfg.reseed = 2.0;
    reseed_codes(m);
    gsl_matrix *W = &m->g1.W.matrix, *V = &m->q2.W.matrix;
    double rms = 0.0, most = 0.0;
    for (size_t j = 0; j < W->size2; j++) {
        const double hi = gsl_matrix_get(W, m->nz, j), d = fabs(gsl_matrix_get(W, m->nz + 1, j) - hi);
        rms += hi * hi / (double)W->size2;
        most = d > most ? d : most;
    }
    assert_true(most > 0.0 && most < 0.6 * sqrt(rms));          /* a tenth of rms, under 6 sd */
    for (size_t j = 0; j < V->size1; j++)
        assert_true(gsl_matrix_get(V, j, 1) == gsl_matrix_get(V, j, 0));
    assert_true(gsl_vector_get(&m->q2.b.vector, 1) == 100.0);
    size_t moved = 0;                                            /* G's row nz + 1, Q's column 1 and bias 1 */
    for (size_t k = 0; k < G0->size; k++)
        moved += gsl_vector_get(G0, k) != gsl_vector_get(m->PG->value, k);
    for (size_t k = 0; k < Q0->size; k++)
        moved += gsl_vector_get(Q0, k) != gsl_vector_get(m->PQ->value, k);
    assert_true(moved <= W->size2 + V->size1 + 1);
    gsl_vector_free(G0); gsl_vector_free(Q0);
    infogan_free(m);
    image_set_free(data);
}

/* ---- exact resume ------------------------------------------------------------------ */
static void check_resume(long ncat, wiring_kind w)
{
    char path[128];
    snprintf(path, sizeof path, "%s/m.ckpt", dir);
    image_set *data = random_images(20, 5, 1);
    ig_config cfg = small_config(ncat, w);
    cfg.reseed = 1.0;           /* 16 random images never split evenly: with a categorical code,
                                   a re-seed every 2 steps up to 20, so resume crosses several */
    infogan *straight = infogan_new(&cfg, data, 21), *first = infogan_new(&cfg, data, 21);
    train(straight, 30, NULL);                      /* N + M = 30 in one go     */
    train(first, 12, NULL);                         /* N = 12, then save        */
    session S = {.save = path, .rng = rng_new(1)};
    save_model(&S, first);
    gsl_rng_free(S.rng);
    infogan *resumed = infogan_new(&cfg, data, 999);    /* another start: the file wins */
    S = (session){.resume = path, .rng = rng_new(2)};
    load_model(&S, resumed);
    gsl_rng_free(S.rng);
    assert_int_equal(resumed->step, 12);
    train(resumed, 30, NULL);                       /* M = 18 more              */
    assert_true(gsl_vector_equal(straight->PG->value, resumed->PG->value));   /* bit for bit */
    assert_true(gsl_vector_equal(straight->PD->value, resumed->PD->value));
    assert_true(gsl_vector_equal(straight->PQ->value, resumed->PQ->value));
    assert_true(gsl_vector_equal(straight->optG->v, resumed->optG->v));
    assert_true(gsl_vector_equal(straight->optQ->m, resumed->optQ->m));
    assert_true(gsl_vector_equal(straight->gb2->running_var, resumed->gb2->running_var));
    if (w == WIRE_SOURCE)
        assert_true(gsl_vector_equal(straight->optGq->m, resumed->optGq->m));
    assert_false(gsl_vector_equal(first->PG->value, resumed->PG->value));     /* it did train */
    /* a checkpoint of the other wiring (one optimiser more or less) is refused */
    ig_config other_cfg = small_config(ncat, w == WIRE_PAPER ? WIRE_SOURCE : WIRE_PAPER);
    infogan *other = infogan_new(&other_cfg, data, 3);
    checkpoint ck;
    char err[512];
    describe(&ck, other);
    assert_int_equal(checkpoint_load(&ck, path, other->r, err, sizeof err), -1);
    assert_int_equal(ck.error, CHECKPOINT_ERR_MODEL);
    infogan_free(other); infogan_free(straight); infogan_free(first); infogan_free(resumed);
    image_set_free(data);
}

static void test_resume_paper(void **s) { (void)s; check_resume(0, WIRE_PAPER); }
static void test_resume_source(void **s) { (void)s; check_resume(0, WIRE_SOURCE); }
static void test_resume_categorical(void **s) { (void)s; check_resume(3, WIRE_PAPER); }
static void test_resume_batchnorm(void **s)
{
    (void)s;
    for (d_norm = NORM_BATCH; d_norm <= NORM_CONV; d_norm++)
        check_resume(3, WIRE_PAPER);
    d_norm = NORM_LAYER;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grad_paper_continuous),
        cmocka_unit_test(test_grad_paper_categorical),
        cmocka_unit_test(test_grad_source_continuous),
        cmocka_unit_test(test_grad_source_categorical),
        cmocka_unit_test(test_grad_batchnorm),
        cmocka_unit_test(test_wrong_gradient_is_caught),
        cmocka_unit_test(test_best_matching),
        cmocka_unit_test(test_sample_codes),
        cmocka_unit_test(test_fjd_record),
        cmocka_unit_test(test_learning_rates),
        cmocka_unit_test(test_reseed),
        cmocka_unit_test(test_resume_paper),
        cmocka_unit_test(test_resume_source),
        cmocka_unit_test(test_resume_categorical),
        cmocka_unit_test(test_resume_batchnorm),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
