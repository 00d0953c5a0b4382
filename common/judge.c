/* judge.c -- see judge.h. */
#include "judge.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_math.h>

#include "activation.h"
#include "assign.h"
#include "checkpoint.h"
#include "guard.h"
#include "rng.h"

static const size_t WIDTHS[] = {784, JUDGE_HIDDEN, JUDGE_HIDDEN, 10};

judge *judge_new(void)
{
    judge *j = xcalloc(1, sizeof *j, "the judge");
    j->P = params_alloc(mlp_size(WIDTHS, 4));
    j->net = mlp_new(j->P, WIDTHS, 4, ACT_RELU, ACT_IDENTITY, JUDGE_MAX_BATCH);
    j->probs = gsl_matrix_alloc(JUDGE_MAX_BATCH, 10);
    j->widths = gsl_vector_alloc(4);
    for (size_t i = 0; i < 4; i++)
        gsl_vector_set(j->widths, i, (double)WIDTHS[i]);
    return j;
}

void judge_free(judge *j)
{
    if (!j)
        return;
    mlp_free(j->net);
    params_free(j->P);
    gsl_matrix_free(j->probs);
    gsl_vector_free(j->widths);
    free(j);
}

static void describe(checkpoint *ck, judge *j)
{
    *ck = (checkpoint){0};
    checkpoint_add_vector(ck, "judge.widths", j->widths);
    checkpoint_add_params(ck, "judge", j->P);
}

void judge_save(judge *j, const char *path)
{
    checkpoint ck;
    char err[1024];
    describe(&ck, j);
    if (checkpoint_save(&ck, path, NULL, err, sizeof err))
        die("%s", err);
}

judge *judge_load(const char *path)
{
    judge *j = judge_new();
    checkpoint ck;
    char err[1024];
    describe(&ck, j);
    if (checkpoint_load(&ck, path, NULL, err, sizeof err))
        die("%s (the judge is trained by `make judge`)", err);
    for (size_t i = 0; i < 4; i++)
        if (gsl_vector_get(j->widths, i) != (double)WIDTHS[i])
            die("%s: a judge of other layer sizes", path);
    return j;
}

void judge_classify(judge *j, const gsl_matrix *images, unsigned char *label, double *confidence)
{
    for (size_t start = 0; start < images->size1; start += JUDGE_MAX_BATCH) {
        size_t n = images->size1 - start < JUDGE_MAX_BATCH ? images->size1 - start : JUDGE_MAX_BATCH;
        gsl_matrix_const_view X = gsl_matrix_const_submatrix(images, start, 0, n, images->size2);
        const gsl_matrix *logits = mlp_forward(j->net, &X.matrix);
        gsl_matrix_view P = gsl_matrix_submatrix(j->probs, 0, 0, n, 10);
        softmax_forward(logits, &P.matrix);
        for (size_t i = 0; i < n; i++) {
            gsl_vector_view row = gsl_matrix_row(&P.matrix, i);
            size_t best = gsl_vector_max_index(&row.vector);
            if (label)
                label[start + i] = (unsigned char)best;
            if (confidence)
                confidence[start + i] = gsl_vector_get(&row.vector, best);
        }
    }
}

gauss_fit *judge_feature_fit(judge *j, const gsl_matrix *images)
{
    gauss_fit *g = gauss_fit_new(JUDGE_FEATURES);
    const size_t last_hidden = j->net->n_layers - 2;
    for (size_t start = 0; start < images->size1; start += JUDGE_MAX_BATCH) {
        size_t n = images->size1 - start < JUDGE_MAX_BATCH ? images->size1 - start : JUDGE_MAX_BATCH;
        gsl_matrix_const_view X = gsl_matrix_const_submatrix(images, start, 0, n, images->size2);
        mlp_forward(j->net, &X.matrix);
        gauss_fit_add(g, &j->net->av[last_hidden].matrix);
    }
    gauss_fit_finish(g);
    return g;
}

double judge_fjd(judge *j, const gauss_fit *reference, const gsl_matrix *images)
{
    gauss_fit *g = judge_feature_fit(j, images);
    const double d2 = frechet_distance(reference, g);
    gauss_fit_free(g);
    return d2;
}

fjd_reference fjd_reference_new(judge *j, const gsl_matrix *test, const gsl_matrix *train,
                                size_t n_noise, gsl_rng *r)
{
    fjd_reference f = {.test = judge_feature_fit(j, test)};
    gauss_fit_keep_root(f.test);                 /* every fjd reuses its square root */
    f.floor = judge_fjd(j, f.test, train);
    gsl_matrix *noise = gsl_matrix_alloc(n_noise, test->size2);
    rng_fill_uniform(r, noise, 0.0, 1.0);
    f.noise = judge_fjd(j, f.test, noise);
    gsl_matrix_free(noise);
    return f;
}

fjd_reference fjd_reference_for(judge *j, const gsl_matrix *test, const gsl_matrix *train,
                                size_t n, gsl_rng *r)
{
    gsl_matrix_const_view te = gsl_matrix_const_submatrix(test, 0, 0, GSL_MIN(test->size1, n), test->size2),
                          tr = gsl_matrix_const_submatrix(train, 0, 0, GSL_MIN(train->size1, 6 * n), train->size2);
    return fjd_reference_new(j, &te.matrix, &tr.matrix, n, r);
}

void fjd_reference_free(fjd_reference *f)
{
    gauss_fit_free(f->test);
    f->test = NULL;
}

judge_verdict judge_tally_verdict(const judge_tally *t)
{
    judge_verdict v = {0};
    for (int a = 0; a < 10; a++) {
        size_t asked = 0;
        for (int b = 0; b < 10; b++)
            asked += t->count[a][b];
        for (int b = 0; b < 10; b++) {
            v.hist[b] += t->n ? (double)t->count[a][b] / (double)t->n : 0.0;
            v.confusion[a][b] = asked ? (double)t->count[a][b] / (double)asked : 0.0;
        }
        v.score += t->n ? (double)t->count[a][a] / (double)t->n : 0.0;
    }
    v.confidence = t->n ? t->confidence_sum / (double)t->n : 0.0;
    return v;
}

/* The verdicts of `images` into the tally; the per-image verdicts, if asked,
 * into judged and confidence (n each, not NULL) */
static void tally_add(judge *j, const gsl_matrix *images, const unsigned char *want, judge_tally *t,
                      unsigned char *judged, double *confidence)
{
    judge_classify(j, images, judged, confidence);
    for (size_t i = 0; i < images->size1; i++) {
        t->count[want[i]][judged[i]]++;
        t->confidence_sum += confidence[i];
    }
    t->n += images->size1;
}

/* Every row of images, JUDGE_MAX_BATCH at a time, into the tally; the
 * per-image verdicts into judged and confidence where they are not NULL */
static void tally_rows(judge *j, const gsl_matrix *images, const unsigned char *want, judge_tally *t,
                       unsigned char *judged, double *confidence)
{
    for (size_t start = 0; start < images->size1; start += JUDGE_MAX_BATCH) {
        unsigned char cls[JUDGE_MAX_BATCH];
        double conf[JUDGE_MAX_BATCH];
        const size_t n = images->size1 - start < JUDGE_MAX_BATCH ? images->size1 - start : JUDGE_MAX_BATCH;
        gsl_matrix_const_view X = gsl_matrix_const_submatrix(images, start, 0, n, images->size2);
        tally_add(j, &X.matrix, want + start, t, judged ? judged + start : cls,
                  confidence ? confidence + start : conf);
    }
}

void judge_tally_add(judge *j, const gsl_matrix *images, const unsigned char *want, judge_tally *t)
{
    tally_rows(j, images, want, t, NULL, NULL);
}

judge_verdict judge_verdicts(judge *j, const gsl_matrix *images, const unsigned char *want,
                             unsigned char *judged, double *confidence)
{
    judge_tally t = {0};
    tally_rows(j, images, want, &t, judged, confidence);
    return judge_tally_verdict(&t);
}

double mean_pair_distance(const gsl_matrix *images, const unsigned char *label, size_t n)
{
    double sum = 0.0;
    size_t pairs = 0, first[256];
    for (size_t k = 0; k < 256; k++)
        first[k] = n;                                   /* no unpaired row of class k yet */
    for (size_t i = 0; i < n; i++) {
        const unsigned char k = label[i];
        if (first[k] == n) {
            first[k] = i;
            continue;
        }
        const double *x = gsl_matrix_const_ptr(images, first[k], 0), *y = gsl_matrix_const_ptr(images, i, 0);
        double d2 = 0.0;
        for (size_t p = 0; p < images->size2; p++)
            d2 += (x[p] - y[p]) * (x[p] - y[p]);
        sum += sqrt(d2);
        pairs++;
        first[k] = n;
    }
    return pairs ? sum / (double)pairs : 0.0;
}

double judge_best_matching(double count[][10], size_t n_codes, int *match)
{
    return best_assignment_match(&count[0][0], n_codes, 10, match);    /* common/assign.h */
}
